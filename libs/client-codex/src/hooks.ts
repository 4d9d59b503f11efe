import { type ClientHooks, commandHookAnswer, type HookEventSpec } from "@oxtail/core";

/**
 * Codex's hooks (`~/.codex/hooks.json`, trusted once in `/hooks`), as measured in 0.169.0
 * (tools/agents/test/hooks.test.ts): the same JSON as Claude Code's on stdin and in answers, with the
 * thread id as `session_id` and no session variable in the environment (hooks run under the daemon,
 * with its environment). SessionStart fires at the first turn, not at launch.
 */
export const CODEX_HOOK_EVENTS: readonly HookEventSpec[] = [
  { event: "PreToolUse", role: "mid-turn", state: "busy" },
  { event: "Stop", role: "before-idle", state: "idle" },
  { event: "SessionStart", role: "session-start", identity: true },
  { event: "UserPromptSubmit", role: "next-prompt", identity: true, state: "busy" },
];

const text = (value: unknown): string | null =>
  typeof value === "string" && value.length <= 4096 ? value : null;

/** Codex's part of the hook contract. */
export const codexHooks: ClientHooks = {
  events: CODEX_HOOK_EVENTS,
  sessionId: (payload) => text(payload.session_id),
  // UserPromptSubmit carries the submitted text as `prompt`, steers included (../shared/realclients §6.2).
  prompt: (payload) => (typeof payload.prompt === "string" ? payload.prompt : null),
  // Under the daemon the hook's tmux variables are the daemon's, not this session's pane: left out.
  identity: (payload) => ({
    transcriptPath: text(payload.transcript_path),
    cwd: text(payload.cwd),
    tmuxPane: null,
  }),
  answer: commandHookAnswer,
};
