import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createMailbox } from "../src/mailbox/mailbox.ts";
import { createFsMailboxStore } from "../src/mailbox/store-fs.ts";
import {
  instanceMailboxKey,
  type MailboxKey,
  type Message,
  sessionMailboxKey,
} from "../src/mailbox/types.ts";
import { createTracer } from "../src/trace/trace.ts";
import { modeOf, tempDir } from "./helpers.ts";

const ALICE = sessionMailboxKey("aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa");
const BOB = sessionMailboxKey("bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb");
const CAROL = sessionMailboxKey("cccccccc-cccc-4ccc-8ccc-cccccccccccc");

function setup(pollMs = 1000) {
  const home = tempDir();
  const traceFile = path.join(home, "trace.ndjson");
  const tracer = createTracer(traceFile);
  const store = createFsMailboxStore({ home, tracer, pollMs });
  const mailbox = createMailbox({ store, tracer });
  const from = (key: MailboxKey, name: string) => ({
    from: { session_id: key, instance_id: "1-1", client_type: "claude", display_name: name },
    fromMailbox: key,
  });
  const send = (fromKey: MailboxKey, to: MailboxKey, body: string, replyTo?: string) =>
    mailbox.send({
      ...from(fromKey, fromKey.slice(0, 4)),
      to,
      toSessionId: to,
      body,
      replyTo: replyTo ?? null,
    });
  const dir = (key: MailboxKey) => path.join(home, "mailboxes", key);
  return { home, store, mailbox, send, dir, traceFile };
}

const bodies = (messages: readonly Message[]) => messages.map((m) => m.body);

describe("mailbox", () => {
  it("delivers in order, with sender identity, and removes on ack", async () => {
    const { mailbox, send } = setup();
    await send(ALICE, BOB, "one");
    await send(CAROL, BOB, "two");
    await send(ALICE, BOB, "three");
    const claim = await mailbox.claim(BOB);
    expect(bodies(claim.messages)).toEqual(["one", "two", "three"]);
    expect(claim.messages[0]?.from).toMatchObject({ session_id: ALICE, client_type: "claude" });
    await claim.ack();
    expect(await mailbox.hasPending(BOB)).toBe(false);
    expect((await mailbox.claim(BOB)).messages).toEqual([]);
  });

  it("gives released messages back untouched", async () => {
    const { mailbox, send } = setup();
    await send(ALICE, BOB, "keep me");
    const claim = await mailbox.claim(BOB);
    await claim.release();
    expect(bodies((await mailbox.claim(BOB)).messages)).toEqual(["keep me"]);
  });

  it("takes the first matching message and leaves every other one untouched", async () => {
    const { mailbox, send } = setup();
    await send(CAROL, BOB, "from carol 1");
    await send(ALICE, BOB, "from alice");
    await send(CAROL, BOB, "from carol 2");
    const claim = await mailbox.take(BOB, (m) => m.from.session_id === ALICE);
    expect(bodies(claim?.messages ?? [])).toEqual(["from alice"]);
    await claim?.ack();
    expect(await mailbox.take(BOB, (m) => m.from.session_id === ALICE)).toBeNull();
    expect(bodies(await mailbox.peek(BOB))).toEqual(["from carol 1", "from carol 2"]);
  });

  it("keeps a message body as data, byte for byte", async () => {
    const { mailbox, send } = setup();
    const nasty = "$(rm -rf /) `id` \u001b[31mred\u001b[0m C-c Enter '\"; echo pwned\n\ttabs 🦊";
    await send(ALICE, BOB, nasty);
    expect(bodies((await mailbox.claim(BOB)).messages)).toEqual([nasty]);
  });

  it("stores everything private: folders 0700, files 0600", async () => {
    const { send, home, dir } = setup();
    await send(ALICE, BOB, "x");
    for (const d of [home, path.join(home, "mailboxes"), dir(BOB), path.join(dir(BOB), "new")])
      expect(modeOf(d)).toBe(0o700);
    const [file] = fs.readdirSync(path.join(dir(BOB), "new"));
    expect(modeOf(path.join(dir(BOB), "new", file as string))).toBe(0o600);
  });

  it("refuses a 9 KiB body with body-too-large and stores nothing", async () => {
    const { send, mailbox, home } = setup();
    await expect(send(ALICE, BOB, "x".repeat(9 * 1024))).rejects.toMatchObject({ code: "body-too-large" });
    // 8 KiB of 3-byte characters is over the byte limit too.
    await expect(send(ALICE, BOB, "€".repeat(2731))).rejects.toMatchObject({ code: "body-too-large" });
    expect(fs.existsSync(path.join(home, "mailboxes"))).toBe(false);
    await send(ALICE, BOB, "x".repeat(8 * 1024));
    expect((await mailbox.peek(BOB))[0]?.body).toHaveLength(8192);
  });

  it("refuses messages to oneself, empty bodies and malformed reply_to", async () => {
    const { send } = setup();
    await expect(send(ALICE, ALICE, "hi me")).rejects.toMatchObject({ code: "no-self-message" });
    await expect(send(ALICE, BOB, "")).rejects.toMatchObject({ code: "invalid-input" });
    await expect(send(ALICE, BOB, "x", "../../etc")).rejects.toMatchObject({ code: "invalid-input" });
  });

  it("refuses a symlinked mailbox with unsafe-path and writes nothing through it", async () => {
    const { send, mailbox, home, dir } = setup();
    const elsewhere = path.join(home, "elsewhere");
    fs.mkdirSync(elsewhere);
    fs.mkdirSync(path.join(home, "mailboxes"), { mode: 0o700 });
    fs.symlinkSync(elsewhere, dir(BOB));
    await expect(send(ALICE, BOB, "x")).rejects.toMatchObject({ code: "unsafe-path" });
    await expect(mailbox.claim(BOB)).rejects.toMatchObject({ code: "unsafe-path" });
    expect(fs.readdirSync(elsewhere)).toEqual([]);
  });

  it("quarantines malformed, non-object and foreign-id files and still delivers the rest", async () => {
    const { send, mailbox, dir, traceFile } = setup();
    await send(ALICE, BOB, "good");
    const newDir = path.join(dir(BOB), "new");
    const bad = (id: string, text: string) =>
      fs.writeFileSync(path.join(newDir, `${id}.json`), text, { mode: 0o600 });
    bad("000000000001-00000000-00000001", "{ not json");
    bad("000000000001-00000000-00000002", "[1,2,3]");
    bad("000000000001-00000000-00000003", '"just a string"');
    bad("000000000001-00000000-00000004", JSON.stringify({ v: 1, id: "000000000001-00000000-00000009" }));
    fs.writeFileSync(path.join(newDir, "README"), "not a message");
    const claim = await mailbox.claim(BOB);
    expect(bodies(claim.messages)).toEqual(["good"]);
    expect(fs.readdirSync(path.join(dir(BOB), "bad")).sort()).toHaveLength(4);
    expect(fs.readFileSync(traceFile, "utf8")).toContain("mailbox.ignored");
  });

  it("ignores a sender's unfinished temp file (it was never sent)", async () => {
    const { send, mailbox, dir } = setup();
    await send(ALICE, BOB, "sent");
    fs.writeFileSync(
      path.join(dir(BOB), "tmp", "000000000001-00000000-00000001.999999-1.tmp"),
      '{"partial":',
    );
    expect(bodies((await mailbox.claim(BOB)).messages)).toEqual(["sent"]);
  });

  it("merges an instance mailbox into the session mailbox on claim", async () => {
    const { send, mailbox } = setup();
    const instance = instanceMailboxKey("4242-99");
    await send(ALICE, instance, "early 1");
    await send(ALICE, instance, "early 2");
    expect(await mailbox.merge(instance, BOB)).toBe(2);
    await send(ALICE, BOB, "late");
    expect(bodies((await mailbox.claim(BOB)).messages)).toEqual(["early 1", "early 2", "late"]);
    expect(await mailbox.hasPending(instance)).toBe(false);
  });

  it("can be checked by a shell without Node (the hook's fast path)", async () => {
    const { send, home } = setup();
    const check = (key: string) =>
      execFileSync(
        "sh",
        [
          "-c",
          'set -- "$OXTAIL_HOME/mailboxes/$1/new/"*.json; [ -e "$1" ] && echo mail || echo empty',
          "sh",
          key,
        ],
        {
          env: { OXTAIL_HOME: home, PATH: process.env.PATH },
          encoding: "utf8",
        },
      ).trim();
    expect(check(BOB)).toBe("empty");
    await send(ALICE, BOB, "x");
    expect(check(BOB)).toBe("mail");
  });
});

describe("waiting for mail", () => {
  it("wakes on the change notification (the safety-net poll is 60 s, the timeout 30 s)", async () => {
    const { mailbox, send } = setup(60_000);
    const waiting = mailbox.waitFor(BOB, (m) => m.from.session_id === ALICE, { timeoutMs: 30_000 });
    setTimeout(() => void send(ALICE, BOB, "answer"), 50);
    const claim = await waiting;
    expect(bodies(claim?.messages ?? [])).toEqual(["answer"]);
  });

  it("passes over messages the predicate rejects and leaves them queued", async () => {
    const { mailbox, send } = setup();
    await send(CAROL, BOB, "stale from carol");
    const waiting = mailbox.waitFor(BOB, (m) => m.from.session_id === ALICE, { timeoutMs: 10_000 });
    await send(CAROL, BOB, "more from carol");
    await send(ALICE, BOB, "the reply");
    expect(bodies((await waiting)?.messages ?? [])).toEqual(["the reply"]);
    expect(bodies(await mailbox.peek(BOB))).toEqual(["stale from carol", "more from carol"]);
  });

  it("prefers a message the prefer predicate accepts when several match at once", async () => {
    const { mailbox, send } = setup();
    const question = await send(BOB, ALICE, "the question");
    await send(ALICE, BOB, "chatter");
    await send(ALICE, BOB, "the answer", question.id);
    const claim = await mailbox.waitFor(BOB, (m) => m.from.session_id === ALICE, {
      timeoutMs: 5000,
      prefer: (m) => m.reply_to === question.id,
    });
    expect(bodies(claim?.messages ?? [])).toEqual(["the answer"]);
    expect(bodies(await mailbox.peek(BOB))).toEqual(["chatter"]);
  });

  it("resolves null on timeout and on abort, consuming nothing", async () => {
    const { mailbox, send } = setup();
    await send(CAROL, BOB, "not it");
    expect(await mailbox.waitFor(BOB, () => false, { timeoutMs: 30 })).toBeNull();
    const controller = new AbortController();
    const waiting = mailbox.waitFor(BOB, () => false, { timeoutMs: 10_000, signal: controller.signal });
    controller.abort();
    expect(await waiting).toBeNull();
    expect(bodies(await mailbox.peek(BOB))).toEqual(["not it"]);
  });
});
