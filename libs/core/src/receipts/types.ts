import { z } from "zod";
import type { HookRole } from "../adapter/hooks.js";
import { isMessageId } from "../ids.js";

/** Current version of the on-disk receipt event format (docs/protocol.md, "Receipts"). */
export const RECEIPT_SCHEMA_VERSION = 1;

/**
 * How a message was put in front of its recipient's model (SPEC §10): by the hook mid-turn, at the
 * end of a turn (Stop), with the next prompt, at session start, as the wake notice of a background
 * sleeper, by `read_my_messages`, or as the reply an `ask_peer` was waiting for.
 */
export const DELIVERY_VIAS = [
  "hook-mid-turn",
  "hook-stop",
  "hook-prompt",
  "hook-session-start",
  "wake-notice",
  "read_my_messages",
  "ask-reply",
] as const;
/** One of {@link DELIVERY_VIAS}. */
export type DeliveryVia = (typeof DELIVERY_VIAS)[number];

/** The `via` of mail a hook hands over at an event of each role. */
export const HOOK_ROLE_VIA: Readonly<Record<HookRole, DeliveryVia>> = Object.freeze({
  "mid-turn": "hook-mid-turn",
  "before-idle": "hook-stop",
  "next-prompt": "hook-prompt",
  "session-start": "hook-session-start",
  wake: "wake-notice",
});

/** The states of a receipt, in lifecycle order. */
export const RECEIPT_STATES = ["queued", "delivered", "replied", "expired"] as const;
/** One of {@link RECEIPT_STATES}. */
export type ReceiptState = (typeof RECEIPT_STATES)[number];

/**
 * Why a message expired: its recipient was a server instance that never told its session id and is
 * gone (nobody can ever read that mailbox), or it waited undelivered past the expiry with no live
 * recipient.
 */
export const EXPIRY_REASONS = ["recipient-gone", "undelivered"] as const;
/** One of {@link EXPIRY_REASONS}. */
export type ExpiryReason = (typeof EXPIRY_REASONS)[number];

const messageId = z.string().refine(isMessageId, "not a message id");
const base = { v: z.literal(RECEIPT_SCHEMA_VERSION), id: messageId, at: z.string().max(64) };

/** One event of a message's lifecycle, as stored (one record per event and message). */
export const ReceiptEventSchema = z.discriminatedUnion("event", [
  z.object({
    ...base,
    event: z.literal("queued"),
    /** The sender: its session id (null before it knew it) and server instance. */
    from: z.object({ session_id: z.string().max(64).nullable(), instance_id: z.string().max(64) }),
    from_mailbox: z.string().max(128),
    to: z.object({ mailbox: z.string().max(128), session_id: z.string().max(64).nullable() }),
    /** The sender's project (SPEC §1): only callers of that project see the receipt. */
    project: z.string().max(4096).nullable(),
    reply_to: messageId.nullable(),
  }),
  z.object({ ...base, event: z.literal("delivered"), via: z.enum(DELIVERY_VIAS).nullable() }),
  z.object({ ...base, event: z.literal("replied"), reply_id: messageId }),
  z.object({ ...base, event: z.literal("expired"), reason: z.enum(EXPIRY_REASONS) }),
]);
/** One stored event of a message's lifecycle. */
export type ReceiptEvent = z.infer<typeof ReceiptEventSchema>;
/** The name of a lifecycle event. */
export type ReceiptEventName = ReceiptEvent["event"];

/** What a sender can learn about one message: its state, and when and how each step happened. */
export interface Receipt {
  id: string;
  /** The furthest step reached: replied, else delivered, else expired, else queued. */
  state: ReceiptState;
  /** The sender's project (visibility). */
  project: string | null;
  from: { session_id: string | null; instance_id: string };
  from_mailbox: string;
  to: { mailbox: string; session_id: string | null };
  reply_to: string | null;
  queued_at: string;
  /** When and how the message was put in front of the recipient's model (the first time). */
  delivered: { at: string; via: DeliveryVia | null } | null;
  /** The first message that answered it (a `reply_to` = its id, from its recipient). */
  replied: { at: string; reply_id: string } | null;
  /** When it was given up on, and why. A later delivery still shows (state: delivered). */
  expired: { at: string; reason: ExpiryReason } | null;
}

/**
 * Where receipts live: the file-system store is the embedded default; a distributed transport
 * implements the same contract (SPEC §12). Each event is recorded once per message — the first
 * record wins — so writers in different processes never overwrite each other.
 */
export interface ReceiptStore {
  /** Record an event; false when that event of that message was already recorded. */
  record(event: ReceiptEvent): Promise<boolean>;
  /** Every recorded, valid event of a message (empty when none); unusable entries are skipped. */
  events(id: string): Promise<ReceiptEvent[]>;
  /** Remove every event of messages created before `before` (epoch ms); returns how many records went. */
  prune(before: number): Promise<number>;
}
