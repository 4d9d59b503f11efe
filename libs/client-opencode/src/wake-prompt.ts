import fs from "node:fs";
import { defineWakeStrategy, WAKE_LINE, type WakeOutcome, type WakeTarget } from "@oxtail/core";
import { agentStateLog } from "./liveness.js";
import { loopbackServer, serverRequest } from "./server-api.js";
import { newestState, type StateLine } from "./state.js";

/** The strategy's name in the adapter's ladder. */
export const PROMPT_ASYNC_WAKE = "opencode-prompt-async";

const skipped = (reason: string): WakeOutcome => ({
  attempted: false,
  strategy: PROMPT_ASYNC_WAKE,
  outcome: "skipped",
  verifiedAfterMs: null,
  reason,
});

async function sessionState(target: WakeTarget): Promise<StateLine | null> {
  const file = agentStateLog(target.agent);
  if (!file || !fs.existsSync(file)) return null;
  return newestState(file).catch(() => null);
}

/**
 * Wake an idle OpenCode session without typing: `POST /session/{id}/prompt_async` on the TUI's own
 * server with oxtail's fixed wake line (measured on 1.18.33: 204, and the idle session runs the turn).
 * The server exists when OpenCode was started with `--port`; with `OPENCODE_SERVER_PASSWORD` set it
 * wants basic auth, which is sent (src/server-api.ts). Not retried: a second prompt would queue a
 * second turn; the ladder goes on to tmux instead.
 */
export const openCodePromptAsyncWake = defineWakeStrategy(() => ({
  name: PROMPT_ASYNC_WAKE,
  capabilities: { verify: false },
  requirements: { binaries: ["opencode"] },
  async readiness(target) {
    if (!target.agent.client.session_id)
      return { ready: false, reason: "the OpenCode session is not known yet" };
    const state = await sessionState(target);
    if (!state) return { ready: false, reason: "the oxtail plugin has logged nothing for this session" };
    const server = loopbackServer(state.serverUrl);
    if (!server.url) return { ready: false, reason: server.reason };
    if (state.status === "busy")
      return { ready: false, reason: "the session is busy (OpenCode's last status event)" };
    const live = target.adapter?.liveness
      ? await target.adapter.liveness(target.agent).catch(() => null)
      : null;
    if (live?.state === "busy") return { ready: false, reason: `the peer is busy (${live.reason})` };
    return { ready: true, reason: `${server.reason}; session ${state.session}` };
  },
  async wake(target, options): Promise<WakeOutcome> {
    if (options?.attempt === "retry")
      return skipped("prompt_async is not sent twice: a second one would queue a second turn");
    if (options?.deadline !== undefined && options.deadline <= Date.now())
      return skipped("the deadline had passed: prompt_async was not sent");
    if (options?.signal?.aborted) return skipped("the caller gave up before prompt_async was sent");
    const readiness = await this.readiness(target);
    if (!readiness.ready) return skipped(readiness.reason);
    const state = (await sessionState(target)) as StateLine;
    if (options?.signal?.aborted) return skipped("the caller gave up before prompt_async was sent");
    try {
      const response = await serverRequest(
        state,
        `session/${encodeURIComponent(state.session)}/prompt_async`,
        {
          method: "POST",
          body: { parts: [{ type: "text", text: WAKE_LINE }] },
          deadline: options?.deadline,
          signal: options?.signal,
        },
      );
      if (!response.ok)
        return {
          attempted: true,
          strategy: PROMPT_ASYNC_WAKE,
          outcome: "failed",
          verifiedAfterMs: null,
          reason: `prompt_async answered HTTP ${response.status}${response.status === 401 ? " (the server wants OPENCODE_SERVER_PASSWORD, which oxtail could not read from the OpenCode process)" : ""}`,
        };
      return {
        attempted: true,
        strategy: PROMPT_ASYNC_WAKE,
        outcome: "unverified",
        verifiedAfterMs: null,
        reason: `prompt_async on session ${state.session} through ${state.serverUrl}`,
      };
    } catch (error) {
      return {
        attempted: true,
        strategy: PROMPT_ASYNC_WAKE,
        outcome: "failed",
        verifiedAfterMs: null,
        reason: `prompt_async: ${(error as Error).message}`,
      };
    }
  },
}));
