import { defineWakeStrategy, readSleeper, type WakeOutcome } from "@oxtail/core";

/** A sleeper's wake this recent counts as the wake for the mail just sent. */
export const RECENT_REWAKE_MS = 10_000;

/** Options of the rewake strategy: where oxtail keeps its data (the sleeper's state). */
export interface RewakeOptions {
  oxtailHome: () => string;
}

const NAME = "claude-rewake";

/**
 * Wake an idle Claude Code session with no typing: oxtail's asyncRewake sleeper (a background
 * hook started after each turn) waits on the session's mailbox, and once mail is there and the
 * session is idle it prints the mail and exits 2, so that Claude Code itself starts a turn with
 * it (measured on Claude Code 2.1.197 and 2.1.331). The message was sent before the wake, so
 * this strategy types nothing and starts nothing: it checks that a sleeper waits (or has just
 * woken the session) and leaves the proof, a new turn, to the caller's verification.
 */
export const claudeRewakeWake = defineWakeStrategy<RewakeOptions>((options) => {
  const home = () => options?.oxtailHome() ?? "";
  return {
    name: NAME,
    // The sleeper hands the mail over as soon as it lands: a plain send wakes the session too.
    capabilities: { verify: false, onArrival: true },
    requirements: { binaries: ["claude"] },
    async readiness(target) {
      const session = target.agent.client.session_id;
      if (!session) return { ready: false, reason: "the Claude Code session id is not known yet" };
      const sleeper = readSleeper(home(), session);
      const age = sleeper.lastWake ? Date.now() - sleeper.lastWake.at : null;
      if (age !== null && age >= 0 && age < RECENT_REWAKE_MS)
        return {
          ready: true,
          reason: `oxtail's asyncRewake sleeper woke the session ${age} ms ago with ${sleeper.lastWake?.messages.length} message(s)`,
        };
      if (!sleeper.waiting)
        return {
          ready: false,
          reason:
            "no oxtail asyncRewake sleeper waits for this session (`oxtail setup --claude` installs it; it starts with the session and after each turn)",
        };
      const live = target.adapter?.liveness
        ? await target.adapter.liveness(target.agent).catch(() => null)
        : null;
      if (live?.state === "busy")
        return { ready: false, reason: `the peer is busy (${live.reason}); its hooks deliver the mail` };
      return {
        ready: true,
        reason: `oxtail's asyncRewake sleeper (pid ${sleeper.waiting.pid}) waits on the session's mailbox`,
      };
    },
    async wake(target, wakeOptions): Promise<WakeOutcome> {
      const skipped = (reason: string): WakeOutcome => ({
        attempted: false,
        strategy: NAME,
        outcome: "skipped",
        verifiedAfterMs: null,
        reason,
      });
      if (wakeOptions?.attempt === "retry")
        return skipped("the sleeper is not retried: it fires once when the mail arrives");
      const late = wakeOptions?.deadline !== undefined && wakeOptions.deadline <= Date.now();
      if (late || wakeOptions?.signal?.aborted)
        return skipped("the deadline came before the sleeper was checked");
      const readiness = await this.readiness(target);
      if (!readiness.ready) return skipped(readiness.reason);
      return {
        attempted: true,
        strategy: NAME,
        outcome: "unverified",
        verifiedAfterMs: null,
        reason: readiness.reason,
      };
    },
  };
});
