// Receipts, delivery outlooks and broadcast (SPEC §10) through the real built server, driven by the
// SDK's Client over stdio, with the real hook program run as a client runs it.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DELIVERY_HOLD_MS } from "../src/delivery.ts";
import { onEachTransport, type TestAgent, until, World } from "./harness.ts";

const A = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa";
const B = "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb";
const C = "cccccccc-cccc-4ccc-8ccc-cccccccccccc";
const HOOK_BIN = path.resolve(import.meta.dirname, "../../hook/bin/oxtail-hook");

let world: World;

type Receipt = {
  id: string;
  state: string;
  delivered?: { at: string; via?: string };
  replied?: { at: string; reply_id: string };
  expired?: { at: string; reason: string };
};

/** Agents of one project; HOME and Claude's folder are private to the test (no user config is read). */
async function agents<N extends string>(
  names: Record<N, string>,
  root = world.project(),
): Promise<Record<N, TestAgent> & { root: string; claudeDir: string }> {
  const claudeDir = world.project("claude");
  const out = {} as Record<N, TestAgent>;
  for (const [name, session] of Object.entries(names) as [N, string][])
    out[name] = await world.agent({
      cwd: root,
      pane: world.tmux.session(name, root),
      claudeSession: session,
      claudeDir,
      env: { HOME: claudeDir },
    });
  return { ...out, root, claudeDir };
}

async function status(agent: TestAgent, id: string): Promise<Receipt> {
  const result = await agent.call("message_status", { id });
  expect(result, JSON.stringify(result)).toMatchObject({ ok: true });
  return (result.receipts as Receipt[])[0] as Receipt;
}

/** Run the real hook program for `event` of Claude Code's session `session`, as the client would. */
function hook(event: string, session: string, cwd: string) {
  const mode = event === "UserPromptSubmit" || event === "SessionStart" ? "record" : "deliver";
  const result = spawnSync(HOOK_BIN, ["claude", event, mode, "CLAUDE_CODE_SESSION_ID"], {
    cwd,
    input: `${JSON.stringify({ session_id: session, hook_event_name: event, cwd, transcript_path: null })}\n`,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: cwd,
      OXTAIL_HOME: world.home,
      ...world.transportEnv,
      CLAUDE_CODE_SESSION_ID: session,
    },
    encoding: "utf8",
  });
  expect(result.status).toBe(0);
  return result.stdout;
}

// Every test on both transports (SPEC §12), bar the few that check the data directory itself.
onEachTransport((transport) => {
  beforeEach(async () => {
    world = await World.create(transport);
  });
  afterEach(async () => {
    await world.dispose();
  });

  describe("receipts", () => {
    it("follow a message from queued to delivered by read_my_messages to replied, with timestamps", async () => {
      const { alpha: a, beta: b } = await agents({ alpha: A, beta: B });
      const sent = await a.call("send_message", { target: "beta", body: "status please" });
      const id = sent.message_id as string;
      const queued = await status(a, id);
      expect(queued).toMatchObject({ id, state: "queued" });
      // What did not happen yet is absent, not null.
      expect(Object.keys(queued).filter((k) => ["delivered", "replied", "expired"].includes(k))).toEqual([]);
      await b.call("read_my_messages");
      // Delivered once the answer reached the client (the ledger's hold), not when it was claimed.
      const delivered = await until("the delivered receipt", async () => {
        const r = await status(a, id);
        return r.state === "delivered" && r;
      });
      expect(delivered.delivered?.via).toBe("read_my_messages");
      const reply = await b.call("send_message", { target: A, body: "done", reply_to: id });
      const replied = await status(a, id);
      expect(replied).toMatchObject({
        state: "replied",
        delivered: { via: "read_my_messages" },
        replied: { reply_id: reply.message_id },
      });
      expect(Date.parse(replied.replied?.at ?? "")).toBeGreaterThanOrEqual(
        Date.parse(replied.delivered?.at ?? ""),
      );
    });

    // On NATS the hook program reads the session's mail from NATS, as its environment says.
    it("record each hook event's path: mid-turn, Stop, next prompt", async () => {
      const { alpha: a, root } = await agents({ alpha: A, beta: B });
      const expectations = [
        ["PreToolUse", "hook-mid-turn"],
        ["Stop", "hook-stop"],
        ["UserPromptSubmit", "hook-prompt"],
      ] as const;
      for (const [event, via] of expectations) {
        const sent = await a.call("send_message", { target: "beta", body: `via ${event}` });
        if (world.transport === "nats") await world.arrivalHinted(B);
        expect(hook(event, B, root)).toContain(`via ${event}`);
        expect(await status(a, sent.message_id as string), event).toMatchObject({
          state: "delivered",
          delivered: { via },
        });
      }
    });

    it("record an ask's reply as delivered by ask-reply, and the question as replied", async () => {
      const { alpha: a, beta: b } = await agents({ alpha: A, beta: B });
      const asking = a.call("ask_peer", { target: "beta", body: "6 × 7?", timeout_ms: 30_000 });
      const question = await until(
        "the question",
        async () => ((await b.call("read_my_messages")).messages as { id: string }[])[0],
      );
      const reply = await b.call("send_message", { target: A, body: "42", reply_to: question.id });
      const asked = await asking;
      expect(asked).toMatchObject({ ok: true, timed_out: false, question_id: question.id });
      expect(asked.delivery_outlook).toMatchObject({ path: expect.any(String), hooks: "not-set-up" });
      await new Promise((r) => setTimeout(r, DELIVERY_HOLD_MS + 300));
      expect(await status(b, reply.message_id as string)).toMatchObject({
        state: "delivered",
        delivered: { via: "ask-reply" },
      });
      expect(await status(a, question.id)).toMatchObject({
        state: "replied",
        delivered: { via: "read_my_messages" },
        replied: { reply_id: reply.message_id },
      });
    });

    it("are seen only from the sender's project: out-of-scope elsewhere, not-found for unknown ids", async () => {
      const { alpha: a } = await agents({ alpha: A, beta: B });
      const { gamma: other } = await agents({ gamma: C }, world.project("other"));
      const id = (await a.call("send_message", { target: "beta", body: "private" })).message_id as string;
      expect(await other.call("message_status", { id })).toMatchObject({ ok: false, error: "out-of-scope" });
      const unknown = "00000000abcd-00000000-00000000";
      expect(await a.call("message_status", { id: unknown })).toMatchObject({
        ok: false,
        error: "not-found",
      });
      const many = await a.call("message_status", { ids: [id, unknown, "nonsense"] });
      expect((many.receipts as Record<string, unknown>[]).map((r) => r.state ?? r.error)).toEqual([
        "queued",
        "not-found",
        "invalid-input",
      ]);
      expect(await a.call("message_status", {})).toMatchObject({ ok: false, error: "invalid-input" });
    });

    it("expire mail left for a server that ended before it knew its session id", async () => {
      const root = world.project();
      const a = await world.agent({ cwd: root, claudeSession: A, env: { HOME: root } });
      // A Claude Code whose session id nothing reveals: its mail goes to its server instance's mailbox.
      const anonymous = await world.agent({
        cwd: root,
        pane: world.tmux.session("anon", root),
        clientName: "claude-code",
        env: { HOME: root, CLAUDE_CONFIG_DIR: world.project("empty-claude") },
      });
      const sent = await a.call("send_message", { target: "anon", body: "anyone?" });
      expect(sent).toMatchObject({ delivery_outlook: { path: "read_my_messages-only" } });
      expect(sent).not.toHaveProperty("to_session_id");
      expect((await status(a, sent.message_id as string)).state).toBe("queued");
      await anonymous.close();
      const expired = await until("the expiry", async () => {
        const r = await status(a, sent.message_id as string);
        return r.state === "expired" && r;
      });
      expect(expired.expired?.reason).toBe("recipient-gone");
    });
  });

  describe("delivery_outlook", () => {
    it("says read_my_messages-only with no hooks set up, and next-prompt once the peer's hooks have run", async () => {
      const { alpha: a, root } = await agents({ alpha: A, beta: B });
      const before = await a.call("send_message", { target: "beta", body: "one" });
      expect(before.delivery_outlook).toMatchObject({
        path: "read_my_messages-only",
        hooks: "not-set-up",
      });
      // Absent, not null: no wake would run. The reason names the fix.
      expect(before.delivery_outlook).not.toHaveProperty("wake_strategy");
      const fix = String((before.delivery_outlook as { reason: string }).reason);
      expect(fix).toContain("Fix: oxtail setup --claude");
      // The peer's client runs oxtail's hook: its SessionStart leaves the session's identity drop.
      hook("SessionStart", B, root);
      const after = await a.call("send_message", { target: "beta", body: "two" });
      const reason = String((after.delivery_outlook as { reason: string }).reason);
      expect(reason).not.toContain("Fix:");
      expect(after.delivery_outlook).toMatchObject({ path: "next-prompt", hooks: "active" });
    });
  });

  describe("broadcast", () => {
    it('sends one copy per peer to "*", self excluded, each with its own id, receipt and outlook', async () => {
      const { alpha: a, beta: b, gamma: c } = await agents({ alpha: A, beta: B, gamma: C });
      const sent = await a.call("send_message", { target: "*", body: "all hands" });
      const messages = sent.messages as { target: string; message_id: string; to_session_id?: string }[];
      // For "*" each target is the peer's session id, so it is not repeated as to_session_id.
      expect(messages.map((m) => m.target).sort()).toEqual([B, C]);
      expect(messages.some((m) => "to_session_id" in m)).toBe(false);
      expect(new Set(messages.map((m) => m.message_id)).size).toBe(2);
      for (const m of messages) expect(m).toMatchObject({ delivery_outlook: { path: expect.any(String) } });
      for (const peer of [b, c])
        expect(
          ((await peer.call("read_my_messages")).messages as { body: string }[]).map((m) => m.body),
        ).toEqual(["all hands"]);
      expect((await a.call("read_my_messages")).messages).toEqual([]);
      const receipts = await a.call("message_status", { ids: messages.map((m) => m.message_id) });
      expect((receipts.receipts as Receipt[]).map((r) => r.id)).toEqual(messages.map((m) => m.message_id));
    });

    it("sends to a list, counting a peer named twice once; validates every target before sending anything", async () => {
      const { alpha: a, beta: b, gamma: c } = await agents({ alpha: A, beta: B, gamma: C });
      const sent = await a.call("send_message", { target: ["beta", B, "gamma"], body: "listed" });
      expect((sent.messages as { target: string }[]).map((m) => m.target)).toEqual(["beta", "gamma"]);
      for (const peer of [b, c]) expect((await peer.call("read_my_messages")).messages).toHaveLength(1);
      const refused = await a.call("send_message", { target: ["beta", "nobody"], body: "never" });
      expect(refused).toMatchObject({ ok: false, error: "not-found", data: { target: "nobody" } });
      expect(await a.call("send_message", { target: ["beta", "alpha"], body: "never" })).toMatchObject({
        ok: false,
        error: "no-self-message",
      });
      expect((await b.call("read_my_messages")).messages).toEqual([]);
    });

    it('refuses "*" with no peer, and ask_peer with a list or "*"', async () => {
      const root = world.project();
      const a = await world.agent({ cwd: root, claudeSession: A, env: { HOME: root } });
      expect(await a.call("send_message", { target: "*", body: "alone" })).toMatchObject({
        ok: false,
        error: "not-found",
      });
      for (const target of ["*", ["x", "y"]]) {
        const result = await a.call("ask_peer", { target, body: "q" });
        expect(result).toMatchObject({ ok: false, error: "invalid-input" });
        expect(String(result.message)).toContain("ask_peer asks exactly one peer");
      }
    });
  });
});
