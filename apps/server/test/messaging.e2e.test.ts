import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { processInfo, readSleeper, WAKE_LINE } from "@oxtail/core";
import { createMailbox, sessionMailboxKey } from "@oxtail/core/runtime";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DELIVERY_HOLD_MS } from "../src/delivery.ts";
import { onEachTransport, recordLines, type TestAgent, typedLines, until, World } from "./harness.ts";

/** Claude Code's folder name for a project: the cwd with every character not a letter or digit as `-`. */
const projectKey = (cwd: string) => cwd.replace(/[^A-Za-z0-9]/g, "-");

const A = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa";
const B = "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb";
const HOOK_BIN = path.resolve(import.meta.dirname, "../../hook/bin/oxtail-hook");
const SLEEPER_BIN = path.resolve(
  import.meta.dirname,
  "../../../libs/client-claude/bin/oxtail-claude-sleeper",
);

let world: World;

async function pair(): Promise<{ a: TestAgent; b: TestAgent; root: string }> {
  const root = world.project();
  const a = await world.agent({ cwd: root, pane: world.tmux.session("alpha", root), claudeSession: A });
  const b = await world.agent({ cwd: root, pane: world.tmux.session("beta", root), claudeSession: B });
  return { a, b, root };
}

/**
 * A program merely named like a client: a link to sh called claude-sim. oxtail types only into a
 * pane whose process tree holds the peer's own oxtail server or client process; a name is no proof.
 */
function simulatedClient(dir: string): string {
  const client = path.join(dir, "claude-sim");
  if (!fs.existsSync(client)) fs.symlinkSync("/bin/sh", client);
  return client;
}

/** The text typed into a pane so far, once a whole line is there. */
type Msg = { id: string; body: string; re?: string; from: string; age: string };

// Every test on both transports (SPEC §12), bar the few that check the data directory itself.
onEachTransport((transport) => {
  beforeEach(async () => {
    world = await World.create(transport);
  });
  afterEach(async () => {
    await world.dispose();
  });

  describe("send_message / read_my_messages", () => {
    it("delivers in order with the sender's identity, consuming on read", async () => {
      const { a, b } = await pair();
      const first = await a.call("send_message", { target: "beta", body: "one" });
      expect(first).toMatchObject({ ok: true, to_session_id: B });
      await a.call("send_message", { target: B, body: "two", reply_to: first.message_id as string });
      const read = (await b.call("read_my_messages")).messages as Msg[];
      expect(read.map((m) => m.body)).toEqual(["one", "two"]);
      // The sender as a target the reader can answer (its short session id), the answered id, the age.
      expect(read[0]).toEqual({
        id: first.message_id,
        from: A.slice(0, 8),
        body: "one",
        age: expect.stringMatching(/^\d+s$/),
      });
      expect(read[1]?.re).toBe(first.message_id);
      expect(
        await b.call("send_message", { target: read[0]?.from as string, body: "ack", reply_to: read[0]?.id }),
      ).toMatchObject({ ok: true, to_session_id: A });
      expect((await b.call("read_my_messages")).messages).toEqual([]);
    });

    it("refuses what it should, with SPEC's codes, and stores nothing", async () => {
      const { a, b } = await pair();
      expect(await a.call("send_message", { target: "beta", body: "x".repeat(9 * 1024) })).toMatchObject({
        ok: false,
        error: "body-too-large",
      });
      expect(await a.call("send_message", { target: A, body: "me" })).toMatchObject({
        ok: false,
        error: "no-self-message",
      });
      expect(await a.call("send_message", { target: "alpha", body: "me" })).toMatchObject({
        ok: false,
        error: "no-self-message",
      });
      expect(await a.call("send_message", { target: "nobody", body: "x" })).toMatchObject({
        ok: false,
        error: "not-found",
      });
      expect(
        await a.call("send_message", { target: "beta", body: "x", reply_to: "not-an-id" }),
      ).toMatchObject({
        ok: false,
        error: "invalid-input",
      });
      expect((await b.call("read_my_messages")).messages).toEqual([]);
    });

    it("keeps message bodies as data: control characters and tmux key names arrive unchanged, and nothing is typed", async () => {
      const { a, b } = await pair();
      const body = "C-c Enter \u001b[2J $(reboot) `id` ; kill %1";
      await a.call("send_message", { target: "beta", body });
      expect(((await b.call("read_my_messages")).messages as Msg[])[0]?.body).toBe(body);
      const pane = await b.call("read_session", { name: "alpha", mode: "pane" });
      expect(String(pane.pane_text)).not.toContain("reboot");
    });
  });

  describe("ask_peer", () => {
    /** Play agent B: wait for a question, answer it (optionally after other chatter). */
    async function answerNextQuestion(
      b: TestAgent,
      answer: (q: Msg) => { body: string; replyTo?: boolean }[],
    ) {
      const question = await until(
        "a question for beta",
        async () => ((await b.call("read_my_messages")).messages as Msg[])[0],
      );
      for (const reply of answer(question)) {
        await b.call("send_message", {
          target: A,
          body: reply.body,
          ...(reply.replyTo ? { reply_to: question.id } : {}),
        });
      }
      return question;
    }

    it("sends, waits and returns the peer's reply; earlier messages from the peer are neither taken nor deleted", async () => {
      const { a, b } = await pair();
      await b.call("send_message", { target: A, body: "stale: sent before the question" });
      const asking = a.call("ask_peer", { target: "beta", body: "What is 6 × 7?", timeout_ms: 30_000 });
      const question = await answerNextQuestion(b, () => [{ body: "42", replyTo: true }]);
      const result = await asking;
      expect(result).toMatchObject({
        ok: true,
        question_id: question.id,
        timed_out: false,
        reply: { body: "42", re: question.id, from: B.slice(0, 8) },
      });
      expect(question.body).toBe("What is 6 × 7?");
      expect(((await a.call("read_my_messages")).messages as Msg[]).map((m) => m.body)).toEqual([
        "stale: sent before the question",
      ]);
      // The returned reply is held a moment (in case a cancel crossed the answer), then acknowledged:
      // it never comes back through read_my_messages.
      await new Promise((r) => setTimeout(r, DELIVERY_HOLD_MS + 500));
      expect((await a.call("read_my_messages")).messages).toEqual([]);
      // On the file system, not even an unacknowledged file is left behind.
      if (transport === "fs")
        expect(fs.readdirSync(path.join(world.home, "mailboxes", A, "cur"))).toEqual([]);
    });

    it("with chatter and the answer arriving together, returns one of them and loses neither", async () => {
      const { a, b } = await pair();
      // (Which one is returned depends on arrival timing; the reply_to preference itself is
      // unit-tested in core's mailbox tests, where both are waiting at once.)
      const asking = a.call("ask_peer", { target: "beta", body: "Which one?", timeout_ms: 30_000 });
      await answerNextQuestion(b, () => [
        { body: "unrelated chatter" },
        { body: "the answer", replyTo: true },
      ]);
      const result = await asking;
      const reply = (result.reply as Msg).body;
      // Either the reply arrived after the chatter was claimed as first message, or both were waiting:
      // in both cases nothing is lost, and the other one is still readable.
      const rest = ((await a.call("read_my_messages")).messages as Msg[]).map((m) => m.body);
      expect([reply, ...rest].sort()).toEqual(["the answer", "unrelated chatter"]);
    });

    it("times out with timed_out: true; the question stays delivered and a late reply arrives normally", async () => {
      const { a, b } = await pair();
      const result = await a.call("ask_peer", { target: "beta", body: "Anyone?", timeout_ms: 300 });
      expect(result).toMatchObject({ ok: true, timed_out: true, reply: null });
      const questions = (await b.call("read_my_messages")).messages as Msg[];
      expect(questions.map((q) => q.id)).toEqual([result.question_id]);
      await b.call("send_message", { target: A, body: "late", reply_to: result.question_id as string });
      expect(((await a.call("read_my_messages")).messages as Msg[]).map((m) => m.body)).toEqual(["late"]);
    });

    it("sends progress notifications while it waits, so clients that time out idle calls keep it alive", async () => {
      const { a } = await pair();
      const progress: number[] = [];
      const result = await a.client.callTool(
        { name: "ask_peer", arguments: { target: "beta", body: "slow?", timeout_ms: 6500 } },
        undefined,
        {
          onprogress: (p) => progress.push(p.progress),
          timeout: 30_000,
        },
      );
      expect((result.structuredContent as { timed_out: boolean }).timed_out).toBe(true);
      expect(progress.length).toBeGreaterThanOrEqual(1);
    });

    it("honours OXTAIL_ASK_PEER_TIMEOUT_MS", async () => {
      const root = world.project();
      const a = await world.agent({
        cwd: root,
        claudeSession: A,
        env: { OXTAIL_ASK_PEER_TIMEOUT_MS: "200" },
      });
      await world.agent({ cwd: root, pane: world.tmux.session("beta", root), claudeSession: B });
      expect(await a.call("ask_peer", { target: "beta", body: "quick?" })).toMatchObject({
        ok: true,
        timed_out: true,
      });
    });

    it("cancellation by the client loses nothing: the reply stays for read_my_messages", async () => {
      const { a, b } = await pair();
      const controller = new AbortController();
      const asking = a.client.callTool(
        { name: "ask_peer", arguments: { target: "beta", body: "cancel me" } },
        undefined,
        { signal: controller.signal },
      );
      const question = await until(
        "the question",
        async () => ((await b.call("read_my_messages")).messages as Msg[])[0],
      );
      controller.abort();
      await expect(asking).rejects.toThrow();
      await b.call("send_message", { target: A, body: "answer after the cancel", reply_to: question.id });
      // The cancelled ask may hold the reply for a moment before it puts it back: it is readable soon, and once.
      const read = await until("the reply to be readable", async () => {
        const messages = (await a.call("read_my_messages")).messages as Msg[];
        return messages.length > 0 ? messages : null;
      });
      expect(read.map((m) => m.body)).toEqual(["answer after the cancel"]);
      expect((await a.call("read_my_messages")).messages).toEqual([]);
    });

    it("a cancel that races the reply loses nothing: each reply is readable once", async () => {
      const { a, b } = await pair();
      const mailbox = createMailbox({ store: (await world.shared()).mailbox });
      const from = { session_id: B, instance_id: "1-1", client_type: "claude", display_name: "beta" };
      for (let i = 0; i < 10; i++) {
        const controller = new AbortController();
        const asking = a.client.callTool(
          { name: "ask_peer", arguments: { target: "beta", body: `race ${i}` } },
          undefined,
          { signal: controller.signal },
        );
        const question = await until(
          "the question",
          async () => ((await b.call("read_my_messages")).messages as Msg[])[0],
        );
        // The reply's file event and the cancel notification reach the server together.
        await mailbox.send({
          from,
          fromMailbox: sessionMailboxKey(B),
          to: sessionMailboxKey(A),
          toSessionId: A,
          body: `reply ${i}`,
          replyTo: question.id,
        });
        controller.abort();
        await expect(asking).rejects.toThrow();
        const read = await until("the reply to be readable", async () => {
          const messages = (await a.call("read_my_messages")).messages as Msg[];
          return messages.length > 0 ? messages : null;
        });
        expect(read.map((m) => m.body)).toEqual([`reply ${i}`]);
      }
    });

    it("wakes an idle peer by typing oxtail's fixed line into its pane, never the question", async () => {
      const root = world.project();
      const a = await world.agent({ cwd: root, claudeSession: A });
      // Beta's server runs in beta's pane, whose foreground program records every line typed into it.
      const typed = path.join(root, "typed.txt");
      const { pane: paneB } = await world.agentInPane({
        session: "beta",
        cwd: root,
        claudeSession: B,
        command: recordLines(typed),
      });
      const result = await a.call("ask_peer", {
        target: "beta",
        body: "SECRET-QUESTION-TEXT",
        timeout_ms: 500,
      });
      expect(result.wake).toMatchObject({ attempted: true, strategy: "tmux", outcome: "unverified" });
      const lines = await until("the typed wake line", () => typedLines(typed));
      expect(lines).toContain(WAKE_LINE);
      expect(lines).not.toContain("SECRET-QUESTION-TEXT");
      const status = await a.call("wake_status", { target: "beta" });
      expect(status).toMatchObject({
        ok: true,
        session_id: B,
        client_type: "claude",
        pane: paneB,
        strategy: "tmux",
        ready: true,
      });
      expect(status.last_wake).toMatchObject({ attempted: true, strategy: "tmux" });
    });

    it("wakes an idle Claude peer through its asyncRewake sleeper when one waits: nothing typed, verified by the turn it starts (on NATS through the arrival hint its server keeps)", async () => {
      const root = world.project();
      const claudeDir = world.project("claude");
      const transcript = path.join(claudeDir, "projects", projectKey(root), `${B}.jsonl`);
      fs.mkdirSync(path.dirname(transcript), { recursive: true });
      // An idle session: its last turn has ended.
      fs.writeFileSync(
        transcript,
        [
          { type: "user", message: { content: "hello" } },
          {
            type: "assistant",
            message: { content: [{ type: "text", text: "hi" }], stop_reason: "end_turn" },
          },
        ]
          .map((e) => `${JSON.stringify(e)}\n`)
          .join(""),
      );
      const a = await world.agent({ cwd: root, claudeSession: A, claudeDir });
      const typed = path.join(root, "typed.txt");
      const paneB = world.tmux.session(
        "beta",
        root,
        `${simulatedClient(root)} -c 'while IFS= read -r line; do printf "%s\n" "$line" >> ${typed}; done'`,
      );
      await world.agent({ cwd: root, pane: paneB, claudeSession: B, claudeDir });
      // Claude Code's own record of beta's client (the pane's process): the sleeper watches it.
      const clientPid = Number(world.tmux.run(["display-message", "-p", "-t", paneB, "#{pane_pid}"]).trim());
      fs.mkdirSync(path.join(claudeDir, "sessions"), { recursive: true });
      fs.writeFileSync(
        path.join(claudeDir, "sessions", `${clientPid}.json`),
        JSON.stringify({ pid: clientPid, sessionId: B, cwd: root, status: "idle", updatedAt: Date.now() }),
      );
      // Beta's sleeper is the real hook program. Standing in for Claude Code: when the hook exits 2,
      // start a turn (the transcript grows) with the hook's stderr as its input.
      const woken = path.join(root, "woken.txt");
      const sleeper = spawn(
        "sh",
        [
          "-c",
          `printf '%s\n' "$PAYLOAD" | "$SLEEPER" "$HOOK" 2> "$WOKEN"; if [ $? -eq 2 ]; then echo '{"type":"user","message":{"content":"task-notification"}}' >> "$TRANSCRIPT"; fi`,
        ],
        {
          env: {
            PATH: process.env.PATH ?? "",
            HOME: root,
            OXTAIL_HOME: world.home,
            ...world.transportEnv,
            CLAUDE_CONFIG_DIR: claudeDir,
            PAYLOAD: JSON.stringify({ session_id: B, hook_event_name: "Stop", cwd: root }),
            HOOK: HOOK_BIN,
            SLEEPER: SLEEPER_BIN,
            WOKEN: woken,
            TRANSCRIPT: transcript,
          },
          stdio: "ignore",
        },
      );
      const exited = new Promise((r) => sleeper.once("exit", r));
      await until("beta's sleeper to wait", () => readSleeper(world.home, B).waiting);
      const status = await a.call("wake_status", { target: "beta" });
      expect(status, JSON.stringify(status)).toMatchObject({ ready: true, strategy: "claude-rewake" });
      // The sleeper's turn must show within ask_peer's deadline: the wake is verified inside it.
      const result = await a.call("ask_peer", { target: "beta", body: "REWAKE-QUESTION", timeout_ms: 3000 });
      await exited;
      expect(result.wake, JSON.stringify(result.wake)).toMatchObject({
        attempted: true,
        strategy: "claude-rewake",
        outcome: "submitted",
      });
      // Foretold at send time, and recorded: the question reached beta as the sleeper's wake notice.
      expect(result.delivery_outlook).toMatchObject({
        path: "wake",
        wake_strategy: "claude-rewake",
        busy: false,
      });
      const receipt = await a.call("message_status", { id: result.question_id as string });
      expect(receipt.receipts).toMatchObject([{ state: "delivered", delivered: { via: "wake-notice" } }]);
      // The question reached beta as the hook's output, not as keys: nothing was typed into its pane.
      expect(fs.readFileSync(woken, "utf8")).toContain("REWAKE-QUESTION");
      expect(fs.existsSync(typed)).toBe(false);
      expect(readSleeper(world.home, B).lastWake?.messages).toEqual([
        (result as { question_id: string }).question_id,
      ]);
    });

    it("with no sleeper waiting, says so and falls back to typing the wake line", async () => {
      const root = world.project();
      const a = await world.agent({ cwd: root, claudeSession: A });
      await world.agentInPane({ session: "beta", cwd: root, claudeSession: B });
      const status = (await a.call("wake_status", { target: "beta" })) as {
        strategy: string;
        reason: string;
      };
      expect(status.strategy).toBe("tmux");
      expect(status.reason).toContain("claude-rewake: no oxtail asyncRewake sleeper waits for this session");
    });

    it("never types into another pane whose process is merely named like the client: pane-unverified, nothing typed", async () => {
      const root = world.project();
      const claudeDir = world.project("claude");
      const a = await world.agent({ cwd: root, claudeSession: A, claudeDir });
      // Another agent's pane, its program named claude-sim; it records what is typed into it.
      const typed = path.join(root, "victim.txt");
      const victim = world.tmux.session(
        "victim",
        root,
        `${simulatedClient(root)} -c '${recordLines(typed)}'`,
      );
      const victimPid = Number(world.tmux.run(["display-message", "-p", "-t", victim, "#{pane_pid}"]).trim());
      await until("the other pane to run claude-sim", () => processInfo(victimPid)?.comm === "claude-sim");
      // Beta's recorded pane is gone by the time it is asked.
      const paneB = world.tmux.session("beta", root);
      await world.agent({ cwd: root, pane: paneB, claudeSession: B, claudeDir });
      world.tmux.run(["kill-session", "-t", "beta"]);
      const result = await a.call("ask_peer", { target: B, body: "are you there?", timeout_ms: 1000 });
      expect(result).toMatchObject({ ok: true, timed_out: true });
      expect(result.wake).toMatchObject({ attempted: false, strategy: "tmux", outcome: "pane-unverified" });
      expect((result.wake as { reason: string }).reason).toContain(
        `tmux: pane ${paneB} is gone; no tmux pane holds the peer's own processes`,
      );
      const status = await a.call("wake_status", { target: B });
      expect(status).toMatchObject({ ready: false, strategy: null, outcome: "pane-unverified" });
      // Type a marker into the other pane ourselves: anything the wake typed would come before it.
      world.tmux.run(["send-keys", "-t", "victim", "-l", "MARKER"]);
      world.tmux.run(["send-keys", "-t", "victim", "Enter"]);
      expect(await until("the marker", () => typedLines(typed))).toBe("MARKER\n");
    });

    it("keeps its deadline: timeout_ms 2000 against a peer whose wake cannot be verified returns timed_out, the verification cut by the deadline", async () => {
      const root = world.project();
      const claudeDir = world.project("claude");
      const a = await world.agent({ cwd: root, claudeSession: A, claudeDir });
      // Beta's pane takes the wake line, but no turn ever starts (its transcript never grows).
      const typed = path.join(root, "typed.txt");
      await world.agentInPane({
        session: "beta",
        cwd: root,
        claudeSession: B,
        claudeDir,
        command: recordLines(typed),
      });
      const started = Date.now();
      const result = await a.call("ask_peer", { target: "beta", body: "anyone?", timeout_ms: 2000 });
      console.log(`ask_peer with timeout_ms 2000 answered after ${Date.now() - started} ms`);
      expect(result).toMatchObject({
        ok: true,
        timed_out: true,
        reply: null,
        wake: { attempted: true, strategy: "tmux", outcome: "unverified", deadline_reached: true },
      });
      expect((result.wake as { reason: string }).reason).toMatch(
        /tmux: typed the wake line into %\d+; verification cut by the deadline after \d+ ms, before the peer showed a new turn$/,
      );
      // The tmux rung did act: its line is in beta's pane.
      expect(await until("the wake line", () => typedLines(typed))).toBe(`${WAKE_LINE}\n`);
    });

    it("does not wake a busy peer, and says why", async () => {
      const root = world.project();
      const claudeDir = world.project("claude");
      fs.mkdirSync(path.join(claudeDir, "sessions"));
      fs.writeFileSync(
        path.join(claudeDir, "sessions", `${process.pid}.json`),
        JSON.stringify({ pid: process.pid, sessionId: B, cwd: root, status: "busy", updatedAt: Date.now() }),
      );
      // One user's agents share Claude's state folder, where each session says busy or idle.
      const a = await world.agent({ cwd: root, claudeSession: A, claudeDir });
      await world.agent({
        cwd: root,
        pane: world.tmux.session("beta", root, `${simulatedClient(root)} -c 'sleep 3600'`),
        claudeSession: B,
        claudeDir,
      });
      const status = await a.call("wake_status", { target: "beta" });
      expect(status).toMatchObject({ ready: false, strategy: null, liveness: { state: "busy" } });
      const result = await a.call("ask_peer", { target: "beta", body: "busy?", timeout_ms: 200 });
      expect(result.wake).toMatchObject({ attempted: false, outcome: "skipped" });
      expect((result.wake as { reason: string }).reason).toContain("busy");
    });
  });

  describe("lifecycle", () => {
    /** The registry's records, through the world's transport. */
    const records = async () => (await (await world.shared()).registry.list()).records;

    it("registers at start and unregisters when the client closes stdin", async () => {
      const root = world.project();
      const a = await world.agent({ cwd: root, claudeSession: A });
      expect((await records()).map((r) => r.client.session_id)).toEqual([A]);
      if (transport === "fs") {
        // The data directory's registry folder is private to the user.
        const sessions = path.join(world.home, "sessions");
        expect((fs.statSync(sessions).mode & 0o777).toString(8)).toBe("700");
      }
      await a.close();
      await until("the record to go", async () => (await records()).length === 0);
    });

    it("unregisters on SIGTERM", async () => {
      const root = world.project();
      const a = await world.agent({ cwd: root, claudeSession: A });
      process.kill(a.pid, "SIGTERM");
      await until("the record to go", async () => (await records()).length === 0);
    });
  });
});
