import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  acquireWakeLock,
  createFsMailboxStore,
  createMailbox,
  DEFAULT_CLAIM_LIMITS,
  type MailboxKey,
  sessionMailboxKey,
} from "@oxtail/core/runtime";
import { type BenchChild, spawnBenchChild } from "./children/spawn.ts";
import { type Metric, percentile, round, wallNow } from "./metrics.ts";

const BENCH = "chaos";
const INBOX: MailboxKey = sessionMailboxKey("0c0c0c0c-0c0c-4c0c-8c0c-0c0c0c0c0c0c");
/** "Claim everything", as readers did before claims were bounded: the baseline of the progress run. */
const UNBOUNDED = { maxMessages: 1e9, maxBytes: 1e15 };
/** What a reader's delivery costs per message (handing the text on), in ms. */
const DELIVERY_MS_PER_MESSAGE = "0.1";

/** Options of the chaos bench. */
export interface ChaosBenchOptions {
  senders: number;
  perSender: number;
  /** Concurrent readers in the chaos run. */
  readers: number;
  /** SIGKILLs in the chaos run, at least. */
  minKills: number;
  /** Messages waiting for the progress run. */
  backlog: number;
  /** Reader kills, one second after each reader is ready, in the progress run. */
  readerKills: number;
  /** Samples of stale claim and stale lock recovery. */
  recoverySamples: number;
}

export const DEFAULTS: ChaosBenchOptions = {
  senders: 16,
  perSender: 1000,
  readers: 2,
  minKills: 48,
  backlog: 16_000,
  readerKills: 8,
  recoverySamples: 20,
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const lines = (file: string) =>
  fs.existsSync(file) ? fs.readFileSync(file, "utf8").split("\n").filter(Boolean) : [];
const tempHome = () => fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-bench-chaos-"));

function count(metric: string, value: number, target: number | null, extra: Partial<Metric> = {}): Metric {
  return {
    bench: BENCH,
    metric,
    unit: "count",
    value,
    baseline: null,
    baseline_label: "none",
    target,
    ...extra,
  };
}

/** What the delivery log says: deliveries, duplicates and how many of them were flagged. */
function tally(log: string) {
  const seen = new Set<string>();
  let deliveries = 0;
  let duplicates = 0;
  let duplicatesFlagged = 0;
  let firstFlagged = 0;
  const bodies = new Set<string>();
  for (const line of lines(log)) {
    const [id, body, flag] = line.split(" ") as [string, string, string];
    deliveries += 1;
    bodies.add(body);
    if (seen.has(id)) {
      duplicates += 1;
      if (flag === "1") duplicatesFlagged += 1;
    } else if (flag === "1") firstFlagged += 1;
    seen.add(id);
  }
  return { deliveries, unique: seen.size, duplicates, duplicatesFlagged, firstFlagged, bodies };
}

/** Messages left in the mailbox (new/ and cur/) and redelivery marks left behind. */
function leftovers(home: string) {
  const files = (sub: string) => {
    const dir = path.join(home, "mailboxes", INBOX, sub);
    return fs.existsSync(dir) ? fs.readdirSync(dir).length : 0;
  };
  return { stuck: files("new") + files("cur"), marks: files("redelivered") };
}

async function drainToEnd(home: string, log: string, stop: string, limits = DEFAULT_CLAIM_LIMITS) {
  fs.writeFileSync(stop, "");
  const reader = spawnBenchChild("chaos-reader.ts", [
    home,
    INBOX,
    log,
    stop,
    String(limits.maxMessages),
    String(limits.maxBytes),
    DELIVERY_MS_PER_MESSAGE,
  ]);
  await reader.exited;
}

/**
 * 16 senders × 1000 messages into one mailbox while readers drain it with bounded claims; senders
 * and readers are SIGKILLed at random moments and restarted until every sender is done and at least
 * `minKills` kills happened. Then a last reader drains what is left.
 */
async function chaosRun(options: ChaosBenchOptions): Promise<Metric[]> {
  const home = tempHome();
  try {
    const log = path.join(home, "delivered.log");
    const stop = path.join(home, "stop");
    const sentLog = (i: number) => path.join(home, `sent-${i}.log`);
    const limits = [
      String(DEFAULT_CLAIM_LIMITS.maxMessages),
      String(DEFAULT_CLAIM_LIMITS.maxBytes),
      DELIVERY_MS_PER_MESSAGE,
    ];
    const startReader = () => spawnBenchChild("chaos-reader.ts", [home, INBOX, log, stop, ...limits]);
    const startSender = (i: number) => {
      const sent = lines(sentLog(i)).map(Number);
      const first = sent.length === 0 ? 0 : Math.max(...sent) + 1;
      return spawnBenchChild("chaos-sender.ts", [
        home,
        INBOX,
        String(i),
        String(first),
        String(options.perSender - first),
        sentLog(i),
      ]);
    };
    const senders: (BenchChild | null)[] = Array.from({ length: options.senders }, (_, i) => startSender(i));
    const readers = Array.from({ length: options.readers }, startReader);
    // Only a child that is running its loop is worth killing (not one still loading its modules).
    const exitCodes = new Map<BenchChild, number | null>();
    const ready = new Set<BenchChild>();
    const track = (child: BenchChild) => {
      void child.nextLine().then(() => ready.add(child));
      void child.exited.then((code) => {
        exitCodes.set(child, code);
        ready.delete(child);
      });
      return child;
    };
    for (const child of [...senders, ...readers]) track(child as BenchChild);
    let readerKills = 0;
    let senderKills = 0;
    let crashes = 0;
    for (;;) {
      await sleep(50 + Math.random() * 250);
      // A child that ended by itself: a sender that finished is done; any other is restarted.
      senders.forEach((s, i) => {
        if (!s || !exitCodes.has(s)) return;
        if (exitCodes.get(s) === 0) senders[i] = null;
        else {
          crashes += 1;
          senders[i] = track(startSender(i));
        }
      });
      readers.forEach((r, i) => {
        if (!exitCodes.has(r)) return;
        crashes += 1;
        readers[i] = track(startReader());
      });
      if (senders.every((s) => s === null) && readerKills + senderKills >= options.minKills) break;
      // Readers and senders are equally likely victims (as kinds: there are many more senders).
      const victimSenders = senders.flatMap((s, i) =>
        s && ready.has(s) ? [{ kind: "sender" as const, i, child: s }] : [],
      );
      const victimReaders = readers.flatMap((r, i) =>
        ready.has(r) ? [{ kind: "reader" as const, i, child: r }] : [],
      );
      const pool =
        victimReaders.length > 0 && (victimSenders.length === 0 || Math.random() < 0.5)
          ? victimReaders
          : victimSenders;
      const victim = pool[Math.floor(Math.random() * pool.length)];
      if (!victim) continue;
      victim.child.process.kill("SIGKILL");
      await victim.child.exited;
      if (victim.kind === "reader") {
        readerKills += 1;
        readers[victim.i] = track(startReader());
      } else if (exitCodes.get(victim.child) !== 0) {
        senderKills += 1;
        senders[victim.i] = track(startSender(victim.i));
      }
    }
    fs.writeFileSync(stop, "");
    await Promise.all(readers.map((r) => r.exited));
    await drainToEnd(home, log, stop);
    const sent = Array.from({ length: options.senders }, (_, i) =>
      lines(sentLog(i)).map((seq) => `${i}:${seq}`),
    ).flat();
    const t = tally(log);
    const lost = sent.filter((body) => !t.bodies.has(body)).length;
    const { stuck, marks } = leftovers(home);
    return [
      count("kills", readerKills + senderKills, options.minKills, { better: "higher" }),
      count("reader_kills", readerKills, null),
      count("sender_kills", senderKills, null),
      count("children_crashed", crashes, 0),
      count("messages_sent", sent.length, null),
      count("lost", lost, 0),
      count("stuck", stuck, 0),
      count("marks_left", marks, 0),
      count("duplicates", t.duplicates, null),
      count("duplicates_flagged_redelivered", t.duplicatesFlagged, null, {
        baseline: t.duplicates,
        baseline_label: "all duplicates, same run",
      }),
      count("first_deliveries_flagged", t.firstFlagged, null),
    ];
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
}

/**
 * `backlog` messages wait; a reader is SIGKILLed one second after it is ready, `kills` times; then one
 * drains. Each reader's delivery costs {@link DELIVERY_MS_PER_MESSAGE} per message, so a reader that
 * claims the whole backlog is still delivering it when the kill comes.
 */
async function progressRun(options: ChaosBenchOptions, limits: { maxMessages: number; maxBytes: number }) {
  const home = tempHome();
  try {
    const mailbox = createMailbox({ store: createFsMailboxStore({ home }) });
    const from = { session_id: null, instance_id: "1-1", client_type: "bench", display_name: "b" };
    for (let i = 0; i < options.backlog; i++) {
      await mailbox.send({
        from,
        fromMailbox: "instance-1-1" as MailboxKey,
        to: INBOX,
        toSessionId: null,
        body: `0:${i}`,
      });
    }
    await sleep(3);
    const log = path.join(home, "delivered.log");
    const stop = path.join(home, "stop");
    for (let k = 0; k < options.readerKills; k++) {
      const reader = spawnBenchChild("chaos-reader.ts", [
        home,
        INBOX,
        log,
        stop,
        String(limits.maxMessages),
        String(limits.maxBytes),
        DELIVERY_MS_PER_MESSAGE,
      ]);
      await reader.nextLine();
      await sleep(1000);
      reader.process.kill("SIGKILL");
      await reader.exited;
    }
    // Acknowledged by the killed readers: what no longer waits (in new/ or in a dead reader's claim).
    const done = options.backlog - leftovers(home).stuck;
    await drainToEnd(home, log, stop, limits);
    const t = tally(log);
    return { ...t, done, lost: options.backlog - t.unique, ...leftovers(home) };
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
}

/** SIGKILL of a reader holding a claim → a waiting reader holds the message, in ms. */
async function staleClaimRecovery(samples: number): Promise<number[]> {
  const home = tempHome();
  try {
    const mailbox = createMailbox({ store: createFsMailboxStore({ home }) });
    const from = { session_id: null, instance_id: "1-1", client_type: "bench", display_name: "b" };
    const out: number[] = [];
    for (let i = 0; i < samples; i++) {
      await mailbox.send({
        from,
        fromMailbox: "instance-1-1" as MailboxKey,
        to: INBOX,
        toSessionId: null,
        body: `held ${i}`,
      });
      await sleep(3);
      const holder = spawnBenchChild("claim-and-hang.ts", [home, INBOX]);
      await holder.nextLine();
      const waiting = mailbox.waitFor(INBOX, () => true, { timeoutMs: 10_000 });
      await sleep(Math.random() * 200); // land anywhere in the watchers' recheck period
      const killedAt = wallNow();
      holder.process.kill("SIGKILL");
      const claim = await waiting;
      if (!claim) throw new Error("a stale claim was not recovered within 10 s");
      out.push(wallNow() - killedAt);
      await claim.ack();
      await holder.exited;
    }
    return out;
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
}

/** SIGKILL of a process holding a wake lock → another process holds the lock, in ms (trying every 1 ms). */
async function staleLockRecovery(samples: number): Promise<number[]> {
  const home = tempHome();
  try {
    const out: number[] = [];
    for (let i = 0; i < samples; i++) {
      const peer = `peer-${i}`;
      const holder = spawnBenchChild("lock-and-hang.ts", [home, peer]);
      if ((await holder.nextLine()) !== "locked") throw new Error("the holder could not take the lock");
      const killedAt = wallNow();
      holder.process.kill("SIGKILL");
      let release = acquireWakeLock(home, peer);
      while (!release) {
        await sleep(1);
        release = acquireWakeLock(home, peer);
      }
      out.push(wallNow() - killedAt);
      release();
      await holder.exited;
    }
    return out;
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
}

function p50AndMax(name: string, samples: number[], target: number): Metric[] {
  const row = (metric: string, value: number, t: number | null): Metric => ({
    bench: BENCH,
    metric,
    unit: "ms",
    value: round(value),
    baseline: null,
    baseline_label: "none",
    target: t,
  });
  return [
    row(`${name}_p50_ms`, percentile(samples, 50), null),
    row(`${name}_max_ms`, Math.max(...samples), target),
  ];
}

/** Run the chaos bench. */
export async function runChaosBench(options: ChaosBenchOptions = DEFAULTS): Promise<Metric[]> {
  const started = wallNow();
  const metrics = await chaosRun(options);
  const bounded = await progressRun(options, DEFAULT_CLAIM_LIMITS);
  const unbounded = await progressRun(options, UNBOUNDED);
  const label = "readers claiming the whole backlog (before bounded claims), same run";
  metrics.push(
    count("progress_messages", options.backlog, null),
    count(`progress_done_by_${options.readerKills}_killed_readers`, bounded.done, null, {
      better: "higher",
      baseline: unbounded.done,
      baseline_label: label,
    }),
    count(`progress_deliveries_after_${options.readerKills}_reader_kills`, bounded.deliveries, null, {
      baseline: unbounded.deliveries,
      baseline_label: label,
    }),
    count("progress_lost", bounded.lost + bounded.stuck, 0, {
      baseline: unbounded.lost + unbounded.stuck,
      baseline_label: label,
    }),
    ...p50AndMax("stale_claim_recovery", await staleClaimRecovery(options.recoverySamples), 1000),
    ...p50AndMax("stale_lock_recovery", await staleLockRecovery(options.recoverySamples), 1000),
  );
  process.stderr.write(`chaos: ${Math.round((wallNow() - started) / 1000)} s\n`);
  return metrics;
}
