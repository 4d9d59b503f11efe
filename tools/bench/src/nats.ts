// npm run bench -- nats: the NATS transport (SPEC §12) on loopback, each figure next to the
// file-system transport measured in the same run: ask → reply latency between two "machines" (two
// connections, two mailbox stores), mailbox throughput with 16 concurrent senders, and how long a
// send-and-read takes to work again after nats-server restarts, and what the hook program costs a tool
// call when nothing waits (on NATS Node always runs; on the file system its shell front answers alone).
// Needs nats-server on the PATH.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  createFsMailboxStore,
  createMailbox,
  type Mailbox,
  type MailboxKey,
  type MailboxStore,
  type Sender,
  sessionMailboxKey,
} from "@oxtail/core/runtime";
import {
  createLink,
  createNatsMailboxStore,
  createOutbox,
  type Link,
  projectNames,
} from "@oxtail/transport-nats";
import { startNatsServer } from "../../../libs/transport-nats/test/nats-server.ts";
import { latencyMetrics, type Metric, round, wallNow } from "./metrics.ts";

const BENCH = "nats";
const A: MailboxKey = sessionMailboxKey("0a0a0a0a-0a0a-4a0a-8a0a-0a0a0a0a0a0a");
const B: MailboxKey = sessionMailboxKey("0b0b0b0b-0b0b-4b0b-8b0b-0b0b0b0b0b0b");
const FS_LABEL = "file-system transport, same run";

/** Options of the NATS bench. */
export interface NatsBenchOptions {
  asks: number;
  senders: number;
  perSender: number;
  restarts: number;
  /** Runs of the hook program's PreToolUse with nothing waiting, per transport. */
  hookRuns: number;
}

export const DEFAULTS: NatsBenchOptions = {
  asks: 200,
  senders: 16,
  perSender: 250,
  restarts: 5,
  hookRuns: 50,
};

const HOOK = path.resolve(import.meta.dirname, "..", "..", "..", "apps/hook/bin/oxtail-hook");

/** Wall times (ms) of the hook program's PreToolUse, as Claude Code runs it, with no mail waiting. */
function hookRuns(runs: number, home: string, env: Record<string, string>): number[] {
  const session = "0c0c0c0c-0c0c-4c0c-8c0c-0c0c0c0c0c0c";
  const input = `${JSON.stringify({ session_id: session, hook_event_name: "PreToolUse", cwd: home })}\n`;
  const run = () => {
    const started = wallNow();
    const result = spawnSync(HOOK, ["claude", "PreToolUse", "deliver", "CLAUDE_CODE_SESSION_ID"], {
      cwd: home,
      input,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: home,
        OXTAIL_HOME: home,
        CLAUDE_CODE_SESSION_ID: session,
        ...env,
      },
      stdio: ["pipe", "ignore", "ignore"],
    });
    if (result.status !== 0) throw new Error(`the hook program exited ${result.status}`);
    return wallNow() - started;
  };
  for (let i = 0; i < 3; i++) run();
  return Array.from({ length: runs }, run);
}

const sender = (key: MailboxKey): Sender => ({
  session_id: key,
  instance_id: "1-bench",
  client_type: null,
  display_name: "bench",
});

/** Ask → reply round trips between two mailboxes, the replier answering as soon as a question lands. */
async function askLatency(asker: Mailbox, replier: Mailbox, asks: number): Promise<number[]> {
  const stop = new AbortController();
  const answering = (async () => {
    while (!stop.signal.aborted) {
      const claim = await replier.waitFor(B, () => true, { timeoutMs: 5000, signal: stop.signal });
      if (!claim) continue;
      await claim.ack();
      for (const q of claim.messages)
        await replier.send({
          from: sender(B),
          fromMailbox: B,
          to: A,
          toSessionId: A,
          body: "42",
          replyTo: q.id,
        });
    }
  })();
  const samples: number[] = [];
  for (let i = 0; i < asks; i++) {
    const started = wallNow();
    const q = await asker.send({ from: sender(A), fromMailbox: A, to: B, toSessionId: B, body: `q${i}` });
    const reply = await asker.waitFor(A, (m) => m.reply_to === q.id, { timeoutMs: 30_000 });
    if (!reply) throw new Error("no reply within 30 s");
    await reply.ack();
    samples.push(wallNow() - started);
  }
  stop.abort();
  await answering;
  return samples.slice(Math.min(10, Math.floor(asks / 10)));
}

/** `senders` concurrent senders × `perSender` messages into one mailbox, drained as they come: msg/s. */
async function throughput(
  senders: MailboxStore[],
  reader: MailboxStore,
  perSender: number,
): Promise<{ rate: number; lost: number; duplicated: number }> {
  const to = sessionMailboxKey(crypto.randomUUID());
  const mailboxes = senders.map((store) => createMailbox({ store }));
  const drain = createMailbox({ store: reader });
  const expected = senders.length * perSender;
  const seen = new Set<string>();
  let duplicated = 0;
  const started = wallNow();
  const sending = Promise.all(
    mailboxes.map(async (m, s) => {
      for (let i = 0; i < perSender; i++)
        await m.send({ from: sender(A), fromMailbox: A, to, toSessionId: to, body: `${s}:${i}` });
    }),
  );
  const deadline = Date.now() + 300_000;
  while (seen.size < expected && Date.now() < deadline) {
    const claim = await drain.claim(to, { maxMessages: 100 });
    if (claim.messages.length === 0) {
      await new Promise((r) => setTimeout(r, 5));
      continue;
    }
    for (const m of claim.messages) {
      if (seen.has(m.id)) duplicated += 1;
      seen.add(m.id);
    }
    await claim.ack();
  }
  await sending;
  return { rate: expected / ((wallNow() - started) / 1000), lost: expected - seen.size, duplicated };
}

/** Run the NATS bench. */
export async function runNatsBench(options: NatsBenchOptions): Promise<Metric[]> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-bench-nats-"));
  const server = await startNatsServer();
  const names = projectNames("b0b0b0b0b0b0b0b0");
  const links: Link[] = [];
  const link = () => {
    const l = createLink({ url: server.url, name: "bench" }, names);
    links.push(l);
    return l;
  };
  const stores: (MailboxStore & { stop(): void })[] = [];
  const natsStore = () => {
    const s = createNatsMailboxStore(link(), names);
    stores.push(s);
    return s;
  };
  try {
    const metrics: Metric[] = [];
    // The hook program with nothing waiting: what each tool call of a hooked agent costs.
    metrics.push(
      ...latencyMetrics(
        BENCH,
        "hook_nothing_waiting",
        hookRuns(options.hookRuns, home, {
          OXTAIL_TRANSPORT: "nats",
          OXTAIL_NATS_URL: server.url,
          OXTAIL_PROJECT: "bench.example/hook",
          OXTAIL_HOST_ID: "bench",
        }),
        { baseline: hookRuns(options.hookRuns, home, {}), label: FS_LABEL, targetP50: null },
      ),
    );
    // Ask → reply: two machines (two connections) against two processes' stores on one disk.
    const fsStore = createFsMailboxStore({ home });
    const fsAsks = await askLatency(
      createMailbox({ store: fsStore }),
      createMailbox({ store: createFsMailboxStore({ home }) }),
      options.asks,
    );
    const natsAsks = await askLatency(
      createMailbox({ store: natsStore() }),
      createMailbox({ store: natsStore() }),
      options.asks,
    );
    metrics.push(
      ...latencyMetrics(BENCH, "ask_reply_across_machines", natsAsks, {
        baseline: fsAsks,
        label: FS_LABEL,
        // SPEC §8: an ask_peer reply noticed within 20 ms (p50) across machines on loopback.
        targetP50: 20,
      }),
    );

    // Throughput: 16 senders, each its own connection (its own machine).
    const fsRun = await throughput(
      Array.from({ length: options.senders }, () => createFsMailboxStore({ home })),
      createFsMailboxStore({ home }),
      options.perSender,
    );
    const natsRun = await throughput(
      Array.from({ length: options.senders }, natsStore),
      natsStore(),
      options.perSender,
    );
    const common = { bench: BENCH, baseline_label: FS_LABEL };
    metrics.push(
      {
        ...common,
        metric: `throughput_${options.senders}_senders_msg_s`,
        unit: "msg/s",
        value: round(natsRun.rate),
        baseline: round(fsRun.rate),
        target: null,
      },
      { ...common, metric: "lost", unit: "count", value: natsRun.lost, baseline: fsRun.lost, target: 0 },
      {
        ...common,
        metric: "duplicated",
        unit: "count",
        value: natsRun.duplicated,
        baseline: fsRun.duplicated,
        target: 0,
      },
    );

    // Recovery: from nats-server starting again to a send and its read through a connection opened
    // before, with the outbox the server uses.
    const recoveries: number[] = [];
    const store = createNatsMailboxStore(link(), names, createOutbox(home));
    stores.push(store);
    const mailbox = createMailbox({ store });
    for (let i = 0; i < options.restarts; i++) {
      await server.stop();
      await server.start();
      const started = wallNow();
      for (;;) {
        try {
          await mailbox.send({ from: sender(A), fromMailbox: A, to: B, toSessionId: B, body: "after" });
          const claim = await mailbox.claim(B);
          await claim.ack();
          if (claim.messages.length > 0) break;
        } catch {
          await new Promise((r) => setTimeout(r, 20));
        }
      }
      recoveries.push(wallNow() - started);
    }
    metrics.push(
      ...latencyMetrics(BENCH, "recovery_after_server_restart", recoveries, {
        baseline: null,
        label: "none: the file-system transport has no server",
        targetP50: null,
      }),
    );
    return metrics;
  } finally {
    for (const s of stores) s.stop();
    for (const l of links) await l.close();
    await server.dispose();
    fs.rmSync(home, { recursive: true, force: true });
  }
}
