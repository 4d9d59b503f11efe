import {
  defineWakeStrategy,
  WAKE_LINE,
  type WakeOutcome,
  type WakeOutcomeKind,
  type WakeReadiness,
  type WakeTarget,
} from "@oxtail/core";
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
 * then Enter as a separate tmux call (the recipe that submitted every time in the clients
 * measured; ../shared/realclients/README.md §4). It never types into a busy agent, nor into
 * a pane whose process tree does not hold the agent's own oxtail server or recorded client
 * (checked by pid and start time; a process name is no proof): then the outcome is
 * `pane-unverified` and nothing is typed. A stale pane id is re-resolved to the pane that
 * holds the agent's processes now.
 */
const tmuxWake = defineWakeStrategy<TmuxWakeOptions>((options) => {
  const tmuxFor = options?.tmuxFor ?? ((target: TmuxTarget) => createTmux(target));
  const enterDelay = options?.enterDelayMs ?? 100;
  const tmuxOf = (target: WakeTarget) => tmuxFor({ socketPath: target.agent.tmux?.socket ?? null });

  /** Busy first (typing into a turn corrupts it), then the pane that provably runs the agent. */
  async function check(target: WakeTarget): Promise<WakeReadiness & { pane: string | null }> {
    const live =
      target.adapter?.capabilities.liveness && target.adapter.liveness
        ? await target.adapter.liveness(target.agent).catch(() => null)
        : null;
    if (live?.state === "busy")
      return { ready: false, outcome: "skipped", pane: null, reason: `the peer is busy (${live.reason})` };
    const found = await resolveAgentPane(tmuxOf(target), target.agent);
    if (!found.pane)
      return {
        ready: false,
        outcome: found.unverified ? "pane-unverified" : "skipped",
        pane: null,
        reason: found.reason,
      };
    return {
      ready: true,
      pane: found.pane,
      reason: `${found.reason}; the peer is ${live?.state ?? "not known to be busy"}`,
    };
  }

  return {
    name: "tmux",
    capabilities: { verify: false },
    requirements: { binaries: ["tmux"] },
    async readiness(target) {
      const { pane: _pane, ...readiness } = await check(target);
      return readiness;
    },
    async wake(target, wakeOptions): Promise<WakeOutcome> {
      const result = (outcome: WakeOutcomeKind, attempted: boolean, reason: string): WakeOutcome => ({
        attempted,
        strategy: "tmux",
        outcome,
        verifiedAfterMs: null,
        reason,
      });
      const checked = await check(target);
      if (!checked.ready || !checked.pane) return result(checked.outcome ?? "skipped", false, checked.reason);
      // Started typing is finished (paste, then Enter); not started after the caller's deadline.
      if (wakeOptions?.signal?.aborted) return result("skipped", false, "the deadline came before typing");
      const pane = checked.pane;
      const tmux = tmuxOf(target);
      const retry = wakeOptions?.attempt === "retry";
      try {
        // A retry: the line is already in the composer. A non-character key ends a paste burst
        // (a client that takes fast keys as a paste), then Enter submits; no second paste.
        if (retry) await tmux.sendKeys(pane, ["Right"]);
        else await tmux.paste(pane, WAKE_TEXT);
        await sleep(enterDelay);
        await tmux.sendKeys(pane, ["Enter"]);
        return result(
          "unverified",
          true,
          retry ? `pressed Right, Enter again in ${pane}` : `typed the wake line into ${pane}`,
        );
      } catch (error) {
        return result("failed", true, (error as Error).message);
      }
    },
  };
});

export default tmuxWake;
