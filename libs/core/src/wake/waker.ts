import type {
  ClientAdapter,
  WakeOutcome,
  WakeOutcomeKind,
  WakeReadiness,
  WakeRung,
  WakeStrategy,
} from "../adapter/types.js";
import type { AgentRecord } from "../registry/types.js";
import type { WakeReport } from "../tools/contracts.js";
import { NULL_TRACER, type Tracer } from "../trace/trace.js";
import { type Cut, type CutReason, createCut } from "./deadline.js";
import { acquireWakeLock } from "./lock.js";
import { readTurnSignal, type TurnSignal, type TurnSignalReader } from "./turn-signal.js";

/** How long a wake has to show a new turn before it is retried (once), in ms. */
export const WAKE_VERIFY_MS = 8000;
/** How often verification looks for the new turn, in ms. */
export const WAKE_POLL_MS = 100;
/** How long verification keeps looking for the new turn once the caller gave up (not at the deadline), in ms. */
export const WAKE_LAST_LOOK_MS = 2000;
/** The ladder of a peer whose adapter declares none. */
export const DEFAULT_WAKE_LADDER: readonly WakeRung[] = [{ strategy: "tmux" }];

/** Options for {@link createWaker}. */
export interface WakerOptions {
  /** The oxtail data directory (the cross-process wake locks live under `wakes/`). */
  home: string;
  /** The wake strategies rungs may name (iterated at each wake: strategies added later count). */
  strategies: Iterable<WakeStrategy>;
  /** Where wakes are traced (`kind: "wake"`, `"wake.step"`). */
  tracer?: Tracer;
  /** The adapter of a client type: its wake ladder and liveness. Default: none. */
  adapterFor?: (type: string | null) => ClientAdapter | null;
  /** Replace how a new turn is seen (default: transcript size and the adapter's liveness). */
  turnSignal?: TurnSignalReader;
  /** How long a rung has to show a new turn, ms (default {@link WAKE_VERIFY_MS}). */
  verifyMs?: number;
  /** Verification poll interval, ms (default {@link WAKE_POLL_MS}). */
  pollMs?: number;
  /** The ladder when the adapter declares none (default {@link DEFAULT_WAKE_LADDER}). */
  defaultLadder?: readonly WakeRung[];
  /**
   * Why strategies that wake on arrival (`capabilities.onArrival`: a background waiter of the client
   * hands the mail over) cannot work here, e.g. the transport keeps mail where the waiter does not
   * look (the transport's `hooksCannotDeliver`). Such a rung is then not ready, with this reason.
   */
  onArrivalUnavailable?: string;
}

/** Options for {@link Waker.wake}. */
export interface PeerWakeOptions {
  /** The agent's turn signal from before the message was sent: a rung that fires on the message itself is verified against it. */
  baseline?: TurnSignal;
  /** Epoch ms after which nothing more is done or waited for: the report comes back by then. */
  deadline?: number;
  /** Aborted when the caller no longer needs the wake (e.g. the reply already came). */
  signal?: AbortSignal;
}

/** Whether and how an agent could be woken now (what `wake_status` reports). */
export interface WakeStatus {
  /** The first rung that is ready, or null. */
  strategy: string | null;
  ready: boolean;
  /** When not ready: what a wake now would report. */
  outcome: "skipped" | "pane-unverified" | null;
  /** Every rung's answer, `<strategy>: <reason>`, joined. */
  reason: string;
}

/** Wakes idle agents through their adapters' wake ladders. */
export interface Waker {
  /**
   * Wake an agent: each rung of its ladder in order; a rung that acts is verified (a new turn
   * within the verification window) and retried once (`attempt: "retry"`) before the next rung.
   * One wake per agent at a time: in this process a second caller shares the wake in flight;
   * across processes a wake lock under `<home>/wakes/` makes the loser report `skipped`.
   * Resolves by `options.deadline` (plus a few ms) whatever the strategies do; never rejects.
   */
  wake(agent: AgentRecord, options?: PeerWakeOptions): Promise<WakeReport>;
  /**
   * Each rung's readiness, without acting; bounded by `options.deadline`. With `onArrivalOnly`, only
   * rungs whose strategy wakes by itself when mail lands (`capabilities.onArrival`): what a send that
   * runs no wake still gets.
   */
  status(
    agent: AgentRecord,
    options?: { deadline?: number; signal?: AbortSignal; onArrivalOnly?: boolean },
  ): Promise<WakeStatus>;
  /** The agent's turn signal now (take it before sending, as the wake's baseline). */
  turnSignal(agent: AgentRecord): Promise<TurnSignal>;
  /** The last wake report for an agent in this process, or null. */
  lastWake(agent: AgentRecord): WakeReport | null;
}

/** `strategy`, never ready here (readiness and wake say `reason`, and nothing is done). */
function unavailable(strategy: WakeStrategy, reason: string): WakeStrategy {
  return {
    name: strategy.name,
    apiVersion: strategy.apiVersion,
    capabilities: strategy.capabilities,
    requirements: strategy.requirements,
    readiness: async () => ({ ready: false, reason }),
    wake: async () => ({
      attempted: false,
      strategy: strategy.name,
      outcome: "skipped",
      verifiedAfterMs: null,
      reason,
    }),
  };
}

/** The key a wake is deduplicated and locked by: the session id, else the instance id. */
function wakeKey(agent: AgentRecord): string {
  return agent.client.session_id ?? agent.instance_id;
}

const shows = (now: TurnSignal, before: TurnSignal) => now.busy || now.size > before.size;

function cutText(reason: CutReason): string {
  return reason.kind === "deadline" ? "cut by the deadline" : `stopped: ${reason.reason}`;
}

/** Build a {@link Waker}. */
export function createWaker(options: WakerOptions): Waker {
  const blocked = options.onArrivalUnavailable;
  const strategies = {
    get: (name: string): WakeStrategy | undefined => {
      const strategy = [...options.strategies].find((s) => s.name === name);
      return strategy && blocked && strategy.capabilities.onArrival
        ? unavailable(strategy, blocked)
        : strategy;
    },
  };
  const tracer = options.tracer ?? NULL_TRACER;
  const adapterFor = options.adapterFor ?? (() => null);
  const turnSignal = options.turnSignal ?? readTurnSignal;
  const verifyMs = options.verifyMs ?? WAKE_VERIFY_MS;
  const pollMs = options.pollMs ?? WAKE_POLL_MS;
  const defaultLadder = options.defaultLadder ?? DEFAULT_WAKE_LADDER;
  const inFlight = new Map<string, Promise<WakeReport>>();
  const last = new Map<string, WakeReport>();

  const ladderOf = (adapter: ClientAdapter | null) => adapter?.wakeProfile?.ladder ?? defaultLadder;

  /** Wait for a new turn compared with `before`, until the window ends or the cut comes. */
  async function verify(
    agent: AgentRecord,
    adapter: ClientAdapter | null,
    before: TurnSignal,
    started: number,
    cut: Cut,
  ): Promise<{ ms: number | null; cut: CutReason | null }> {
    const windowEnd = started + verifyMs;
    for (;;) {
      const now = await cut.race(turnSignal(agent, adapter).catch(() => before));
      if (!now) break;
      if (shows(now.value, before)) return { ms: Date.now() - started, cut: null };
      const left = windowEnd - Date.now();
      if (left <= 0) return { ms: null, cut: null };
      if (!(await cut.sleep(Math.min(pollMs, left)))) break;
    }
    const reason = cut.reason() as CutReason;
    // The caller gave up early (its reply came, say): the peer has most likely started a turn, which
    // its client may write down a moment later (a transcript or session file can trail a fast
    // reply): a short, bounded last watch for it. At the deadline nothing more is done.
    if (reason.kind === "aborted") {
      const lookUntil = Date.now() + WAKE_LAST_LOOK_MS;
      const look = createCut(cut.deadline === null ? lookUntil : Math.min(lookUntil, cut.deadline));
      try {
        for (;;) {
          const now = await look.race(turnSignal(agent, adapter).catch(() => before));
          if (!now) break;
          if (shows(now.value, before)) return { ms: Date.now() - started, cut: null };
          if (!(await look.sleep(pollMs))) break;
        }
      } finally {
        look.dispose();
      }
    }
    return { ms: null, cut: reason };
  }

  /** Try each rung; verify what acts; retry once. `pending` collects strategy calls still running. */
  async function ladder(
    agent: AgentRecord,
    baseline: TurnSignal | undefined,
    cut: Cut,
    pending: Promise<unknown>[],
  ): Promise<WakeReport> {
    const adapter = adapterFor(agent.client.type);
    // One entry per rung that ran, `<strategy>: <what happened>`: the report's reason.
    const story: string[] = [];
    let acted: Omit<WakeReport, "reason" | "deadline_reached"> | null = null;
    let notActed: { strategy: string; outcome: WakeOutcomeKind } | null = null;
    let stoppedEarly = false;
    let before = baseline ?? null;
    const report = (fields: Omit<WakeReport, "reason" | "deadline_reached">): WakeReport => ({
      ...fields,
      reason: story.join("; "),
      deadline_reached: cut.reason()?.kind === "deadline",
    });
    for (const rung of ladderOf(adapter)) {
      const strategy = strategies.get(rung.strategy);
      if (!strategy) {
        story.push(`${rung.strategy}: not available`);
        continue;
      }
      if (cut.reason()) {
        stoppedEarly = true;
        break;
      }
      if (!before) {
        const now = await cut.race(turnSignal(agent, adapter).catch(() => ({ size: -1, busy: false })));
        if (!now) {
          stoppedEarly = true;
          break;
        }
        before = now.value;
      }
      const steps: string[] = [];
      const told = () => story.push(`${rung.strategy}: ${steps.join("; ")}`);
      let rungActed = false;
      for (const attempt of ["first", "retry"] as const) {
        if (cut.reason()) {
          stoppedEarly = true;
          break;
        }
        const started = Date.now();
        tracer.trace({ kind: "wake.step", peer: wakeKey(agent), strategy: rung.strategy, attempt });
        const call = Promise.resolve()
          .then(() =>
            strategy.wake(
              { agent, adapter, options: rung.options ?? {} },
              { attempt, signal: cut.signal, ...(cut.deadline === null ? {} : { deadline: cut.deadline }) },
            ),
          )
          .catch(
            (error: unknown): WakeOutcome => ({
              attempted: true,
              strategy: rung.strategy,
              outcome: "failed",
              verifiedAfterMs: null,
              reason: String((error as Error)?.message ?? error),
            }),
          );
        pending.push(call);
        const settled = await cut.race(call);
        if (!settled) {
          steps.push(
            `${attempt === "retry" ? "its retry" : "it"} was still running when the wake was ${cutText(cut.reason() as CutReason)} (${Date.now() - started} ms in)`,
          );
          told();
          return report({
            attempted: true,
            strategy: rung.strategy,
            outcome: "unverified",
            verified_after_ms: null,
          });
        }
        const outcome = settled.value;
        if (outcome.outcome === "submitted") {
          steps.push(outcome.reason);
          told();
          return report({
            attempted: true,
            strategy: rung.strategy,
            outcome: "submitted",
            verified_after_ms: outcome.verifiedAfterMs,
          });
        }
        if (outcome.outcome !== "unverified") {
          if (attempt === "retry")
            steps.push(
              `${outcome.attempted ? `${outcome.outcome} on retry` : "not retried"}: ${outcome.reason}`,
            );
          else steps.push(outcome.reason);
          if (outcome.attempted) {
            rungActed = true;
            acted = {
              attempted: true,
              strategy: rung.strategy,
              outcome: outcome.outcome === "failed" ? "failed" : "unverified",
              verified_after_ms: null,
            };
          } else if (attempt === "first" && notActed?.outcome !== "pane-unverified") {
            notActed = { strategy: rung.strategy, outcome: outcome.outcome };
          }
          break;
        }
        rungActed = true;
        acted = { attempted: true, strategy: rung.strategy, outcome: "unverified", verified_after_ms: null };
        steps.push(outcome.reason);
        const verified = await verify(agent, adapter, before, started, cut);
        const retried = attempt === "retry" ? " after one retry" : "";
        if (verified.ms !== null) {
          steps.push(`the peer started a turn${retried}`);
          told();
          return report({ ...acted, outcome: "submitted", verified_after_ms: verified.ms });
        }
        if (verified.cut) {
          steps.push(
            `verification ${cutText(verified.cut)} after ${Date.now() - started} ms, before the peer showed a new turn${retried}`,
          );
          told();
          return report(acted);
        }
        steps.push(`no new turn within ${verifyMs / 1000} s${retried}`);
      }
      if (steps.length > 0) told();
      // What this rung did may still land: the next rung is measured from its own start.
      if (rungActed) before = null;
      if (stoppedEarly) break;
    }
    const why = cut.reason();
    if (stoppedEarly && why) story.push(`the wake was ${cutText(why)} before every rung was tried`);
    if (acted) return report(acted);
    if (story.length === 0) story.push("no wake strategy applies to this peer");
    return report({
      attempted: false,
      strategy: notActed?.strategy ?? null,
      outcome: notActed?.outcome ?? "skipped",
      verified_after_ms: null,
    });
  }

  function record(key: string, report: WakeReport): WakeReport {
    last.set(key, report);
    tracer.trace({ kind: "wake", peer: key, ...report });
    return report;
  }

  /** Run one wake under the cross-process lock; the lock is released once every strategy call ended. */
  async function run(agent: AgentRecord, key: string, cut: Cut, baseline?: TurnSignal): Promise<WakeReport> {
    const skipped = (reason: string): WakeReport => ({
      attempted: false,
      strategy: null,
      outcome: "skipped",
      verified_after_ms: null,
      reason,
      deadline_reached: cut.reason()?.kind === "deadline",
    });
    const why = cut.reason();
    if (why) return record(key, skipped(`the wake was ${cutText(why)} before it started`));
    let release: (() => void) | null;
    try {
      release = acquireWakeLock(options.home, key);
    } catch (error) {
      return record(key, {
        ...skipped(`the wake lock could not be taken: ${(error as Error).message}`),
        outcome: "failed",
      });
    }
    if (!release)
      return record(
        key,
        skipped("another wake of this peer is in progress (an oxtail server holds its wake lock)"),
      );
    const pending: Promise<unknown>[] = [];
    try {
      return record(key, await ladder(agent, baseline, cut, pending));
    } finally {
      // A strategy that outlived the cut may still be typing: the lock stays until it is done.
      void Promise.allSettled(pending).then(release);
    }
  }

  return {
    wake(agent, wakeOptions = {}) {
      const key = wakeKey(agent);
      const cut = createCut(wakeOptions.deadline, wakeOptions.signal);
      const shared = inFlight.get(key);
      if (shared) {
        return cut
          .race(shared)
          .then(
            (settled) =>
              settled?.value ?? {
                attempted: true,
                strategy: null,
                outcome: "unverified" as const,
                verified_after_ms: null,
                reason: `a wake of this peer was in progress and had not ended when this one was ${cutText(cut.reason() as CutReason)}`,
                deadline_reached: cut.reason()?.kind === "deadline",
              },
          )
          .finally(() => cut.dispose());
      }
      const running = run(agent, key, cut, wakeOptions.baseline).finally(() => {
        cut.dispose();
        inFlight.delete(key);
      });
      inFlight.set(key, running);
      return running;
    },

    async status(agent, statusOptions = {}) {
      const adapter = adapterFor(agent.client.type);
      const cut = createCut(statusOptions.deadline, statusOptions.signal);
      const reasons: string[] = [];
      let paneUnverified = false;
      try {
        for (const rung of ladderOf(adapter)) {
          const strategy = strategies.get(rung.strategy);
          if (!strategy) {
            reasons.push(`${rung.strategy}: not available`);
            continue;
          }
          if (statusOptions.onArrivalOnly && !strategy.capabilities.onArrival) {
            reasons.push(`${rung.strategy}: acts only when a wake is run (send_message runs none)`);
            continue;
          }
          const answer = await cut.race(
            Promise.resolve()
              .then(() => strategy.readiness({ agent, adapter, options: rung.options ?? {} }))
              .catch(
                (error: unknown): WakeReadiness => ({
                  ready: false,
                  reason: `readiness failed: ${(error as Error)?.message ?? error}`,
                }),
              ),
          );
          if (!answer) {
            reasons.push(
              `${rung.strategy}: no answer before the status was ${cutText(cut.reason() as CutReason)}`,
            );
            break;
          }
          reasons.push(`${rung.strategy}: ${answer.value.reason}`);
          if (answer.value.ready)
            return { strategy: rung.strategy, ready: true, outcome: null, reason: reasons.join("; ") };
          if (answer.value.outcome === "pane-unverified") paneUnverified = true;
        }
      } finally {
        cut.dispose();
      }
      return {
        strategy: null,
        ready: false,
        outcome: paneUnverified ? "pane-unverified" : "skipped",
        reason: reasons.join("; ") || "no wake strategy applies to this peer",
      };
    },

    turnSignal: (agent) => turnSignal(agent, adapterFor(agent.client.type)),
    lastWake: (agent) => last.get(wakeKey(agent)) ?? null,
  };
}
