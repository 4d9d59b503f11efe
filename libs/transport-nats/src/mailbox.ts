import type { Consumer, JsMsg } from "@nats-io/jetstream";
import { OxtailError } from "@oxtail/core";
import {
  type Claim,
  type ClaimedMessage,
  type ClaimLimits,
  type MailboxKey,
  type MailboxStore,
  type Message,
  MessageSchema,
} from "@oxtail/core/runtime";
import { guarded, type Link, type Linked } from "./link.js";
import type { ProjectNames } from "./names.js";
import { OUTBOX_RETRY_MS, type Outbox } from "./outbox.js";

/** How long a send waits for the server's acknowledgement before the outbox takes it, ms. */
export const PUBLISH_TIMEOUT_WITH_OUTBOX_MS = 3000;

/** How long a claimed message stays with its reader before JetStream hands it out again, ms. */
export const CLAIM_ACK_WAIT_MS = 60_000;

/**
 * Mailboxes on JetStream: one work-queue stream per project, one subject and one durable pull
 * consumer (explicit acks) per mailbox. A claim fetches messages and holds them unacknowledged; `ack`
 * acknowledges them (the stream then drops them), `release` gives them back with a `nak`. A reader
 * that dies holding a claim loses it after {@link CLAIM_ACK_WAIT_MS}: JetStream redelivers, marked.
 * Every publish carries the message id as `Nats-Msg-Id`: a retried send is stored once.
 */
export function createNatsMailboxStore(
  link: Link,
  names: ProjectNames,
  outbox: Outbox | null = null,
): MailboxStore & { stop(): void } {
  const consumers = new Map<string, Promise<Consumer>>();
  /** Stream sequences this process gave back untouched: their next delivery is not a redelivery. */
  const untouched = new Set<number>();
  /** Per mailbox, the stream sequences of messages held by this process's open claims. */
  const held = new Map<string, Set<number>>();
  const heldIn = (key: string) => {
    let seqs = held.get(key);
    if (!seqs) {
      seqs = new Set();
      held.set(key, seqs);
    }
    return seqs;
  };

  function consumerOf(linked: Linked, key: MailboxKey): Promise<Consumer> {
    let found = consumers.get(key);
    if (!found) {
      found = (async () => {
        const durable = names.consumer(key);
        try {
          await linked.jsm.consumers.info(names.stream, durable);
        } catch {
          await linked.jsm.consumers.add(names.stream, {
            durable_name: durable,
            filter_subject: names.mailbox(key),
            ack_policy: "explicit" as Parameters<Linked["jsm"]["consumers"]["add"]>[1]["ack_policy"],
            deliver_policy: "all" as Parameters<Linked["jsm"]["consumers"]["add"]>[1]["deliver_policy"],
            ack_wait: CLAIM_ACK_WAIT_MS * 1_000_000,
            max_deliver: -1,
          });
        }
        return linked.js.consumers.get(names.stream, durable);
      })();
      found.catch(() => consumers.delete(key));
      consumers.set(key, found);
    }
    return found;
  }

  async function waiting(key: MailboxKey): Promise<{ consumer: Consumer; pending: number }> {
    const linked = await link.up();
    const consumer = await consumerOf(linked, key);
    const info = await consumer.info();
    // Not yet delivered, plus delivered and unacknowledged (given back, or held by a reader that
    // died) less what this process holds now.
    const pending = info.num_pending + Math.max(0, info.num_ack_pending - heldIn(key).size);
    return { consumer, pending };
  }

  function parse(msg: JsMsg): Message | null {
    try {
      const parsed = MessageSchema.safeParse(msg.json());
      return parsed.success ? parsed.data : null;
    } catch {
      return null;
    }
  }

  /** Take the next message (null when none comes quickly); unreadable ones are dropped (terminated). */
  async function next(consumer: Consumer): Promise<{ msg: JsMsg; message: Message } | null> {
    for (;;) {
      const msg = await consumer.next({ expires: 1000 });
      if (!msg) return null;
      const message = parse(msg);
      if (message) return { msg, message };
      msg.term("not an oxtail message");
    }
  }

  function claimOf(key: MailboxKey, taken: { msg: JsMsg; message: Message }[], remaining: number): Claim {
    const open = new Map(taken.map((t) => [t.message.id, t]));
    const mine = heldIn(key);
    for (const t of taken) mine.add(t.msg.seq);
    const entries: ClaimedMessage[] = taken.map(({ msg, message }) => ({
      message,
      redelivered: msg.redelivered && !untouched.delete(msg.seq),
      bytes: Buffer.byteLength(JSON.stringify(message), "utf8"),
    }));
    const pick = (ids?: Iterable<string>) => {
      const wanted = ids ? [...ids] : [...open.keys()];
      return wanted.flatMap((id) => {
        const t = open.get(id);
        open.delete(id);
        if (t) mine.delete(t.msg.seq);
        return t ? [t] : [];
      });
    };
    return {
      messages: entries.map((e) => e.message),
      entries,
      remaining,
      async ack(ids) {
        const picked = pick(ids);
        const results = await Promise.allSettled(picked.map((t) => t.msg.ackAck()));
        const failed = results.filter((r) => r.status === "rejected" || r.value === false).length;
        if (failed > 0)
          throw new OxtailError(
            "storage-failure",
            `${failed} acknowledgement(s) did not reach the NATS server; the messages come again.`,
            { origin: "nats" },
          );
      },
      async release(ids, options) {
        for (const t of pick(ids)) {
          if (!options?.shown) untouched.add(t.msg.seq);
          t.msg.nak();
        }
      },
    };
  }

  /** The messages waiting in `key`, taken from its consumer and given back at once, untouched. */
  async function peekThroughConsumer(key: MailboxKey): Promise<Message[]> {
    const { consumer, pending } = await waiting(key);
    const passed: JsMsg[] = [];
    const found: Message[] = [];
    try {
      for (let i = 0; i < pending; i++) {
        const got = await next(consumer);
        if (!got) break;
        passed.push(got.msg);
        found.push(got.message);
      }
    } finally {
      for (const msg of passed) {
        untouched.add(msg.seq);
        msg.nak();
      }
    }
    return found;
  }

  // With an outbox behind it a publish gives up sooner: the outbox retries it (same Nats-Msg-Id). A
  // publish made just as the server went away can go unanswered although the link reports itself up.
  const publishTimeout = outbox ? PUBLISH_TIMEOUT_WITH_OUTBOX_MS : undefined;
  const publish = async (key: MailboxKey, message: Message) => {
    const { js } = await link.ready();
    await js.publish(names.mailbox(key), JSON.stringify(message), {
      msgID: `${message.id}.${key}`,
      ...(publishTimeout ? { timeout: publishTimeout } : {}),
    });
  };

  // Sends queued on disk while the link was down go out in order once it is back.
  let flushing = false;
  const flush = async () => {
    if (!outbox || flushing || link.status() !== "connected" || outbox.size() === 0) return;
    flushing = true;
    try {
      for (const entry of outbox.list()) {
        await publish(entry.key, entry.message);
        outbox.done(entry);
      }
    } catch {
      // the link went again: the next round retries
    } finally {
      flushing = false;
    }
  };
  const timer = outbox ? setInterval(() => void flush(), OUTBOX_RETRY_MS) : null;
  timer?.unref();
  if (outbox && outbox.size() > 0) void link.ready().then(flush, () => {});

  const store: MailboxStore = {
    async append(key, message) {
      if (!outbox) return publish(key, message);
      // Behind earlier queued sends, or with the link down: queue on disk (durable when this resolves).
      let linked = false;
      try {
        await Promise.race([
          link.ready(),
          new Promise((_, reject) => setTimeout(() => reject(new Error("link not up")), 2000).unref()),
        ]);
        linked = link.status() === "connected";
      } catch {
        linked = false;
      }
      if (!linked || outbox.size() > 0) {
        outbox.put(key, message);
        void flush();
        return;
      }
      try {
        await publish(key, message);
      } catch {
        outbox.put(key, message);
      }
    },
    async hasPending(key) {
      return (await waiting(key)).pending > 0;
    },
    async peek(key) {
      // A user restricted to its own mailboxes may not read the stream: it looks through its consumer.
      const own = link.ownKeys();
      if (own && !own.includes(key))
        throw new OxtailError(
          "out-of-scope",
          "This agent's NATS user reads only its own mailboxes (per-agent credentials).",
          { origin: "nats" },
        );
      if (own) return peekThroughConsumer(key);
      const { jsm } = await link.up();
      const found: Message[] = [];
      for (let seq = 1; ; ) {
        const stored = await jsm.direct.getMessage(names.stream, { seq, next_by_subj: names.mailbox(key) });
        if (!stored) break;
        try {
          const parsed = MessageSchema.safeParse(stored.json());
          if (parsed.success) found.push(parsed.data);
        } catch {
          // not an oxtail message
        }
        seq = stored.seq + 1;
      }
      return found;
    },
    async claim(key, limits: ClaimLimits) {
      const { consumer, pending } = await waiting(key);
      const taken: { msg: JsMsg; message: Message }[] = [];
      let bytes = 0;
      const max = Math.max(1, limits.maxMessages);
      while (taken.length < Math.min(max, pending)) {
        const got = await next(consumer);
        if (!got) break;
        const size = Buffer.byteLength(JSON.stringify(got.message), "utf8");
        if (taken.length > 0 && bytes + size > limits.maxBytes) {
          untouched.add(got.msg.seq);
          got.msg.nak();
          break;
        }
        taken.push(got);
        bytes += size;
      }
      return claimOf(key, taken, Math.max(0, pending - taken.length));
    },
    async claimFirst(key, predicate) {
      const { consumer, pending } = await waiting(key);
      const passed: JsMsg[] = [];
      let match: { msg: JsMsg; message: Message } | null = null;
      try {
        for (let i = 0; i < pending && !match; i++) {
          const got = await next(consumer);
          if (!got) break;
          if (predicate(got.message)) match = got;
          else passed.push(got.msg);
        }
      } finally {
        for (const msg of passed) {
          untouched.add(msg.seq);
          msg.nak();
        }
      }
      return match ? claimOf(key, [match], Math.max(0, pending - 1)) : null;
    },
    async merge(from, to) {
      if (from === to) return 0;
      const { js } = await link.ready();
      let moved = 0;
      for (;;) {
        const claim = await store.claim(from, { maxMessages: 100, maxBytes: Number.MAX_SAFE_INTEGER });
        if (claim.messages.length === 0) return moved;
        for (const message of claim.messages) {
          await js.publish(names.mailbox(to), JSON.stringify(message), { msgID: `${message.id}.${to}` });
        }
        await claim.ack();
        moved += claim.messages.length;
      }
    },
    watch(key, listener) {
      let sub: { unsubscribe(): void } | null = null;
      let stopped = false;
      void link
        .ready()
        .then(({ nc }) => {
          if (stopped) return;
          // A JetStream publish is an ordinary NATS message too: a core subscription hears it.
          sub = nc.subscribe(names.mailbox(key), { callback: () => listener() });
          listener();
        })
        .catch(() => {});
      return () => {
        stopped = true;
        sub?.unsubscribe();
      };
    },
  };
  return {
    append: (key, message) => guarded("sending a message", () => store.append(key, message)),
    hasPending: (key) => guarded("looking at a mailbox", () => store.hasPending(key)),
    peek: (key) => guarded("reading a mailbox", () => store.peek(key)),
    claim: (key, limits) => guarded("claiming messages", () => store.claim(key, limits)),
    claimFirst: (key, predicate) => guarded("claiming a message", () => store.claimFirst(key, predicate)),
    merge: (from, to) => guarded("moving messages", () => store.merge(from, to)),
    watch: (key, listener) => store.watch(key, listener),
    stop() {
      if (timer) clearInterval(timer);
    },
  };
}
