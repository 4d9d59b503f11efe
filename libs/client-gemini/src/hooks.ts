import { type ClientHooks, commandHookAnswer, type HookEventSpec } from "@oxtail/core";

/**
 * Gemini CLI's hooks (`hooks` in `~/.gemini/settings.json`), as measured in 0.61.0
 * (tools/agents/test/gemini.test.ts, docs/adapters/gemini.md): the payload on stdin carries
 * `session_id`, `transcript_path` and `cwd`, and hook processes get `GEMINI_SESSION_ID` (and the
 * client's `TMUX`/`TMUX_PANE`). The answer is JSON on stdout in the shared command-hook form:
 * - `AfterTool`: `hookSpecificOutput.additionalContext` is appended to the tool's result, so the model
 *   reads the mail before its next step. `BeforeTool` cannot carry context to the model (its
 *   `additionalContext` was measured to reach nothing), so mid-turn delivery is after each tool.
 * - `AfterAgent`: `decision: "block"` with a `reason` makes the client send the reason as a new prompt:
 *   the agent answers its mail before going idle.
 * - `BeforeAgent` (the human's prompt): `additionalContext` is appended to the prompt.
 * - `SessionStart` fires at launch, with the session id: identity before any turn.
 */
export const GEMINI_HOOK_EVENTS: readonly HookEventSpec[] = [
  { event: "AfterTool", role: "mid-turn", state: "busy" },
  { event: "AfterAgent", role: "before-idle", state: "idle" },
  { event: "SessionStart", role: "session-start", identity: true },
  { event: "BeforeAgent", role: "next-prompt", identity: true, state: "busy" },
];

/** The variable Gemini CLI sets for its hook processes. */
export const GEMINI_SESSION_ENV = "GEMINI_SESSION_ID";

const text = (value: unknown): string | null =>
  typeof value === "string" && value.length <= 4096 ? value : null;

/** Gemini CLI's part of the hook contract. */
export const geminiHooks: ClientHooks = {
  events: GEMINI_HOOK_EVENTS,
  sessionEnv: GEMINI_SESSION_ENV,
  // The client's own variable first, as the hook's shell front reads it; when it is set, nothing else counts.
  sessionId: (payload, env) =>
    env[GEMINI_SESSION_ENV] !== undefined ? text(env[GEMINI_SESSION_ENV]) : text(payload.session_id),
  identity: (payload) => ({ transcriptPath: text(payload.transcript_path), cwd: text(payload.cwd) }),
  answer: commandHookAnswer,
};
