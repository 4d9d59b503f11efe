import { OxtailError } from "../errors.js";
import { createMessageId, isMessageId } from "../ids.js";
import type { Receipts } from "../receipts/receipts.js";
import type { DeliveryVia } from "../receipts/types.js";
import { NULL_TRACER, type Tracer } from "../trace/trace.js";
import {
  type Claim,
  type ClaimLimits,
  DEFAULT_CLAIM_LIMITS,
  MAX_BODY_BYTES,
  type MailboxKey,
  type MailboxStore,
  type Message,
  type MessageOrigin,
  type Sender,
} from "./types.js";

/** What {@link Mailbox.send} needs. */
export interface SendInput {
  /** The sender's identity, as the recipient will see it. */
  from: Sender;
  /** The sender's own mailbox (to refuse messages to oneself). */
  fromMailbox: MailboxKey;
  /** The recipient's mailbox. */
  to: MailboxKey;
  /** The recipient's session id, when known. */
  toSessionId: string | null;
  /** UTF-8 text, at most {@link MAX_BODY_BYTES} bytes. Data only, never interpreted. */
  body: string;
  /** Id of the message this answers. */
  replyTo?: string | null;
  /** The sender's project, recorded in the message's receipt (only that project may read it). */
  project?: string | null;
  /** Who is speaking: another agent (the default) or the human at the command line. */
  origin?: MessageOrigin;
}

/**
 * How the messages of a claim will be put in front of the recipient's model: acknowledging the
 * claim records each one's receipt as `delivered` by this path (SPEC §10).
 */
export interface DeliveryOptions {
  via?: DeliveryVia;
}

/** Options for {@link Mailbox.waitFor}. */
export interface WaitOptions {
  /** Give up after this long (resolves null). */
  timeoutMs: number;
  /** Abort the wait (resolves null; nothing is claimed). */
  signal?: AbortSignal;
  /** Among waiting matches, claim one this accepts first (e.g. a `reply_to` match). */
  prefer?: (message: Message) => boolean;
  /** How the claimed message reaches the model (its receipt's `delivered.via`). */
  via?: DeliveryVia;
}

/** Messaging on top of a {@link MailboxStore}: validation, ids, waiting. */
export interface Mailbox {
  /** Validate and queue a message; returns it as stored. */
  send(input: SendInput): Promise<Message>;
  /**
   * Claim the oldest waiting messages, at most `limits` (defaults: {@link DEFAULT_CLAIM_LIMITS};
   * always at least one when any waits). `ack()` once delivered, `release()` what was not;
   * `remaining` says how many still wait. `via` names the delivery path: `ack()` records it in
   * each acknowledged message's receipt.
   */
  claim(key: MailboxKey, limits?: Partial<ClaimLimits> & DeliveryOptions): Promise<Claim>;
  /** Claim the oldest message `predicate` accepts, leaving every other one untouched. */
  take(
    key: MailboxKey,
    predicate: (message: Message) => boolean,
    options?: DeliveryOptions,
  ): Promise<Claim | null>;
  /** The waiting messages, without claiming them. */
  peek(key: MailboxKey): Promise<Message[]>;
  /** True when anything waits. */
  hasPending(key: MailboxKey): Promise<boolean>;
  /**
   * Wait until a message `predicate` accepts arrives and claim it. Learns of new mail
   * from the store's change notification, not a fixed poll. Resolves null on timeout or
   * abort; nothing is consumed then.
   */
  waitFor(
    key: MailboxKey,
    predicate: (message: Message) => boolean,
    options: WaitOptions,
  ): Promise<Claim | null>;
  /** Move waiting mail from one mailbox into another (instance → session on claim). */
  merge(from: MailboxKey, to: MailboxKey): Promise<number>;
  /** Be told when a mailbox may have changed. */
  watch(key: MailboxKey, listener: () => void): () => void;
}

/** Options for {@link createMailbox}. */
export interface MailboxOptions {
  store: MailboxStore;
  tracer?: Tracer;
  /**
   * Where messages' lifecycles are recorded (SPEC §10): `send` records `queued` (and `replied` on
   * the message a `reply_to` answers), and acknowledging any claim records `delivered` with the
   * claim's `via` — one place, so no delivery path can leave a receipt behind. Without it, none.
   */
  receipts?: Receipts;
  /** Clock, for tests. */
  now?: () => number;
}

/** Build a {@link Mailbox} over a store. */
export function createMailbox(options: MailboxOptions): Mailbox {
  const { store } = options;
  const tracer = options.tracer ?? NULL_TRACER;
  const now = options.now ?? Date.now;
  const receipts = options.receipts ?? null;
  /** The claim, recording receipts as its messages are acknowledged. */
  const delivering = (claim: Claim, via: DeliveryVia | undefined): Claim =>
    receipts ? recordingClaim(claim, receipts, via ?? null) : claim;
  const deliveringOrNull = (claim: Claim | null, via: DeliveryVia | undefined): Claim | null =>
    claim && delivering(claim, via);

  return {
    async send(input) {
      if (input.to === input.fromMailbox) {
        throw new OxtailError(
          "no-self-message",
          "That target is you. Send to a peer's tmux name or session id.",
        );
      }
      if (typeof input.body !== "string" || input.body.length === 0) {
        throw new OxtailError("invalid-input", "The message body is empty.");
      }
      const bytes = Buffer.byteLength(input.body, "utf8");
      if (bytes > MAX_BODY_BYTES) {
        throw new OxtailError(
          "body-too-large",
          `The body is ${bytes} bytes; the limit is ${MAX_BODY_BYTES}. Shorten it, or send a path to a file instead.`,
          { data: { bytes, limit: MAX_BODY_BYTES } },
        );
      }
      const replyTo = input.replyTo ?? null;
      if (replyTo !== null && !isMessageId(replyTo)) {
        throw new OxtailError(
          "invalid-input",
          `reply_to ${JSON.stringify(String(replyTo).slice(0, 60))} is not a message id.`,
        );
      }
      const ms = now();
      const message: Message = {
        v: 1,
        id: createMessageId(ms),
        from: input.from,
        to: { mailbox: input.to, session_id: input.toSessionId },
        body: input.body,
        reply_to: replyTo,
        created_at: new Date(ms).toISOString(),
        origin: input.origin ?? "agent",
      };
      await store.append(input.to, message);
      tracer.trace({ kind: "mailbox.sent", id: message.id, to: input.to, bytes });
      if (receipts) {
        await receipts.queued(message, { fromMailbox: input.fromMailbox, project: input.project ?? null });
        if (replyTo !== null) await receipts.replied(message, input.fromMailbox);
      }
      return message;
    },

    claim: async (key, limits) =>
      delivering(await store.claim(key, { ...DEFAULT_CLAIM_LIMITS, ...definedOnly(limits) }), limits?.via),
    take: async (key, predicate, options) =>
      deliveringOrNull(await store.claimFirst(key, predicate), options?.via),
    peek: (key) => store.peek(key),
    hasPending: (key) => store.hasPending(key),
    merge: (from, to) => store.merge(from, to),
    watch: (key, listener) => store.watch(key, listener),

    waitFor(key, predicate, { timeoutMs, signal, prefer, via }) {
      return new Promise<Claim | null>((resolve, reject) => {
        if (signal?.aborted) return resolve(null);
        let done = false;
        let running = false;
        let again = false;
        const finish = (value: Claim | null, error?: unknown): void => {
          if (done) {
            // A claim that raced a timeout or abort is put back untouched.
            if (value) void value.release();
            return;
          }
          done = true;
          unwatch();
          clearTimeout(timer);
          signal?.removeEventListener("abort", onAbort);
          if (error) reject(error);
          else resolve(value);
        };
        const check = async (): Promise<void> => {
          if (running) {
            again = true;
            return;
          }
          running = true;
          try {
            do {
              again = false;
              if (done) return;
              const claim =
                (prefer ? await store.claimFirst(key, (m) => predicate(m) && prefer(m)) : null) ??
                (await store.claimFirst(key, predicate));
              if (claim) return finish(delivering(claim, via));
            } while (again);
          } catch (error) {
            finish(null, error);
          } finally {
            running = false;
          }
        };
        const onAbort = (): void => finish(null);
        // Subscribe before the first look, so a message landing in between is not missed.
        const unwatch = store.watch(key, () => void check());
        const timer = setTimeout(() => finish(null), Math.max(0, timeoutMs));
        signal?.addEventListener("abort", onAbort, { once: true });
        void check();
      });
    },
  };
}

/**
 * A claim whose `ack` first records each acknowledged message as delivered by `via` (a receipt
 * write never fails the ack), then removes them; `release` puts messages back and records nothing.
 */
function recordingClaim(claim: Claim, receipts: Receipts, via: DeliveryVia | null): Claim {
  const open = new Set(claim.messages.map((m) => m.id));
  const pick = (ids: Iterable<string> | undefined): string[] => {
    const chosen = ids === undefined ? [...open] : [...ids].filter((id) => open.has(id));
    for (const id of chosen) open.delete(id);
    return chosen;
  };
  return {
    messages: claim.messages,
    entries: claim.entries,
    remaining: claim.remaining,
    async ack(ids) {
      const chosen = pick(ids);
      if (chosen.length > 0) await receipts.delivered(chosen, via);
      await claim.ack(chosen);
    },
    release(ids, options) {
      return claim.release(pick(ids), options);
    },
  };
}

/** The limits that were given, so an explicit `undefined` does not erase a default. */
function definedOnly(limits: Partial<ClaimLimits> | undefined): Partial<ClaimLimits> {
  const out: Partial<ClaimLimits> = {};
  if (limits?.maxMessages !== undefined) out.maxMessages = limits.maxMessages;
  if (limits?.maxBytes !== undefined) out.maxBytes = limits.maxBytes;
  return out;
}
