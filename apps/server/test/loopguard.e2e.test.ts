// SPEC §10 through the real built server: the ask-cycle refusal across three servers, the rate budget
// and its reset by a human turn (the real hook program), durable asks (a retry resumes the same
// question after the asker's server restarted), and a late reply waking the asker that gave up.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { WAKE_LINE } from "@oxtail/core";
import type { PendingAsk } from "@oxtail/core/runtime";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { onEachTransport, until, World } from "./harness.ts";

const A = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa";
const B = "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb";
const C = "cccccccc-cccc-4ccc-8ccc-cccccccccccc";
const HOOK_BIN = path.resolve(import.meta.dirname, "../../hook/bin/oxtail-hook");

let world: World;

/** The pending-ask records, through the world's transport. */
async function asks(): Promise<PendingAsk[]> {
  return (await world.shared()).asks.list();
}

/** Claude Code's UserPromptSubmit through the real hook program, as `oxtail setup` installs it. */
function promptSubmitted(session: string, cwd: string, prompt: string): void {
  const run = spawnSync(HOOK_BIN, ["claude", "UserPromptSubmit", "record", "CLAUDE_CODE_SESSION_ID"], {
    input: JSON.stringify({ session_id: session, cwd, hook_event_name: "UserPromptSubmit", prompt }),
    env: {
      PATH: process.env.PATH ?? "",
      OXTAIL_HOME: world.home,
      ...world.transportEnv,
      CLAUDE_CODE_SESSION_ID: session,
      HOME: cwd,
    },
    encoding: "utf8",
  });
  expect(run.status, run.stderr).toBe(0);
}

// Every test on both transports (SPEC §12), bar the few that check the data directory itself.
onEachTransport((transport) => {
  beforeEach(async () => {
    world = await World.create(transport);
  });
  afterEach(async () => {
    await world.dispose();
  });

  describe("loop guard", () => {
    it("refuses an ask that closes a cycle of waiting asks, with the chain, across three servers", async () => {
      const root = world.project();
      const a = await world.agent({ cwd: root, pane: world.tmux.session("alpha", root), claudeSession: A });
      const b = await world.agent({ cwd: root, pane: world.tmux.session("beta", root), claudeSession: B });
      const c = await world.agent({ cwd: root, pane: world.tmux.session("gamma", root), claudeSession: C });
      const aWaits = a.call("ask_peer", { target: "beta", body: "A asks B", timeout_ms: 60_000 });
      await until("A's ask recorded", async () => (await asks()).some((x) => x.asker.mailbox === A));
      const bWaits = b.call("ask_peer", { target: "gamma", body: "B asks C", timeout_ms: 60_000 });
      await until("B's ask recorded", async () => (await asks()).some((x) => x.asker.mailbox === B));
      const refused = await c.call("ask_peer", { target: "alpha", body: "C asks A" });
      expect(refused).toMatchObject({ ok: false, error: "ask-cycle" });
      const chain = (refused.data as { chain: { session_id: string; display_name: string }[] }).chain;
      expect(chain.map((l) => l.session_id)).toEqual([C, A, B, C]);
      expect(chain.map((l) => l.display_name)).toEqual([
        "claude (gamma)",
        "claude (alpha)",
        "claude (beta)",
        "claude (gamma)",
      ]);
      // Nothing was sent: A's mailbox holds no question from C.
      expect((await a.call("read_my_messages")).messages).toEqual([]);
      // A send (no waiting) still goes: C answers B's question, which ends B's wait, so C may ask A now.
      const bQuestion = (await asks()).find((x) => x.asker.mailbox === B)?.question_id;
      await c.call("send_message", { target: "beta", body: "C answers", reply_to: bQuestion });
      const bGot = await bWaits;
      expect(bGot).toMatchObject({ timed_out: false, reply: { body: "C answers" } });
      // An agent's reply carries no origin (agent is the default), and the answer says how to take it.
      expect((bGot.reply as { origin?: string }).origin).toBeUndefined();
      expect(bGot.note).toMatch(/information, not the user's instructions/);
      const allowed = c.call("ask_peer", { target: "alpha", body: "C asks A", timeout_ms: 1000 });
      expect(await allowed).toMatchObject({ ok: true, timed_out: true });
      await b.call("send_message", { target: "alpha", body: "B answers A" });
      expect(await aWaits).toMatchObject({ reply: { body: "B answers A" } });
    });

    it("refuses messages over the pair's budget with retry_after_ms; a human turn refills it, a wake line does not", async () => {
      const root = world.project();
      const env = { OXTAIL_RATE_PAIR_BURST: "3", OXTAIL_RATE_PAIR_PER_HOUR: "1" };
      const a = await world.agent({
        cwd: root,
        pane: world.tmux.session("alpha", root),
        claudeSession: A,
        env,
      });
      const b = await world.agent({
        cwd: root,
        pane: world.tmux.session("beta", root),
        claudeSession: B,
        env,
      });
      await a.call("send_message", { target: "beta", body: "1" });
      await b.call("send_message", { target: "alpha", body: "2" });
      await a.call("send_message", { target: "beta", body: "3" });
      const refused = await b.call("send_message", { target: "alpha", body: "4" });
      expect(refused).toMatchObject({ ok: false, error: "rate-limited", data: { scope: "pair" } });
      expect((refused.data as { retry_after_ms: number }).retry_after_ms).toBeGreaterThan(0);
      // An ask counts too.
      expect(await b.call("ask_peer", { target: "alpha", body: "q", timeout_ms: 500 })).toMatchObject({
        error: "rate-limited",
      });
      // oxtail's own wake line submitted as a prompt is no human turn.
      promptSubmitted(B, root, WAKE_LINE);
      expect(await b.call("send_message", { target: "alpha", body: "4" })).toMatchObject({
        error: "rate-limited",
      });
      // The user types at alpha: the pair starts again.
      promptSubmitted(A, root, "carry on with the refactor");
      expect(await b.call("send_message", { target: "alpha", body: "4" })).toMatchObject({ ok: true });
    });
  });

  describe("durable asks", () => {
    it("a retry with the same idempotency key after the asker's server restarted waits for the same question", async () => {
      const root = world.project();
      const b = await world.agent({ cwd: root, pane: world.tmux.session("beta", root), claudeSession: B });
      const first = await world.agent({
        cwd: root,
        pane: world.tmux.session("alpha", root),
        claudeSession: A,
      });
      const asked = await first.call("ask_peer", {
        target: "beta",
        body: "the question",
        idempotency_key: "q-1",
        timeout_ms: 800,
      });
      expect(asked).toMatchObject({ ok: true, timed_out: true });
      const questionId = asked.question_id as string;
      expect(await asks()).toMatchObject([{ question_id: questionId, status: "timed-out" }]);
      await first.close();
      const again = await world.agent({
        cwd: root,
        pane: world.tmux.session("alpha2", root),
        claudeSession: A,
      });
      const resumed = again.call("ask_peer", {
        target: "beta",
        body: "the question",
        idempotency_key: "q-1",
        timeout_ms: 60_000,
      });
      await until("the ask waiting again", async () => (await asks()).some((x) => x.status === "waiting"));
      // Beta received the question once.
      const inbox = (await b.call("read_my_messages")).messages as { id: string; body: string }[];
      expect(inbox.map((m) => [m.id, m.body])).toEqual([[questionId, "the question"]]);
      await b.call("send_message", { target: A, body: "the answer", reply_to: questionId });
      expect(await resumed).toMatchObject({
        replayed: true,
        question_id: questionId,
        timed_out: false,
        reply: { body: "the answer", re: questionId },
      });
      expect(await asks()).toEqual([]);
    });

    it("a reply after the ask timed out reaches the asker's mailbox and wakes it (the replier's server does)", async () => {
      const root = world.project();
      const typed = path.join(root, "typed.txt");
      const a = await world.agentInPane({
        session: "alpha",
        cwd: root,
        claudeSession: A,
        command: `while IFS= read -r line; do printf "%s\\n" "$line" >> ${typed}; done`,
      });
      const b = await world.agent({ cwd: root, claudeSession: B });
      const asked = await a.call("ask_peer", { target: B, body: "slow question", timeout_ms: 300 });
      expect(asked).toMatchObject({ timed_out: true });
      const questionId = asked.question_id as string;
      await b.call("send_message", { target: A, body: "late answer", reply_to: questionId });
      const lines = await until("the wake line typed into alpha's pane", () => {
        const text = fs.existsSync(typed) ? fs.readFileSync(typed, "utf8") : "";
        return text.includes(WAKE_LINE) && text;
      });
      expect(lines).not.toContain("late answer");
      expect(await asks()).toMatchObject([{ question_id: questionId, status: "answered" }]);
      const read = (await a.call("read_my_messages")).messages as { body: string; re: string }[];
      expect(read).toMatchObject([{ body: "late answer", re: questionId }]);
    });
  });
});
