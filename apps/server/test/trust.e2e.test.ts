// SPEC §9 through the real built server: bounded requests, the contract's error shape, nothing lost
// on the way to the model, identity that cannot be taken, retries that never duplicate.
import { randomUUID } from "node:crypto";
import { hasUnsafeChars } from "@oxtail/core";
import {
  createFsMailboxStore,
  createMailbox,
  type Mailbox,
  type MailboxKey,
  sessionMailboxKey,
} from "@oxtail/core/runtime";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DELIVERY_HOLD_MS } from "../src/delivery.ts";
import { onEachTransport, until, World } from "./harness.ts";

const A = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa";
const B = "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb";

let world: World;
beforeEach(() => {
  world = new World();
});
afterEach(async () => {
  await world.dispose();
});

type Msg = { id: string; body: string };

/** Fill a mailbox directly through core (fast), as `count` messages from a peer. */
async function fill(mailbox: Mailbox, to: MailboxKey, count: number, body: (i: number) => string) {
  const from = { session_id: A, instance_id: "1-1", client_type: "claude", display_name: "peer" };
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const m = await mailbox.send({
      from,
      fromMailbox: sessionMailboxKey(A),
      to,
      toSessionId: null,
      body: body(i),
    });
    ids.push(m.id);
  }
  return ids;
}

function coreMailbox(): Mailbox {
  return createMailbox({ store: createFsMailboxStore({ home: world.home }) });
}

/** Read every message through read_my_messages until none remain; the ids, in order. */
async function readAll(call: (args: Record<string, unknown>) => Promise<Record<string, unknown>>) {
  const seen: string[] = [];
  for (;;) {
    const out = await call({ max_messages: 500, max_bytes: 1024 * 1024 });
    const messages = out.messages as Msg[];
    seen.push(...messages.map((m) => m.id));
    if ((out.remaining as number) === 0 && messages.length === 0) return seen;
  }
}

describe("bounded requests", () => {
  it("answers a request too large to read with body-too-large and keeps serving", async () => {
    const root = world.project();
    const raw = world.raw({ cwd: root, claudeSession: B });
    await raw.initialize();
    for (const size of [2 * 1024 * 1024, 12 * 1024 * 1024]) {
      const body = "x".repeat(size);
      const line = `${JSON.stringify({ jsonrpc: "2.0", id: size, method: "tools/call", params: { name: "send_message", arguments: { target: A, body } } })}\n`;
      const answer = raw.answer(size);
      await raw.write(line);
      const result = (await answer).result as { isError: boolean; content: { text: string }[] };
      expect(result.isError).toBe(true);
      expect(JSON.parse(result.content[0]?.text ?? "{}")).toMatchObject({
        ok: false,
        error: "body-too-large",
      });
    }
    const listed = await raw.request(1, "tools/list");
    expect((listed.result as { tools: unknown[] }).tools.length).toBeGreaterThan(5);
    // Lines that are not JSON, or not JSON-RPC, get a JSON-RPC error; the server still answers.
    await raw.write("this is not json\n");
    const invalid = raw.answer(7);
    await raw.write(`${JSON.stringify({ id: 7, hello: "world" })}\n`);
    expect(((await invalid).error as { code: number }).code).toBe(-32600);
    expect((await raw.request(2, "tools/list")).result).toBeTruthy();
    expect(await raw.close()).toBe(0);
  });

  it("malformed arguments are invalid-input results in the contract's shape, never protocol errors", async () => {
    const root = world.project();
    const a = await world.agent({ cwd: root, claudeSession: A });
    const cases: [string, Record<string, unknown>, string][] = [
      ["send_message", { target: 42, body: "x" }, "invalid-input"],
      ["send_message", { body: "no target" }, "invalid-input"],
      ["send_message", { target: B, body: "" }, "invalid-input"],
      ["send_message", { target: B, body: "é".repeat(5000) }, "body-too-large"],
      ["ask_peer", { target: B, body: "x".repeat(9000) }, "body-too-large"],
      ["ask_peer", { target: B, body: "x", timeout_ms: -5 }, "invalid-input"],
      ["read_session", { name: B, limit: 100000 }, "invalid-input"],
      ["read_session", { name: B, mode: "shell" }, "invalid-input"],
      ["set_my_state", { purpose: "p".repeat(201) }, "invalid-state"],
      ["claim_session", { session_id: "x".repeat(500) }, "invalid-session-id"],
      ["register_my_session", { session_id: B, client_type: "\u001b]0;owned\u0007" }, "invalid-input"],
      ["register_my_session", { session_id: B, client_type: "Not A Type" }, "invalid-input"],
      ["read_my_messages", { max_messages: 0 }, "invalid-input"],
      ["read_my_messages", { max_bytes: 10 * 1024 * 1024 * 1024 }, "invalid-input"],
      ["no_such_tool", {}, "invalid-input"],
    ];
    for (const [tool, args, code] of cases) {
      const out = await a.call(tool, args);
      expect(out, `${tool} ${JSON.stringify(args).slice(0, 60)}`).toMatchObject({ ok: false, error: code });
      expect(typeof out.message).toBe("string");
    }
    expect(await a.call("get_my_session")).toMatchObject({ ok: true });
  });
});

describe("nothing lost on the way to the model", () => {
  it("answers are budgeted and say how many remain; 1 500 × 8 KiB waiting is read in bounded answers, all of it", async () => {
    const root = world.project();
    const b = await world.agent({ cwd: root, claudeSession: B });
    const ids = await fill(coreMailbox(), sessionMailboxKey(B), 1500, (i) => `${i} ${"y".repeat(8000)}`);
    const first = await b.call("read_my_messages");
    const got = (first.messages as Msg[]).length;
    expect(got).toBeGreaterThan(0);
    expect(JSON.stringify(first).length).toBeLessThan(1024 * 1024);
    expect(first.remaining).toBe(1500 - got);
    const rest = await readAll((args) => b.call("read_my_messages", args));
    expect([...(first.messages as Msg[]).map((m) => m.id), ...rest]).toEqual(ids);
  });

  it("a client abort loses nothing: the aborted answer's messages come back", async () => {
    const root = world.project();
    const b = await world.agent({ cwd: root, claudeSession: B });
    const ids = await fill(coreMailbox(), sessionMailboxKey(B), 1000, (i) => `m${i}`);
    const controller = new AbortController();
    const aborted = b.client
      .callTool({ name: "read_my_messages", arguments: { max_messages: 500 } }, undefined, {
        signal: controller.signal,
      })
      .catch((error: Error) => error);
    controller.abort();
    expect(await aborted).toBeInstanceOf(Error);
    await new Promise((r) => setTimeout(r, DELIVERY_HOLD_MS + 300));
    const seen = await readAll((args) => b.call("read_my_messages", args));
    expect(new Set(seen)).toEqual(new Set(ids));
  });

  it("a cancel after the answer was read (a client aborting a finished turn's calls) brings the mail back marked, except what the model replied to", async () => {
    const root = world.project();
    const a = await world.agent({ cwd: root, claudeSession: A });
    const b = await world.agent({ cwd: root, claudeSession: B });
    await a.call("send_message", { target: B, body: "question" });
    await a.call("send_message", { target: B, body: "fyi" });
    // The SDK's client sends notifications/cancelled when the call's signal aborts, even after the
    // answer came (as OpenCode does for every call of a turn when the turn ends).
    const controller = new AbortController();
    const read = (
      await b.client.callTool({ name: "read_my_messages", arguments: {} }, undefined, {
        signal: controller.signal,
      })
    ).structuredContent as { messages: Msg[] };
    const [question, fyi] = read.messages;
    expect([question?.body, fyi?.body]).toEqual(["question", "fyi"]);
    // The model answers the question: that proves it read it.
    await b.call("send_message", { target: A, body: "answer", reply_to: question?.id });
    controller.abort();
    await new Promise((r) => setTimeout(r, DELIVERY_HOLD_MS + 300));
    const again = (await b.call("read_my_messages")).messages as (Msg & { redelivered?: boolean })[];
    expect(again.map((m) => [m.body, m.redelivered])).toEqual([["fyi", true]]);
    // The question was delivered by the reply's proof; the fyi by the second read, once its hold passed.
    const states = await until("both receipts", async () => {
      const status = (await a.call("message_status", { ids: [question?.id, fyi?.id] })).receipts as {
        state: string;
        delivered?: { via?: string };
      }[];
      return status.every((r) => r.delivered) && status;
    });
    expect(states.map((r) => r.state)).toEqual(["replied", "delivered"]);
  });

  it("a client timeout on a 20 000-message backlog loses nothing", async () => {
    const root = world.project();
    const b = await world.agent({ cwd: root, claudeSession: B });
    const ids = await fill(coreMailbox(), sessionMailboxKey(B), 20_000, (i) => `m${i}`);
    const timedOut = await b.client
      .callTool({ name: "read_my_messages", arguments: { max_messages: 500 } }, undefined, { timeout: 1 })
      .catch((error: Error) => error);
    expect(timedOut).toBeInstanceOf(Error);
    await new Promise((r) => setTimeout(r, DELIVERY_HOLD_MS + 300));
    const seen = await readAll((args) => b.call("read_my_messages", args));
    expect(seen.length).toBe(ids.length);
    expect(new Set(seen)).toEqual(new Set(ids));
  }, 180_000);

  it("mail sent to the instance mailbox just before a claim is read after it", async () => {
    const root = world.project();
    const b = await world.agent({ cwd: root });
    const record = (await b.call("get_my_session")).record as { instance_id: string };
    await b.call("claim_session", { session_id: B });
    // A peer that resolved the record before the claim addresses the instance mailbox.
    await fill(coreMailbox(), `instance-${record.instance_id}` as MailboxKey, 2, (i) => `late ${i}`);
    const out = await b.call("read_my_messages");
    expect((out.messages as Msg[]).map((m) => m.body)).toEqual(["late 0", "late 1"]);
  });
});

describe("identity cannot be taken", () => {
  it("claim_session of a live peer's session id is session-id-in-use; the peer keeps its row and its mail", async () => {
    const root = world.project();
    const a = await world.agent({ cwd: root, claudeSession: A });
    const b = await world.agent({ cwd: root, claudeSession: B });
    const impostor = await world.agent({ cwd: root });
    await a.call("send_message", { target: B, body: "for B only" });
    for (const tool of ["claim_session", "register_my_session"]) {
      expect(await impostor.call(tool, { session_id: B })).toMatchObject({
        ok: false,
        error: "session-id-in-use",
      });
    }
    expect(((await b.call("read_my_messages")).messages as Msg[]).map((m) => m.body)).toEqual(["for B only"]);
    // Its own fresh id is fine, and so is the id its own detection found.
    const mine = randomUUID();
    expect(await impostor.call("claim_session", { session_id: mine })).toMatchObject({ ok: true });
    expect(await b.call("claim_session", { session_id: B })).toMatchObject({ ok: true });
  });

  it("peer-supplied names reach recipients without control characters", async () => {
    const root = world.project();
    const hostile = "evil\u001b[2J\u001b]0;pwned\u0007\u202ename";
    world.tmux.session(hostile, root);
    // tmux cannot target such a name: take the pane id from the list.
    const pane = world.tmux.run(["list-panes", "-a", "-F", "#{pane_id}"]).trim();
    const a = await world.agent({ cwd: root, claudeSession: A, pane });
    const b = await world.agent({ cwd: root, claudeSession: B });
    await until("the sender's pane to be known", async () => {
      const self = (await a.call("get_my_session")).record as { tmux: { session: string | null } | null };
      return self.tmux?.session;
    });
    await a.call("send_message", { target: B, body: "hi" });
    const [m] = (await b.call("read_my_messages")).messages as { from: string }[];
    expect(m?.from).toBe(A.slice(0, 8));
    // The name shows in the list: tmux itself shows C0 controls as text (\033); oxtail removes the
    // rest (the bidi override).
    const rows = (await b.call("list_project_sessions")).rows as { id?: string; name?: string }[];
    const name = rows.find((r) => r.id === A.slice(0, 8))?.name;
    expect(name).toMatch(/^evil.*name$/);
    expect(hasUnsafeChars(name ?? "\u0000")).toBe(false);
  });

  it("read_session on yourself reads your own pane (it is not a message to yourself)", async () => {
    const root = world.project();
    const pane = world.tmux.session("me", root, "sh -c 'echo self-visible; sleep 3600'");
    const a = await world.agent({ cwd: root, claudeSession: A, pane });
    await until("the pane to show its text", () =>
      world.tmux.run(["capture-pane", "-p", "-t", pane]).includes("self-visible"),
    );
    const out = await a.call("read_session", { name: A, mode: "pane" });
    expect(out).toMatchObject({ ok: true, mode: "pane", id: A.slice(0, 8) });
    expect(out.pane_text).toContain("self-visible");
    expect(await a.call("send_message", { target: A, body: "x" })).toMatchObject({
      ok: false,
      error: "no-self-message",
    });
  });

  it("a failed state write keeps the old card: peers and get_my_session agree", async () => {
    const root = world.project();
    const a = await world.agent({ cwd: root, claudeSession: A });
    const b = await world.agent({ cwd: root, claudeSession: B });
    await a.call("set_my_state", { purpose: "first" });
    // Make the registry unwritable for a moment: its folder replaced by a file.
    const fs = await import("node:fs");
    const path = await import("node:path");
    const sessions = path.join(world.home, "sessions");
    fs.renameSync(sessions, `${sessions}.moved`);
    fs.writeFileSync(sessions, "not a folder");
    expect(await a.call("set_my_state", { purpose: "second" })).toMatchObject({ ok: false });
    fs.rmSync(sessions);
    fs.renameSync(`${sessions}.moved`, sessions);
    const mine = (await a.call("get_my_session")).record as { state: { purpose: string } };
    expect(mine.state.purpose).toBe("first");
    const rows = (await b.call("list_project_sessions")).rows as { id: string; card: string }[];
    expect(rows.find((r) => r.id === A.slice(0, 8))?.card).toBe("first");
  });
});

// Retries on both transports (SPEC §12); the tests above fill mailboxes and move folders of the data directory.
onEachTransport((transport) => {
  beforeEach(async () => {
    await world.dispose();
    world = await World.create(transport);
  });

  describe("delivered means delivered", () => {
    it("send_message with an idempotency_key sends once, however often it is retried", async () => {
      const root = world.project();
      const a = await world.agent({ cwd: root, claudeSession: A });
      const b = await world.agent({ cwd: root, claudeSession: B });
      const first = await a.call("send_message", { target: B, body: "once", idempotency_key: "k-1" });
      const again = await a.call("send_message", { target: B, body: "once", idempotency_key: "k-1" });
      expect(again).toMatchObject({ ok: true, message_id: first.message_id, replayed: true });
      const other = await a.call("send_message", { target: B, body: "twice", idempotency_key: "k-2" });
      expect(other.message_id).not.toBe(first.message_id);
      const bodies = ((await b.call("read_my_messages")).messages as Msg[]).map((m) => m.body);
      expect(bodies).toEqual(["once", "twice"]);
    });

    it("ask_peer with an idempotency_key asks once; a retry waits again for that question's reply", async () => {
      const root = world.project();
      const a = await world.agent({ cwd: root, claudeSession: A });
      const b = await world.agent({ cwd: root, claudeSession: B });
      const first = await a.call("ask_peer", {
        target: B,
        body: "still there?",
        timeout_ms: 300,
        idempotency_key: "q1",
      });
      expect(first).toMatchObject({ ok: true, timed_out: true });
      const [question] = (await b.call("read_my_messages")).messages as Msg[];
      expect(question?.id).toBe(first.question_id);
      await b.call("send_message", { target: A, body: "yes", reply_to: question?.id });
      const retry = await a.call("ask_peer", {
        target: B,
        body: "still there?",
        timeout_ms: 5000,
        idempotency_key: "q1",
      });
      expect(retry).toMatchObject({
        ok: true,
        replayed: true,
        question_id: first.question_id,
        timed_out: false,
      });
      expect((retry.reply as Msg).body).toBe("yes");
      expect((await b.call("read_my_messages")).messages).toEqual([]);
    });
  });
});
