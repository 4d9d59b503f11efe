// npm run bench -- delivery: what honest delivery (SPEC §10) costs, and how soon the loop guard stops a
// runaway. Each part is one function returning its metrics, listed in PARTS.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  createFsMailboxStore,
  createFsReceiptStore,
  createMailbox,
  createReceipts,
  type Mailbox,
  type MailboxKey,
  sessionMailboxKey,
} from "@oxtail/core/runtime";
import { DEFAULTS as LOOPGUARD_DEFAULTS, type LoopguardOptions, runLoopguardBench } from "./loopguard.ts";
import { latencyMetrics, type Metric, wallNow } from "./metrics.ts";

const BENCH = "delivery";
const ALICE: MailboxKey = sessionMailboxKey("0a0a0a0a-0a0a-4a0a-8a0a-0a0a0a0a0a0a");
const BOB: MailboxKey = sessionMailboxKey("0b0b0b0b-0b0b-4b0b-8b0b-0b0b0b0b0b0b");

/** Options of the delivery bench. */
export interface DeliveryBenchOptions {
  /** Deliveries measured with receipts, and as many without (interleaved). */
  deliveries: number;
  /** The loop guard's runaways and normal day (tools/bench/src/loopguard.ts). */
  loopguard: LoopguardOptions;
}

export const DEFAULTS: DeliveryBenchOptions = { deliveries: 2000, loopguard: LOOPGUARD_DEFAULTS };

/** One part of the bench: its metrics. */
type Part = (options: DeliveryBenchOptions) => Promise<Metric[]>;

/**
 * One delivery as every path makes it: send, claim (with its via), acknowledge. Returns the ms of
 * the steps that record receipts, send (queued) and ack (delivered); the claim is not timed (it
 * writes no receipt, and waits out the mailbox's same-millisecond fence, which would swamp them).
 */
async function deliverOnce(mailbox: Mailbox): Promise<number> {
  const sendStarted = wallNow();
  await mailbox.send({
    from: { session_id: ALICE, instance_id: "1-1", client_type: "bench", display_name: "bench" },
    fromMailbox: ALICE,
    to: BOB,
    toSessionId: BOB,
    body: "a message of a usual size: ".padEnd(400, "x"),
    project: "/bench/.git",
  });
  const sendMs = wallNow() - sendStarted;
  const claim = await mailbox.claim(BOB, { via: "hook-mid-turn" });
  if (claim.messages.length !== 1) throw new Error(`expected one message, got ${claim.messages.length}`);
  const ackStarted = wallNow();
  await claim.ack();
  return sendMs + (wallNow() - ackStarted);
}

/**
 * What receipts add to a delivery: the send and the ack of the same delivery with receipts (queued on
 * send, delivered on ack) and without, interleaved in one run on one data directory each, so both
 * see the same machine state.
 */
const receiptOverhead: Part = async ({ deliveries }) => {
  const homes = [0, 1].map(() => fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-bench-delivery-")));
  try {
    const [plainHome, receiptHome] = homes as [string, string];
    const plain = createMailbox({ store: createFsMailboxStore({ home: plainHome }) });
    const withReceipts = createMailbox({
      store: createFsMailboxStore({ home: receiptHome }),
      receipts: createReceipts({ store: createFsReceiptStore({ home: receiptHome }) }),
    });
    // Warm both paths (module code, first folders) before measuring.
    for (let i = 0; i < 20; i++) {
      await deliverOnce(plain);
      await deliverOnce(withReceipts);
    }
    const without: number[] = [];
    const with_: number[] = [];
    for (let i = 0; i < deliveries; i++) {
      without.push(await deliverOnce(plain));
      with_.push(await deliverOnce(withReceipts));
    }
    return latencyMetrics(BENCH, "send_ack_with_receipts", with_, {
      baseline: without,
      label: "the same send + ack without receipts, same run",
      targetP50: null,
    });
  } finally {
    for (const home of homes) fs.rmSync(home, { recursive: true, force: true });
  }
};

/** How soon the loop guard stops a runaway, and that it leaves a normal day alone (SPEC §10). */
const loopGuard: Part = async ({ loopguard }) =>
  (await runLoopguardBench(loopguard)).map((m) => ({ ...m, bench: BENCH }));

/** The parts of the bench, in the order they run and are reported. */
const PARTS: readonly Part[] = [receiptOverhead, loopGuard];

/** Run every part of the delivery bench. */
export async function runDeliveryBench(options: DeliveryBenchOptions = DEFAULTS): Promise<Metric[]> {
  const metrics: Metric[] = [];
  for (const part of PARTS) metrics.push(...(await part(options)));
  return metrics;
}
