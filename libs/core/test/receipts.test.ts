import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createMessageId } from "../src/ids.ts";
import { createMailbox } from "../src/mailbox/mailbox.ts";
import { createFsMailboxStore } from "../src/mailbox/store-fs.ts";
import { instanceMailboxKey, type MailboxKey, sessionMailboxKey } from "../src/mailbox/types.ts";
import { createReceipts, expiryOf, RECEIPT_EXPIRY_MS, receiptOf } from "../src/receipts/receipts.ts";
import { createFsReceiptStore } from "../src/receipts/store-fs.ts";
import type { ReceiptEvent } from "../src/receipts/types.ts";
import { createTracer } from "../src/trace/trace.ts";
import { modeOf, tempDir } from "./helpers.ts";

const ALICE = sessionMailboxKey("aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa");
const BOB = sessionMailboxKey("bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb");
const CAROL = sessionMailboxKey("cccccccc-cccc-4ccc-8ccc-cccccccccccc");

function setup() {
  const home = tempDir();
  const traceFile = path.join(home, "trace.ndjson");
  const tracer = createTracer(traceFile);
  const store = createFsReceiptStore({ home, tracer });
  const receipts = createReceipts({ store, tracer });
  const mailbox = createMailbox({ store: createFsMailboxStore({ home, tracer }), tracer, receipts });
  const send = (from: MailboxKey, to: MailboxKey, body: string, replyTo: string | null = null) =>
    mailbox.send({
      from: { session_id: from, instance_id: "1-1", client_type: "claude", display_name: from.slice(0, 4) },
      fromMailbox: from,
      to,
      toSessionId: to,
      body,
      replyTo,
      project: "/repo/.git",
    });
  const traces = () =>
    fs.existsSync(traceFile)
      ? fs
          .readFileSync(traceFile, "utf8")
          .trim()
          .split("\n")
          .map((l) => JSON.parse(l) as Record<string, unknown>)
      : [];
  const bucket = (id: string) => path.join(home, "receipts", id.slice(0, 6));
  return { home, store, receipts, mailbox, send, traces, bucket };
}

const queuedEvent = (id: string, at = new Date().toISOString()): ReceiptEvent => ({
  v: 1,
  id,
  event: "queued",
  at,
  from: { session_id: ALICE, instance_id: "1-1" },
  from_mailbox: ALICE,
  to: { mailbox: BOB, session_id: BOB },
  project: "/repo/.git",
  reply_to: null,
});

describe("receipts through the mailbox", () => {
  it("records queued → delivered (with its via) → replied, with timestamps", async () => {
    const { receipts, mailbox, send } = setup();
    const sent = await send(ALICE, BOB, "hello");
    expect(await receipts.get(sent.id)).toMatchObject({
      id: sent.id,
      state: "queued",
      project: "/repo/.git",
      to: { mailbox: BOB, session_id: BOB },
      queued_at: sent.created_at,
      delivered: null,
      replied: null,
      expired: null,
    });
    const claim = await mailbox.claim(BOB, { via: "read_my_messages" });
    await claim.ack();
    const delivered = await receipts.get(sent.id);
    expect(delivered).toMatchObject({ state: "delivered", delivered: { via: "read_my_messages" } });
    expect(Date.parse(delivered?.delivered?.at ?? "")).toBeGreaterThanOrEqual(Date.parse(sent.created_at));
    const reply = await send(BOB, ALICE, "hi back", sent.id);
    expect(await receipts.get(sent.id)).toMatchObject({
      state: "replied",
      delivered: { via: "read_my_messages" },
      replied: { reply_id: reply.id, at: reply.created_at },
    });
  });

  it("records nothing for released mail, and only the acknowledged ids", async () => {
    const { receipts, mailbox, send } = setup();
    const one = await send(ALICE, BOB, "one");
    const two = await send(ALICE, BOB, "two");
    const first = await mailbox.claim(BOB, { via: "hook-mid-turn" });
    await first.release();
    expect((await receipts.get(one.id))?.state).toBe("queued");
    const again = await mailbox.claim(BOB, { via: "hook-stop" });
    await again.ack([one.id]);
    await again.release();
    expect((await receipts.get(one.id))?.delivered?.via).toBe("hook-stop");
    expect((await receipts.get(two.id))?.state).toBe("queued");
    const taken = await mailbox.take(BOB, (m) => m.id === two.id, { via: "ask-reply" });
    await taken?.ack();
    expect((await receipts.get(two.id))?.delivered?.via).toBe("ask-reply");
  });

  it("keeps the first delivery when a message is delivered again (at least once)", async () => {
    const { receipts, send } = setup();
    const sent = await send(ALICE, BOB, "once");
    await receipts.delivered([sent.id], "hook-mid-turn");
    await receipts.delivered([sent.id], "read_my_messages");
    expect((await receipts.get(sent.id))?.delivered?.via).toBe("hook-mid-turn");
  });

  it("ignores a reply_to from anyone but the message's recipient", async () => {
    const { receipts, send } = setup();
    const sent = await send(ALICE, BOB, "for bob");
    await send(CAROL, ALICE, "not for me, but I answer", sent.id);
    expect((await receipts.get(sent.id))?.state).toBe("queued");
  });

  it("never fails a send or a delivery when receipts cannot be written", async () => {
    const { home, receipts, mailbox, send, traces } = setup();
    fs.writeFileSync(path.join(home, "receipts"), "not a folder");
    const sent = await send(ALICE, BOB, "still goes");
    const claim = await mailbox.claim(BOB, { via: "read_my_messages" });
    expect(claim.messages.map((m) => m.body)).toEqual(["still goes"]);
    await claim.ack();
    expect(await mailbox.hasPending(BOB)).toBe(false);
    expect(
      traces()
        .filter((t) => t.kind === "receipt.failed")
        .map((t) => t.event),
    ).toEqual(expect.arrayContaining(["queued", "delivered"]));
    expect(await receipts.get(sent.id)).toBeNull();
    expect(traces().some((t) => t.kind === "home.unsafe")).toBe(true);
  });
});

describe("file-system receipt store", () => {
  it("keeps records private, one file per event, the first record winning", async () => {
    const { store, bucket } = setup();
    const id = createMessageId();
    expect(await store.record(queuedEvent(id))).toBe(true);
    expect(await store.record(queuedEvent(id, "2000-01-01T00:00:00.000Z"))).toBe(false);
    expect((await store.events(id))[0]?.at).not.toBe("2000-01-01T00:00:00.000Z");
    expect(modeOf(bucket(id))).toBe(0o700);
    expect(modeOf(path.join(bucket(id), `${id}.queued.json`))).toBe(0o600);
    expect(fs.readdirSync(bucket(id))).toEqual([`${id}.queued.json`]);
    expect(await store.events(createMessageId())).toEqual([]);
    await expect(store.events("../../etc/passwd")).rejects.toMatchObject({ code: "invalid-input" });
  });

  it("skips a FIFO, a symlink and garbage in receipts/ without blocking, following or trusting them", async () => {
    const { home, store, receipts, traces, bucket } = setup();
    const id = createMessageId();
    await store.record(queuedEvent(id));
    const dir = bucket(id);
    // A FIFO where the delivered record goes: never opened for reading (it would block), never written.
    execFileSync("mkfifo", [path.join(dir, `${id}.delivered.json`)]);
    // A symlink where the replied record goes, to a valid-looking record outside: not followed.
    const outside = path.join(home, "outside.json");
    fs.writeFileSync(outside, JSON.stringify({ v: 1, id, event: "replied", at: "x", reply_id: id }));
    fs.symlinkSync(outside, path.join(dir, `${id}.replied.json`));
    // Garbage where the expired record goes.
    fs.writeFileSync(path.join(dir, `${id}.expired.json`), "{not json", { mode: 0o600 });
    const receipt = await receipts.get(id);
    expect(receipt).toMatchObject({ state: "queued", delivered: null, replied: null, expired: null });
    expect(await store.record({ v: 1, id, event: "delivered", at: "now", via: "hook-stop" })).toBe(false);
    expect(fs.lstatSync(path.join(dir, `${id}.delivered.json`)).isFIFO()).toBe(true);
    const seen = traces().map((t) => `${t.kind}:${t.reason}`);
    expect(seen).toEqual(
      expect.arrayContaining([
        "home.unsafe:is a FIFO",
        "home.unsafe:is a symbolic link",
        "receipt.ignored:unparsable JSON",
      ]),
    );
  });

  it("refuses a symlinked bucket: nothing read or written through it", async () => {
    const { home, store } = setup();
    const id = createMessageId();
    const elsewhere = tempDir();
    fs.mkdirSync(path.join(home, "receipts"), { mode: 0o700 });
    fs.symlinkSync(elsewhere, path.join(home, "receipts", id.slice(0, 6)));
    await expect(store.record(queuedEvent(id))).rejects.toMatchObject({ code: "unsafe-path" });
    expect(await store.events(id)).toEqual([]);
    expect(fs.readdirSync(elsewhere)).toEqual([]);
  });

  it("prunes whole buckets older than the cut, leaving newer ones and anything unsafe", async () => {
    const { home, store } = setup();
    // Ids made in this process never go back in time: an old one is spelled out.
    const oldId = `${(Date.now() - 10 * 24 * 3600 * 1000).toString(16).padStart(12, "0")}-00000000-0000abcd`;
    const newId = createMessageId();
    await store.record(queuedEvent(oldId));
    await store.record({ v: 1, id: oldId, event: "delivered", at: "t", via: "read_my_messages" });
    await store.record(queuedEvent(newId));
    // A symlinked "bucket" that looks old: its target is never entered.
    const elsewhere = tempDir();
    fs.writeFileSync(path.join(elsewhere, "keep.json"), "{}");
    fs.symlinkSync(elsewhere, path.join(home, "receipts", "000001"));
    expect(await store.prune(Date.now() - 7 * 24 * 3600 * 1000)).toBe(2);
    expect(await store.events(oldId)).toEqual([]);
    expect((await store.events(newId)).map((e) => e.event)).toEqual(["queued"]);
    expect(fs.readdirSync(elsewhere)).toEqual(["keep.json"]);
  });
});

describe("expiry", () => {
  const receipt = (mailbox: string, ageMs: number) =>
    receiptOf([
      {
        ...queuedEvent(createMessageId()),
        at: new Date(Date.now() - ageMs).toISOString(),
        to: { mailbox, session_id: null },
      } as ReceiptEvent,
    ]) as NonNullable<ReturnType<typeof receiptOf>>;
  const now = Date.now();

  it("expires mail left in a gone server instance's mailbox at once", () => {
    const r = receipt(instanceMailboxKey("999999-dead"), 1000);
    expect(expiryOf(r, { recipientLive: false, waiting: true, now })).toBe("recipient-gone");
    // Moved on to the instance's session mailbox (it claimed its id): not gone.
    expect(expiryOf(r, { recipientLive: false, waiting: false, now })).toBeNull();
  });

  it("expires session mail only after the expiry, and never while a recipient lives", () => {
    expect(expiryOf(receipt(BOB, 1000), { recipientLive: false, waiting: true, now })).toBeNull();
    const stale = receipt(BOB, RECEIPT_EXPIRY_MS + 1000);
    expect(expiryOf(stale, { recipientLive: false, waiting: true, now })).toBe("undelivered");
    expect(expiryOf(stale, { recipientLive: true, waiting: true, now })).toBeNull();
  });

  it("lets a later delivery win over an expiry", async () => {
    const { receipts, send } = setup();
    const sent = await send(ALICE, BOB, "late");
    await receipts.expired(sent.id, "undelivered");
    expect((await receipts.get(sent.id))?.state).toBe("expired");
    await receipts.delivered([sent.id], "hook-prompt");
    expect(await receipts.get(sent.id)).toMatchObject({
      state: "delivered",
      expired: { reason: "undelivered" },
    });
  });
});
