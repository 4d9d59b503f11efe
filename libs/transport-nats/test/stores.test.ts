import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Message } from "@oxtail/core/runtime";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createNatsAskStore } from "../src/asks.js";
import { createLink, type Link } from "../src/link.js";
import { createNatsMailboxStore } from "../src/mailbox.js";
import { projectNames } from "../src/names.js";
import { createOutbox } from "../src/outbox.js";
import { createNatsReceiptStore } from "../src/receipts.js";
import { createNatsRegistryStore } from "../src/registry.js";
import { mailbox, message, record } from "./fixtures.js";
import { hasNatsServer, startNatsServer, type TestNatsServer } from "./nats-server.js";

const names = projectNames("0123456789abcdef");

describe.skipIf(!hasNatsServer())("NATS stores against a real nats-server", () => {
  let server: TestNatsServer;
  const links: Link[] = [];
  /** A link as one machine opens it. */
  const machine = (presenceTtlMs?: number) => {
    const link = createLink(
      { url: server.url, name: "test", ...(presenceTtlMs ? { presenceTtlMs } : {}) },
      names,
    );
    links.push(link);
    return link;
  };

  beforeEach(async () => {
    server = await startNatsServer();
  });
  afterEach(async () => {
    for (const link of links.splice(0)) await link.close();
    await server.dispose();
  });

  it("carries a message from one machine's mailbox store to another's, acknowledged only on ack", async () => {
    const a = createNatsMailboxStore(machine(), names);
    const b = createNatsMailboxStore(machine(), names);
    const to = mailbox();
    const sent = message(to, "hello from A");
    await a.append(to, sent);
    expect(await b.hasPending(to)).toBe(true);
    expect((await b.peek(to)).map((m) => m.id)).toEqual([sent.id]);

    const claim = await b.claim(to, { maxMessages: 10, maxBytes: 1 << 20 });
    expect(claim.messages.map((m) => m.body)).toEqual(["hello from A"]);
    expect(claim.entries[0]?.redelivered).toBe(false);
    expect(await b.hasPending(to)).toBe(false);
    await claim.release();
    // Given back untouched: it waits again, not marked redelivered.
    const again = await b.claim(to, { maxMessages: 10, maxBytes: 1 << 20 });
    expect(again.entries.map((e) => [e.message.id, e.redelivered])).toEqual([[sent.id, false]]);
    await again.ack();
    expect(await b.hasPending(to)).toBe(false);
    expect(await b.peek(to)).toEqual([]);
  });

  it("stores a message sent twice with the same id once (Nats-Msg-Id)", async () => {
    const store = createNatsMailboxStore(machine(), names);
    const to = mailbox();
    const once = message(to, "only once");
    await store.append(to, once);
    await store.append(to, once);
    await store.append(to, message(to, "second"));
    expect((await store.peek(to)).map((m) => m.body)).toEqual(["only once", "second"]);
  });

  it("claims within limits, oldest first, and says how many remain", async () => {
    const store = createNatsMailboxStore(machine(), names);
    const to = mailbox();
    for (const body of ["1", "2", "3"]) await store.append(to, message(to, body));
    const first = await store.claim(to, { maxMessages: 2, maxBytes: 1 << 20 });
    expect(first.messages.map((m) => m.body)).toEqual(["1", "2"]);
    expect(first.remaining).toBe(1);
    await first.ack();
    const rest = await store.claim(to, { maxMessages: 10, maxBytes: 1 });
    // The oldest waiting message is always taken, even over the byte limit.
    expect(rest.messages.map((m) => m.body)).toEqual(["3"]);
    await rest.ack();
  });

  it("counts a message given back in one mailbox as waiting while a claim on another is held", async () => {
    const store = createNatsMailboxStore(machine(), names);
    const one = mailbox();
    const two = mailbox();
    await store.append(one, message(one, "held"));
    await store.append(two, message(two, "given back"));
    const holding = await store.claim(one, { maxMessages: 1, maxBytes: 1 << 20 });
    const back = await store.claim(two, { maxMessages: 1, maxBytes: 1 << 20 });
    await back.release();
    expect(await store.hasPending(two)).toBe(true);
    expect(await store.hasPending(one)).toBe(false);
    await holding.ack();
    const again = await store.claim(two, { maxMessages: 1, maxBytes: 1 << 20 });
    expect(again.messages.map((m) => m.body)).toEqual(["given back"]);
    await again.ack();
  });

  it("marks messages released as shown as redelivered", async () => {
    const store = createNatsMailboxStore(machine(), names);
    const to = mailbox();
    await store.append(to, message(to, "maybe seen"));
    const claim = await store.claim(to, { maxMessages: 1, maxBytes: 1 << 20 });
    await claim.release(undefined, { shown: true });
    const again = await store.claim(to, { maxMessages: 1, maxBytes: 1 << 20 });
    expect(again.entries[0]?.redelivered).toBe(true);
    await again.ack();
  });

  it("claims the first message a predicate accepts and leaves the others waiting", async () => {
    const store = createNatsMailboxStore(machine(), names);
    const to = mailbox();
    const question = message(to, "question");
    await store.append(to, message(to, "chatter"));
    await store.append(to, message(to, "the answer", question.id));
    const claim = await store.claimFirst(to, (m) => m.reply_to === question.id);
    expect(claim?.messages.map((m) => m.body)).toEqual(["the answer"]);
    await claim?.ack();
    const rest = await store.claim(to, { maxMessages: 10, maxBytes: 1 << 20 });
    expect(rest.entries.map((e) => [e.message.body, e.redelivered])).toEqual([["chatter", false]]);
    await rest.ack();
    expect(await store.claimFirst(to, () => true)).toBeNull();
  });

  it("moves an instance mailbox's messages into a session mailbox", async () => {
    const store = createNatsMailboxStore(machine(), names);
    const from = mailbox();
    const to = mailbox();
    await store.append(from, message(from, "early"));
    expect(await store.merge(from, to)).toBe(1);
    expect(await store.hasPending(from)).toBe(false);
    expect((await store.peek(to)).map((m) => m.body)).toEqual(["early"]);
  });

  it("tells a watcher when mail lands from another machine", async () => {
    const a = createNatsMailboxStore(machine(), names);
    const b = createNatsMailboxStore(machine(), names);
    const to = mailbox();
    let calls = 0;
    const stop = b.watch(to, () => {
      calls += 1;
    });
    await expect.poll(() => calls).toBeGreaterThan(0);
    const before = calls;
    await a.append(to, message(to, "ping"));
    await expect.poll(() => calls, { timeout: 10_000 }).toBeGreaterThan(before);
    stop();
  });

  it("loses nothing when the server restarts between sending and reading (file storage)", async () => {
    const a = createNatsMailboxStore(machine(), names);
    const to = mailbox();
    const bodies = Array.from({ length: 20 }, (_, i) => `m${i}`);
    for (const body of bodies) await a.append(to, message(to, body));
    await server.stop();
    await server.start();
    const b = createNatsMailboxStore(machine(), names);
    const got: string[] = [];
    for (;;) {
      const claim = await b.claim(to, { maxMessages: 7, maxBytes: 1 << 20 });
      if (claim.messages.length === 0) break;
      got.push(...claim.messages.map((m) => m.body));
      await claim.ack();
    }
    expect(got).toEqual(bodies);
  });

  it("shows another machine's agent inside this checkout, without its pane or transcript", async () => {
    const a = createNatsRegistryStore(machine(), names, { host: "laptop", root: "/home/a/repo" });
    const b = createNatsRegistryStore(machine(), names, { host: "buildbox", root: "/srv/checkout" });
    try {
      await a.put(record("100-aaa", "/home/a/repo/pkg"));
      const { records } = await b.list();
      expect(records).toHaveLength(1);
      expect(records[0]?.cwd).toBe("/srv/checkout/pkg");
      expect(records[0]?.tmux).toBeNull();
      expect(records[0]?.client.transcript_path).toBeNull();
      expect(b.hostOf("100-aaa")).toBe("laptop");
      // Its own machine sees it as written.
      expect((await a.list()).records[0]?.tmux?.pane).toBe("%1");
      // A folder that would leave the checkout (another machine writes it) stands for the checkout's top.
      const { presence } = await machine().up();
      const hostile = { v: 1, host: "evil", rel: "../../etc", record: record("200-bbb", "/etc") };
      await presence.put("evil.200-bbb", JSON.stringify(hostile));
      const shown = (await b.list()).records.find((r) => r.instance_id === "200-bbb");
      expect(shown?.cwd).toBe("/srv/checkout");
      expect(shown?.client.cwd).toBe("/srv/checkout");
      await presence.delete("evil.200-bbb");
      // Only its own machine removes it.
      await b.remove("100-aaa");
      expect((await b.list()).records).toHaveLength(1);
      await a.remove("100-aaa");
      expect((await b.list()).records).toHaveLength(0);
    } finally {
      a.stop();
      b.stop();
    }
  });

  it("lets a machine's presence expire when its heartbeat stops", async () => {
    const link = machine(2000);
    const a = createNatsRegistryStore(link, names, { host: "laptop", root: "/r", heartbeatMs: 400 });
    const b = createNatsRegistryStore(machine(), names, { host: "buildbox", root: "/r" });
    try {
      await a.put(record("100-aaa", "/r"));
      // Kept while the heartbeat runs (well past the TTL)...
      await new Promise((r) => setTimeout(r, 3000));
      expect((await b.list()).records.map((r) => r.instance_id)).toEqual(["100-aaa"]);
      // ...and gone once it stops.
      a.stop();
      await expect
        .poll(async () => (await b.list()).records.length, { timeout: 15_000, interval: 250 })
        .toBe(0);
    } finally {
      a.stop();
      b.stop();
    }
  });

  it("records each receipt event once, whichever machine writes first", async () => {
    const a = createNatsReceiptStore(machine(), names.receipts);
    const b = createNatsReceiptStore(machine(), names.receipts);
    const m = message(mailbox(), "x");
    const delivered = {
      v: 1,
      id: m.id,
      at: new Date().toISOString(),
      event: "delivered",
      via: "read_my_messages",
    } as const;
    expect(await a.record(delivered)).toBe(true);
    expect(await b.record({ ...delivered, via: "hook-stop" })).toBe(false);
    const events = await b.events(m.id);
    expect(events).toEqual([delivered]);
    expect(await a.prune(Date.now() + 1000)).toBe(1);
    expect(await a.events(m.id)).toEqual([]);
  });

  it("shares pending asks between machines", async () => {
    const a = createNatsAskStore(machine(), names.asks);
    const b = createNatsAskStore(machine(), names.asks);
    const q = message(mailbox(), "q");
    const ask = {
      v: 1 as const,
      question_id: q.id,
      asker: { mailbox: mailbox(), display_name: "a" },
      target: { mailbox: mailbox(), display_name: "b" },
      created_at: Date.now(),
      deadline: Date.now() + 60_000,
      status: "waiting" as const,
      updated_at: Date.now(),
    };
    await a.put(ask);
    expect(await b.get(q.id)).toEqual(ask);
    expect((await b.list()).map((x) => x.question_id)).toEqual([q.id]);
    await b.remove(q.id);
    expect(await a.get(q.id)).toBeNull();
    expect(await a.list()).toEqual([]);
  });
});

describe.skipIf(!hasNatsServer())("the outbox: sends while the link is down", () => {
  it("queues sends on disk while nats-server is down and delivers them, in order and once, when it is back", async () => {
    const server = await startNatsServer();
    const home = fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-outbox-"));
    const link = createLink({ url: server.url, name: "test", connectTimeoutMs: 1000 }, names);
    const reader = createLink({ url: server.url, name: "reader" }, names);
    const outbox = createOutbox(home);
    const store = createNatsMailboxStore(link, names, outbox);
    try {
      const to = mailbox();
      await store.append(to, message(to, "before"));
      expect(outbox.size()).toBe(0);
      await server.stop();
      await expect.poll(() => link.status()).not.toBe("connected");
      const queued = ["during 1", "during 2", "during 3"].map((body) => message(to, body));
      for (const m of queued) await store.append(to, m);
      // Durable before append resolved: private files, one per send.
      expect(outbox.list().map((q) => q.message.body)).toEqual(["during 1", "during 2", "during 3"]);
      expect(fs.statSync(path.join(home, "nats-outbox")).mode & 0o777).toBe(0o700);
      await server.start();
      await expect.poll(() => outbox.size(), { timeout: 20_000 }).toBe(0);
      // A retried flush of the same send (a crash between publish and removal) is stored once.
      outbox.put(to, queued[0] as Message);
      await expect.poll(() => outbox.size(), { timeout: 20_000 }).toBe(0);
      const read = createNatsMailboxStore(reader, names);
      const claim = await read.claim(to, { maxMessages: 10, maxBytes: 1 << 20 });
      expect(claim.messages.map((m) => m.body)).toEqual(["before", "during 1", "during 2", "during 3"]);
      await claim.ack();
    } finally {
      store.stop();
      await link.close();
      await reader.close();
      await server.dispose();
      fs.rmSync(home, { recursive: true, force: true });
    }
  });
});
