import path from "node:path";
import { isOxtailError, OxtailError } from "../errors.js";
import { ensurePrivatePath } from "../home/home.js";
import { readPrivateFile, writePrivateFileAtomic } from "../home/private-file.js";
import { isMailboxKey } from "../mailbox/types.js";
import { isProcessAlive, processStartTime } from "../process/liveness.js";
import { NULL_TRACER, type Tracer } from "../trace/trace.js";
import { exclusiveLockFile } from "../wake/lockfile.js";
import type { LoopGuardConfig, RateLimit } from "./config.js";

/** One agent-originated message about to be sent: from whom, to whom, within which project. */
export interface RateSpend {
  /** The sender's mailbox key. */
  from: string;
  /** The recipient's mailbox key. */
  to: string;
  /** The project's identity (any string; it is hashed for the file name). */
  project: string;
}

/**
 * The rate budget of agent-originated messages (SPEC §10, loop guard), shared by every process of the
 * machine. A human turn at an agent refills the budgets of its pairs and of the project.
 */
export interface RateBudgetStore {
  /**
   * Take one message from the pair's and the project's budgets, or from none: over budget is
   * `rate-limited`, with `retry_after_ms` (when one message fits again) and `scope` in `data`.
   */
  spend(spend: RateSpend, config: LoopGuardConfig): Promise<void>;
  /** The user submitted a prompt at this agent: its pairs and project start again with full budgets. */
  humanTurn(party: string, at?: number): Promise<void>;
}

/** Options for {@link createFsRateStore}. */
export interface FsRateStoreOptions {
  home: string;
  tracer?: Tracer;
  /** Clock, for tests and the bench. */
  now?: () => number;
}

interface Bucket {
  v: 1;
  tokens: number;
  /** Epoch ms of `tokens`. */
  at: number;
  /** The newest human turn already applied (epoch ms). */
  human_seen: number;
}

/** A lock on the budgets older than this is stale whatever its holder does (an update takes ms). */
const LOCK_STALE_MS = 5000;
/** How long a spend waits for the lock before it lets the message through (fail open, traced). */
const LOCK_WAIT_MS = 2000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The budgets as files under `<home>/rate/` (docs/protocol.md, "Rate budgets"): one token bucket per
 * pair (`pair-<a>--<b>.json`, the two mailbox keys sorted) and per project (`project-<hash>.json`),
 * and the time of the last human turn per agent (`human-<key>.json`). Updates hold `rate/.lock`
 * (an exclusive lock file, taken over when its holder died), so concurrent senders in several
 * processes never spend the same token twice. Unreadable or hostile entries count as full buckets.
 */
export function createFsRateStore(options: FsRateStoreOptions): RateBudgetStore {
  const dir = path.join(options.home, "rate");
  const tracer = options.tracer ?? NULL_TRACER;
  const now = options.now ?? Date.now;

  function readJson<T>(name: string): T | null {
    try {
      const text = readPrivateFile(path.join(dir, name), { maxBytes: 4096 });
      return text === null ? null : (JSON.parse(text) as T);
    } catch (error) {
      tracer.trace({
        kind: "rate.skipped",
        file: name,
        reason: isOxtailError(error) ? error.detail : "not JSON",
      });
      return null;
    }
  }

  const humanAt = (party: string): number => {
    const v = readJson<{ at?: unknown }>(`human-${party}.json`)?.at;
    return typeof v === "number" && Number.isFinite(v) ? v : 0;
  };

  function current(name: string, limit: RateLimit, human: number, at: number): Bucket {
    const stored = readJson<Bucket>(name);
    const valid =
      stored?.v === 1 &&
      Number.isFinite(stored.tokens) &&
      Number.isFinite(stored.at) &&
      Number.isFinite(stored.human_seen);
    if (!valid || human > stored.human_seen) return { v: 1, tokens: limit.burst, at, human_seen: human };
    const refilled = stored.tokens + (Math.max(0, at - stored.at) * limit.per_hour) / 3_600_000;
    return { v: 1, tokens: Math.min(limit.burst, refilled), at, human_seen: stored.human_seen };
  }

  async function lock(): Promise<(() => void) | null> {
    const file = path.join(dir, ".lock");
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (;;) {
      const mine = JSON.stringify({
        pid: process.pid,
        start_time: processStartTime(process.pid),
        at: Date.now(),
      });
      const release = exclusiveLockFile(file, mine, (text) => {
        let held: { pid: number; start_time: string | null; at: number } | null = null;
        try {
          held = text === null ? null : JSON.parse(text);
        } catch {
          // unreadable: stale
        }
        return !(held && isProcessAlive(held.pid, held.start_time) && Date.now() - held.at < LOCK_STALE_MS);
      });
      if (release || Date.now() > deadline) return release;
      await sleep(5);
    }
  }

  return {
    async spend(spend, config) {
      if (!config.enabled) return;
      if (!isMailboxKey(spend.from) || !isMailboxKey(spend.to)) return;
      const { createHash } = await import("node:crypto");
      const project = createHash("sha256").update(spend.project).digest("hex").slice(0, 32);
      const [a, b] = [spend.from as string, spend.to as string].sort() as [string, string];
      const buckets = [
        { name: `pair-${a}--${b}.json`, limit: config.pair, scope: "pair" as const },
        { name: `project-${project}.json`, limit: config.project, scope: "project" as const },
      ];
      ensurePrivatePath(options.home, dir);
      const release = await lock();
      if (!release) {
        tracer.trace({ kind: "rate.lock-busy", from: spend.from, to: spend.to });
        return;
      }
      try {
        const at = now();
        const human = Math.max(humanAt(a), humanAt(b));
        const states = buckets.map((bucket) => ({
          ...bucket,
          state: current(bucket.name, bucket.limit, human, at),
        }));
        const short = states.filter((s) => s.state.tokens < 1);
        if (short.length > 0) {
          const waits = short.map((s) => Math.ceil(((1 - s.state.tokens) * 3_600_000) / s.limit.per_hour));
          const retry = Math.max(...waits);
          const scope = short.map((s) => s.scope).join("+");
          tracer.trace({
            kind: "rate.limited",
            from: spend.from,
            to: spend.to,
            scope,
            retry_after_ms: retry,
          });
          throw new OxtailError(
            "rate-limited",
            `Too many messages between agents without a human turn (${scope === "pair" ? `this pair's budget: ${config.pair.burst} at once, ${config.pair.per_hour} an hour` : `this project's budget: ${config.project.burst} at once, ${config.project.per_hour} an hour`}). This looks like agents keeping each other busy: stop messaging and finish or report to the user. One more message fits in ${Math.ceil(retry / 1000)} s; a prompt from the user refills the budget.`,
            { data: { retry_after_ms: retry, scope } },
          );
        }
        for (const s of states)
          writePrivateFileAtomic(
            path.join(dir, s.name),
            JSON.stringify({ ...s.state, tokens: s.state.tokens - 1 }),
          );
      } finally {
        release();
      }
    },
    async humanTurn(party, at = now()) {
      if (!isMailboxKey(party)) return;
      ensurePrivatePath(options.home, dir);
      writePrivateFileAtomic(path.join(dir, `human-${party}.json`), JSON.stringify({ v: 1, at }));
    },
  };
}
