import { z } from "zod";
import { OxtailError } from "../errors.js";
import { isMessageId, isSessionId } from "../ids.js";

/** Current version of the on-disk message format (docs/protocol.md). */
export const MESSAGE_SCHEMA_VERSION = 1;
/** Largest message body, in UTF-8 bytes. */
export const MAX_BODY_BYTES = 8 * 1024;

const INSTANCE_KEY_RE = /^instance-\d+-[A-Za-z0-9]+$/;

/**
 * Which mailbox: an agent's session id (lower-case UUID), or `instance-<token>` for a
 * server instance whose session id is not known yet. Safe as a path component.
 */
export type MailboxKey = string & { readonly __mailboxKey: true };

/** True when `value` is a well-formed {@link MailboxKey}. */
export function isMailboxKey(value: unknown): value is MailboxKey {
  return typeof value === "string" && (isSessionIdKey(value) || INSTANCE_KEY_RE.test(value));
}

function isSessionIdKey(value: string): boolean {
  return isSessionId(value) && value === value.toLowerCase();
}

/** The mailbox of an agent session. */
export function sessionMailboxKey(sessionId: string): MailboxKey {
  if (!isSessionId(sessionId)) {
    throw new OxtailError(
      "invalid-session-id",
      `${JSON.stringify(String(sessionId).slice(0, 80))} is not a session id.`,
    );
  }
  return sessionId.toLowerCase() as MailboxKey;
}

/** The mailbox of a server instance before its session id is known. */
export function instanceMailboxKey(instanceId: string): MailboxKey {
  const key = `instance-${instanceId}`;
  if (!INSTANCE_KEY_RE.test(key))
    throw new OxtailError("invalid-input", `Bad instance id ${JSON.stringify(instanceId)}.`);
  return key as MailboxKey;
}

/** Who sent a message. */
export const SenderSchema = z.object({
  session_id: z.string().refine(isSessionId).nullable(),
  instance_id: z.string().max(64),
  client_type: z.string().max(64).nullable(),
  display_name: z.string().max(200),
});
/** Who sent a message. */
export type Sender = z.infer<typeof SenderSchema>;

/**
 * Who a message comes from: another agent (`agent`, information from a peer, never the user's
 * instructions) or the human at the command line (`operator`). Absent on disk in files written
 * before the field existed: read as `agent`.
 */
export const MESSAGE_ORIGINS = ["agent", "operator"] as const;
/** One of {@link MESSAGE_ORIGINS}. */
export type MessageOrigin = (typeof MESSAGE_ORIGINS)[number];

/** A message, as stored and as delivered (docs/protocol.md, "Message"). */
export const MessageSchema = z.object({
  v: z.literal(MESSAGE_SCHEMA_VERSION),
  id: z.string().refine(isMessageId, "not a message id"),
  from: SenderSchema,
  to: z.object({
    mailbox: z.string().refine(isMailboxKey, "not a mailbox key"),
    session_id: z.string().nullable(),
  }),
  body: z.string().refine((b) => Buffer.byteLength(b, "utf8") <= MAX_BODY_BYTES, "body too large"),
  reply_to: z.string().refine(isMessageId, "not a message id").nullable(),
  created_at: z.string(),
  /** Optional on disk (older files): {@link originOf} reads a missing one as `agent`. */
  origin: z.enum(MESSAGE_ORIGINS).optional(),
});
/** A message, as stored and as delivered. */
export type Message = z.infer<typeof MessageSchema>;

/** A message's origin; a message written before origins existed is an agent's. */
export function originOf(message: Pick<Message, "origin">): MessageOrigin {
  return message.origin === "operator" ? "operator" : "agent";
}

/** How much one claim may take from a mailbox. */
export interface ClaimLimits {
  /** At most this many messages (at least 1). */
  maxMessages: number;
  /**
   * At most this many bytes, counting each message as its JSON (body and envelope). The
   * oldest waiting message is always taken, even when it alone is larger.
   */
  maxBytes: number;
}

/** What `Mailbox.claim` takes when no limits are given. */
export const DEFAULT_CLAIM_LIMITS: Readonly<ClaimLimits> = Object.freeze({
  maxMessages: 100,
  maxBytes: 256 * 1024,
});

/** One claimed message, with what the mailbox knows about its history. */
export interface ClaimedMessage {
  /** The message, as stored. */
  readonly message: Message;
  /**
   * True when this message was handed out before, to a reader that died holding it: the
   * consumer may have shown it already (tell the model, or drop it by id if it can tell).
   */
  readonly redelivered: boolean;
  /** Its size as JSON, in bytes (what `maxBytes` counts). */
  readonly bytes: number;
}

/**
 * Messages taken from a mailbox and held for this process until it acknowledges them.
 * Until `ack()`, a crash of the holder returns them to the mailbox (at-least-once), marked
 * redelivered.
 */
export interface Claim {
  /** The claimed messages, oldest first (the `message` of each of {@link entries}). */
  readonly messages: readonly Message[];
  /** The claimed messages with their redelivery marks, oldest first. */
  readonly entries: readonly ClaimedMessage[];
  /** How many messages still waited in the mailbox after this claim (from the same listing). */
  readonly remaining: number;
  /**
   * Remove messages for good: call once they were delivered. Without `ids`, every message
   * of the claim not settled yet; with `ids`, only those.
   */
  ack(ids?: Iterable<string>): Promise<void>;
  /**
   * Put messages back, untouched, for a later read (all unsettled ones, or only `ids`). With
   * `shown`, they may already have reached the model (an answer was written, its delivery not
   * confirmed): they are marked, so the next delivery says they are redelivered.
   */
  release(ids?: Iterable<string>, options?: { shown?: boolean }): Promise<void>;
}

/** Anything that may have changed a mailbox; the listener re-reads what it needs. */
export type MailboxListener = () => void;

/**
 * Where mailboxes live. The file-system store is the embedded default; a distributed
 * backend implements the same interface. Nothing outside a store depends on its layout
 * (except the hook's documented fast path for the file-system store).
 */
export interface MailboxStore {
  /** Queue a message; when the promise resolves it survives any process crash. */
  append(key: MailboxKey, message: Message): Promise<void>;
  /** True when at least one message waits (cheap). */
  hasPending(key: MailboxKey): Promise<boolean>;
  /** The waiting messages, oldest first, without claiming them. */
  peek(key: MailboxKey): Promise<Message[]>;
  /**
   * Claim the oldest waiting messages within `limits` (always at least one when any
   * waits), and say how many remain. Never the whole backlog at once: a reader killed
   * again and again still makes progress.
   */
  claim(key: MailboxKey, limits: ClaimLimits): Promise<Claim>;
  /** Claim the oldest waiting message that `predicate` accepts; leave all others untouched. */
  claimFirst(key: MailboxKey, predicate: (message: Message) => boolean): Promise<Claim | null>;
  /** Move every waiting message of `from` into `to` (on claim of a session id). Returns how many. */
  merge(from: MailboxKey, to: MailboxKey): Promise<number>;
  /** Call `listener` soon after the mailbox may have changed. Returns an unsubscribe function. */
  watch(key: MailboxKey, listener: MailboxListener): () => void;
}
