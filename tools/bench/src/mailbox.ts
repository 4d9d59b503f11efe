import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  type Claim,
  createFsMailboxStore,
  createMailbox,
  type MailboxKey,
  type MailboxStore,
  sessionMailboxKey,
} from "@oxtail/core/runtime";
import { spawnBenchChild } from "./children/spawn.ts";
import { latencyMetrics, type Metric, round, wallNow } from "./metrics.ts";

const BENCH = "mailbox";
const INBOX: MailboxKey = sessionMailboxKey("0b0b0b0b-0b0b-4b0b-8b0b-0b0b0b0b0b0b");
const SENDER_SCRIPT = "mailbox-sender.ts";

/** Options of the mailbox bench. */
export interface MailboxBenchOptions {
  senders: number;
  perSender: number;
  wakeSamples: number;
  pollSamples: number;
}

export const DEFAULTS: MailboxBenchOptions = {
  senders: 16,
  perSender: 1000,
  wakeSamples: 100,
  pollSamples: 25,
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function tempHome(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-bench-"));
}

/** 16 processes × 1000 messages into one mailbox while this process drains it. */
async function throughput(options: MailboxBenchOptions): Promise<Metric[]> {
  const home = tempHome();
  try {
    const mailbox = createMailbox({ store: createFsMailboxStore({ home }) });
    const senders = Array.from({ length: options.senders }, (_, i) =>
      spawnBenchChild(SENDER_SCRIPT, [home, INBOX, String(i), String(options.perSender)]),
    );
    for (const s of senders) await s.nextLine();
    const expected = options.senders * options.perSender;
    const seen = new Set<string>();
    const lastSeq = new Map<number, number>();
    let duplicated = 0;
    let outOfOrder = 0;
    const started = wallNow();
    for (const s of senders) s.process.stdin?.write("go\n");
    while (seen.size < expected) {
      const claim = await mailbox.claim(INBOX);
      for (const m of claim.messages) {
        if (seen.has(m.id)) duplicated += 1;
        seen.add(m.id);
        const [sender, seq] = m.body.split(":").map(Number) as [number, number];
        if ((lastSeq.get(sender) ?? -1) > seq) outOfOrder += 1;
        lastSeq.set(sender, seq);
      }
      await claim.ack();
      if (claim.messages.length === 0) {
        if (senders.every((s) => s.process.exitCode !== null) && !(await mailbox.hasPending(INBOX))) break;
        await sleep(1);
      }
    }
    const elapsed = wallNow() - started;
    await Promise.all(senders.map((s) => s.exited));
    const lost = expected - seen.size;
    const common = { bench: BENCH, baseline: null, baseline_label: "none" } as const;
    return [
      {
        ...common,
        metric: "throughput_msg_s",
        unit: "msg/s",
        value: round((seen.size / elapsed) * 1000),
        target: null,
      },
      { ...common, metric: "lost", unit: "count", value: lost, target: 0 },
      { ...common, metric: "duplicated", unit: "count", value: duplicated, target: 0 },
      { ...common, metric: "out_of_order", unit: "count", value: outOfOrder, target: 0 },
    ];
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
}

/** The v0.6.1 way of waiting: look every 200 ms. */
async function pollEvery200ms(store: MailboxStore, key: MailboxKey): Promise<Claim> {
  for (;;) {
    const claim = await store.claimFirst(key, () => true);
    if (claim) return claim;
    await sleep(200);
  }
}

/** Time from a message written (by another process) to a waiter holding it. */
async function wakeLatency(mode: "watch" | "poll", samples: number): Promise<number[]> {
  const home = tempHome();
  const store = createFsMailboxStore({ home });
  const mailbox = createMailbox({ store });
  const writer = spawnBenchChild(SENDER_SCRIPT, [home, INBOX, "0", "0", "on-command"]);
  try {
    await writer.nextLine();
    const latencies: number[] = [];
    for (let i = 0; i < samples; i++) {
      const waiting =
        mode === "watch"
          ? mailbox.waitFor(INBOX, () => true, { timeoutMs: 10_000 })
          : pollEvery200ms(store, INBOX);
      await sleep(5 + Math.random() * 45);
      writer.process.stdin?.write("send\n");
      const sentAt = Number((await writer.nextLine()).split(" ")[1]);
      const claim = await waiting;
      const gotAt = wallNow();
      if (!claim) throw new Error("waiter timed out");
      await claim.ack();
      latencies.push(gotAt - sentAt);
    }
    return latencies;
  } finally {
    writer.process.kill();
    await writer.exited;
    fs.rmSync(home, { recursive: true, force: true });
  }
}

/** A claim held by a reader that is SIGKILLed: how long until a waiter gets the message. */
async function staleClaimRecovery(): Promise<number> {
  const home = tempHome();
  try {
    const mailbox = createMailbox({ store: createFsMailboxStore({ home }) });
    const from = { session_id: null, instance_id: "1-1", client_type: "bench", display_name: "b" };
    await mailbox.send({
      from,
      fromMailbox: "instance-1-1" as MailboxKey,
      to: INBOX,
      toSessionId: null,
      body: "held",
    });
    const holder = spawnBenchChild("claim-and-hang.ts", [home, INBOX]);
    await holder.nextLine();
    const waiting = mailbox.waitFor(INBOX, () => true, { timeoutMs: 10_000 });
    const killedAt = wallNow();
    holder.process.kill("SIGKILL");
    const claim = await waiting;
    if (!claim) throw new Error("claim was not recovered");
    return wallNow() - killedAt;
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
}

/** Run the mailbox bench. */
export async function runMailboxBench(options: MailboxBenchOptions = DEFAULTS): Promise<Metric[]> {
  const metrics = await throughput(options);
  const watch = await wakeLatency("watch", options.wakeSamples);
  const poll = await wakeLatency("poll", options.pollSamples);
  const recovery = await staleClaimRecovery();
  const label = "200 ms poll loop (v0.6.1), same run";
  metrics.push(...latencyMetrics(BENCH, "wake", watch, { baseline: poll, label, targetP50: 10 }), {
    bench: BENCH,
    metric: "stale_claim_recovery_ms",
    unit: "ms",
    value: round(recovery),
    baseline: null,
    baseline_label: "none",
    target: 1000,
  });
  return metrics;
}
