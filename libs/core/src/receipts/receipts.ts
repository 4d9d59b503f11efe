import type { MailboxKey, Message } from "../mailbox/types.js";
import { NULL_TRACER, type Tracer } from "../trace/trace.js";
import {
  type DeliveryVia,
  type ExpiryReason,
  RECEIPT_SCHEMA_VERSION,
  type Receipt,
  type ReceiptEvent,
  type ReceiptStore,
} from "./types.js";

/** How long receipts are kept after their message was sent: 7 days. Older ones are pruned. */
export const RECEIPT_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;
/** How long an undelivered message waits, with no live recipient, before it counts as expired: 24 h. */
export const RECEIPT_EXPIRY_MS = 24 * 60 * 60 * 1000;
/** How often one process prunes old receipts (on its next send). */
const PRUNE_EVERY_MS = 60 * 60 * 1000;

/**
 * The lifecycle of messages for their senders (SPEC §10), over a {@link ReceiptStore}. Recording
 * never throws and never fails a send or a delivery: a failed write is traced (`receipt.failed`)
 * and the mail flows on. Only reading ({@link Receipts.get}) reports storage errors.
 */
export interface Receipts {
  /** The message was queued (after the mailbox holds it); also prunes old receipts now and then. */
  queued(message: Message, meta: { fromMailbox: MailboxKey; project: string | null }): Promise<void>;
  /** The messages were put in front of their recipient's model, by `via`. */
  delivered(ids: readonly string[], via: DeliveryVia | null): Promise<void>;
  /**
   * `reply` (sent from `fromMailbox`) answers `reply.reply_to`: recorded when its sender is the
   * original message's recipient (anyone else's `reply_to` changes nothing).
   */
  replied(reply: Message, fromMailbox: MailboxKey): Promise<void>;
  /** Give up on a message (see {@link expiryOf}). */
  expired(id: string, reason: ExpiryReason): Promise<void>;
  /** A message's receipt, or null when none was recorded (or it was pruned). */
  get(id: string): Promise<Receipt | null>;
  /** Remove receipts older than the retention; returns how many records went. */
  prune(): Promise<number>;
}

/** Options for {@link createReceipts}. */
export interface ReceiptsOptions {
  store: ReceiptStore;
  tracer?: Tracer;
  /** Clock, for tests. */
  now?: () => number;
  /** Default {@link RECEIPT_RETENTION_MS}. */
  retentionMs?: number;
}

/** The receipt the events of one message make, or null without its `queued` event. */
export function receiptOf(events: readonly ReceiptEvent[]): Receipt | null {
  const queued = events.find((e): e is Extract<ReceiptEvent, { event: "queued" }> => e.event === "queued");
  if (!queued) return null;
  let delivered: Receipt["delivered"] = null;
  let replied: Receipt["replied"] = null;
  let expired: Receipt["expired"] = null;
  for (const e of events) {
    if (e.event === "delivered") delivered = { at: e.at, via: e.via };
    else if (e.event === "replied") replied = { at: e.at, reply_id: e.reply_id };
    else if (e.event === "expired") expired = { at: e.at, reason: e.reason };
  }
  return {
    id: queued.id,
    state: replied ? "replied" : delivered ? "delivered" : expired ? "expired" : "queued",
    project: queued.project,
    from: queued.from,
    from_mailbox: queued.from_mailbox,
    to: queued.to,
    reply_to: queued.reply_to,
    queued_at: queued.at,
    delivered,
    replied,
    expired,
  };
}

/**
 * Whether a message still queued should count as expired now, from what is true of its recipient:
 * `recipient-gone` when it waits in the mailbox of a server instance that never told its session id
 * and is no longer running (nobody can ever read it: instance ids are never reused); `undelivered`
 * when it has waited longer than `expiryMs` and no live agent reads its mailbox. A message that is
 * no longer waiting (moved to the recipient's session mailbox, or claimed) has not expired.
 */
export function expiryOf(
  receipt: Receipt,
  facts: { recipientLive: boolean; waiting: boolean; now: number; expiryMs?: number },
): ExpiryReason | null {
  if (receipt.state !== "queued" || facts.recipientLive || !facts.waiting) return null;
  if (receipt.to.mailbox.startsWith("instance-")) return "recipient-gone";
  const age = facts.now - Date.parse(receipt.queued_at);
  return age > (facts.expiryMs ?? RECEIPT_EXPIRY_MS) ? "undelivered" : null;
}

/** Build the {@link Receipts} service over a store. */
export function createReceipts(options: ReceiptsOptions): Receipts {
  const { store } = options;
  const tracer = options.tracer ?? NULL_TRACER;
  const now = options.now ?? Date.now;
  const retentionMs = options.retentionMs ?? RECEIPT_RETENTION_MS;
  let lastPrune = 0;
  const at = () => new Date(now()).toISOString();

  /** Record, tracing instead of throwing: a receipt never stops mail. */
  async function record(event: ReceiptEvent): Promise<void> {
    try {
      await store.record(event);
    } catch (error) {
      tracer.trace({
        kind: "receipt.failed",
        id: event.id,
        event: event.event,
        error: String((error as Error)?.message ?? error),
      });
    }
  }

  const receipts: Receipts = {
    async queued(message, meta) {
      await record({
        v: RECEIPT_SCHEMA_VERSION,
        id: message.id,
        event: "queued",
        at: message.created_at,
        from: { session_id: message.from.session_id, instance_id: message.from.instance_id },
        from_mailbox: meta.fromMailbox,
        to: { mailbox: message.to.mailbox, session_id: message.to.session_id },
        project: meta.project,
        reply_to: message.reply_to,
      });
      if (now() - lastPrune > PRUNE_EVERY_MS) {
        lastPrune = now();
        await receipts.prune();
      }
    },

    async delivered(ids, via) {
      const when = at();
      for (const id of ids)
        await record({ v: RECEIPT_SCHEMA_VERSION, id, event: "delivered", at: when, via });
    },

    async replied(reply, fromMailbox) {
      const original = reply.reply_to;
      if (!original) return;
      let receipt: Receipt | null;
      try {
        receipt = receiptOf(await store.events(original));
      } catch (error) {
        tracer.trace({ kind: "receipt.failed", id: original, event: "replied", error: String(error) });
        return;
      }
      if (!receipt) return;
      const to = receipt.to;
      const byRecipient =
        fromMailbox === to.mailbox ||
        (to.session_id !== null && reply.from.session_id === to.session_id) ||
        to.mailbox === `instance-${reply.from.instance_id}`;
      if (!byRecipient) {
        tracer.trace({
          kind: "receipt.reply-ignored",
          id: original,
          reply: reply.id,
          why: "not its recipient",
        });
        return;
      }
      await record({
        v: RECEIPT_SCHEMA_VERSION,
        id: original,
        event: "replied",
        at: reply.created_at,
        reply_id: reply.id,
      });
    },

    async expired(id, reason) {
      await record({ v: RECEIPT_SCHEMA_VERSION, id, event: "expired", at: at(), reason });
    },

    async get(id) {
      return receiptOf(await store.events(id));
    },

    async prune() {
      try {
        const removed = await store.prune(now() - retentionMs);
        if (removed > 0) tracer.trace({ kind: "receipt.pruned", removed });
        return removed;
      } catch (error) {
        tracer.trace({ kind: "receipt.failed", event: "prune", error: String(error) });
        return 0;
      }
    },
  };
  return receipts;
}
