import type { ClientHooks, HookAnswer, HookDelivery, HookEventSpec } from "@oxtail/core";
import { PLAINLOG_SESSION_ENV } from "./detect.js";

/**
 * Plainlog's hook events (`<Plainlog home>/hooks.json`). Plainlog runs each hook command through
 * `/bin/sh` with PLAINLOG_SESSION_ID and PLAINLOG_DIR set and the event as JSON on stdin
 * (`{"event", "session", "cwd", "transcript", …}`), then reads the command's stdout.
 */
export const PLAINLOG_HOOK_EVENTS: readonly HookEventSpec[] = [
  { event: "session_start", role: "session-start", identity: true },
  { event: "prompt", role: "next-prompt", identity: true, state: "busy" },
  { event: "tool", role: "mid-turn", state: "busy" },
  { event: "turn_end", role: "before-idle", state: "idle" },
];

const text = (value: unknown): string | null =>
  typeof value === "string" && value.length <= 4096 ? value : null;

/**
 * Plainlog reads `{"context": "…"}` on a hook's stdout as text added to the model's context (at any
 * event), and `{"continue": "…"}` at `turn_end` as the next input of a turn that goes on. No output
 * and exit 0 change nothing.
 */
function plainlogAnswer(spec: HookEventSpec, delivery: HookDelivery | null): HookAnswer {
  if (!delivery) return { exitCode: 0 };
  const key = spec.role === "before-idle" ? "continue" : "context";
  return { stdout: JSON.stringify({ [key]: delivery.text }), exitCode: 0 };
}

/** Plainlog's part of the hook contract. */
export const plainlogHooks: ClientHooks = {
  events: PLAINLOG_HOOK_EVENTS,
  sessionEnv: PLAINLOG_SESSION_ENV,
  sessionId: (payload, env) => text(env[PLAINLOG_SESSION_ENV]) ?? text(payload.session),
  identity: (payload) => ({ transcriptPath: text(payload.transcript), cwd: text(payload.cwd) }),
  answer: plainlogAnswer,
};
