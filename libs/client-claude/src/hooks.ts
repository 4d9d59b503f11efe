import {
  type ClientHooks,
  commandHookAnswer,
  type HookAnswer,
  type HookDelivery,
  type HookEventSpec,
} from "@oxtail/core";

/**
 * Claude Code's hooks (`~/.claude/settings.json`), as measured in 2.1.197 and 2.1.331
 * (../shared/realclients §6, tools/agents/test/hooks.test.ts): the payload on stdin carries
 * `session_id`, `transcript_path` and `cwd`, and hook processes get `CLAUDE_CODE_SESSION_ID`.
 * `additionalContext` of PreToolUse, UserPromptSubmit and SessionStart reaches the model; a Stop
 * answered `decision: "block"` continues the turn with the reason; an `asyncRewake` hook that exits 2
 * starts a turn of an idle session with its stderr (the sleeper's `Sleep` event).
 */
export const CLAUDE_HOOK_EVENTS: readonly HookEventSpec[] = [
  { event: "PreToolUse", role: "mid-turn", state: "busy" },
  { event: "Stop", role: "before-idle", state: "idle" },
  { event: "SessionStart", role: "session-start", identity: true },
  { event: "UserPromptSubmit", role: "next-prompt", identity: true, state: "busy" },
  { event: "Sleep", role: "wake" },
];

/** The variable Claude Code sets for its hooks and MCP servers. */
export const CLAUDE_SESSION_ENV = "CLAUDE_CODE_SESSION_ID";

const text = (value: unknown): string | null =>
  typeof value === "string" && value.length <= 4096 ? value : null;

/** An `asyncRewake` hook wakes an idle Claude Code by exiting 2: its stderr starts the turn. */
function claudeAnswer(spec: HookEventSpec, delivery: HookDelivery | null): HookAnswer {
  if (spec.role === "wake") return delivery ? { stderr: delivery.text, exitCode: 2 } : { exitCode: 0 };
  return commandHookAnswer(spec, delivery);
}

/** Claude Code's part of the hook contract. */
export const claudeHooks: ClientHooks = {
  events: CLAUDE_HOOK_EVENTS,
  sessionEnv: CLAUDE_SESSION_ENV,
  // The client's own variable first, as the hook's shell front reads it; when it is set, nothing else
  // counts (a malformed one means no session, not the payload's).
  sessionId: (payload, env) =>
    env[CLAUDE_SESSION_ENV] !== undefined ? text(env[CLAUDE_SESSION_ENV]) : text(payload.session_id),
  // UserPromptSubmit carries the submitted text as `prompt` (../shared/realclients §6.1). Claude Code's own
  // messages between sessions arrive as prompts too (`<cross-session-message …>`): not the user's.
  prompt: (payload) =>
    typeof payload.prompt === "string" && !payload.prompt.trimStart().startsWith("<cross-session-message")
      ? payload.prompt
      : null,
  identity: (payload) => ({ transcriptPath: text(payload.transcript_path), cwd: text(payload.cwd) }),
  answer: claudeAnswer,
};
