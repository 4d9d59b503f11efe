import { defineWakeStrategy, WAKE_LINE, type WakeOutcome, type WakeTarget } from "@oxtail/core";
import { resolveAgentPane } from "./panes.js";
import { createTmux, type Tmux, type TmuxTarget } from "./tmux.js";

/** The text typed to wake a peer: core's fixed wake line (message content never reaches a pane). */
export const WAKE_TEXT: string = WAKE_LINE;

/** Options of the tmux wake strategy. */
export interface TmuxWakeOptions {
  /** Make the tmux handle for a socket (tests inject one). */
  tmuxFor?: (target: TmuxTarget) => Tmux;
  /** Pause between the paste and its Enter, ms (default 100: the recipe measured to submit in both clients). */
  enterDelayMs?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Wakes an idle agent by typing into its tmux pane: a bracketed paste of {@link WAKE_TEXT},
 * then Enter as a separate tmux call (the recipe that submitted every time in Claude Code
 * and Codex; ../shared/realclients/README.md §4). It never types into a busy agent, nor
 * into a pane whose processes are not the agent's (a stale pane id is re-resolved).
 */
const tmuxWake = defineWakeStrategy<TmuxWakeOptions>((options) => {
  const tmuxFor = options?.tmuxFor ?? ((target: TmuxTarget) => createTmux(target));
  const enterDelay = options?.enterDelayMs ?? 100;
  const tmuxOf = (target: WakeTarget) => tmuxFor({ socketPath: target.agent.tmux?.socket ?? null });
  return {
    name: "tmux",
    capabilities: { verify: false },
    requirements: { binaries: ["tmux"] },
    async readiness(target) {
      const { pane, reason } = await resolveAgentPane(tmuxOf(target), target.agent);
      if (!pane) return { ready: false, reason };
      const live =
        target.adapter?.capabilities.liveness && target.adapter.liveness
          ? await target.adapter.liveness(target.agent)
          : null;
      if (live?.state === "busy") return { ready: false, reason: `the peer is busy (${live.reason})` };
      return { ready: true, reason: `${reason}; the peer is ${live?.state ?? "not known to be busy"}` };
    },
    async wake(target): Promise<WakeOutcome> {
      const readiness = await this.readiness(target);
      if (!readiness.ready) {
        return {
          attempted: false,
          strategy: "tmux",
          outcome: "skipped",
          verifiedAfterMs: null,
          reason: readiness.reason,
        };
      }
      const tmux = tmuxOf(target);
      const { pane } = await resolveAgentPane(tmux, target.agent);
      if (!pane)
        return {
          attempted: false,
          strategy: "tmux",
          outcome: "skipped",
          verifiedAfterMs: null,
          reason: readiness.reason,
        };
      try {
        // A retry: the line is already in the composer. A non-character key ends a paste burst
        // (Codex), then Enter submits; no second paste.
        const retry = Boolean(target.options.retry);
        if (retry) await tmux.sendKeys(pane, ["Right"]);
        else await tmux.paste(pane, WAKE_TEXT);
        await sleep(enterDelay);
        await tmux.sendKeys(pane, ["Enter"]);
        return {
          attempted: true,
          strategy: "tmux",
          outcome: "unverified",
          verifiedAfterMs: null,
          reason: retry ? `pressed Right, Enter again in ${pane}` : `typed the wake line into ${pane}`,
        };
      } catch (error) {
        return {
          attempted: true,
          strategy: "tmux",
          outcome: "failed",
          verifiedAfterMs: null,
          reason: (error as Error).message,
        };
      }
    },
  };
});

export default tmuxWake;
