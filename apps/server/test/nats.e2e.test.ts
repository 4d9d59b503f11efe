// Two machines through one real nats-server (SPEC §12): two oxtail homes with different host ids,
// each running the built server under the SDK's real Client, joined only through NATS JetStream.
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { WAKE_LINE } from "@oxtail/core";
import { describe, expect, it } from "vitest";
import {
  CLAUDE_TRANSCRIPT_FIXTURE,
  hasNatsServer,
  NATS_PROJECT,
  recordLines,
  SERVER,
  startAndExit,
  startNatsServer,
  type TestNatsServer,
  typedLines,
  until,
} from "./harness.ts";
import { firstMailOf, mailOf, rowsSeeing, twoMachines } from "./nats-machines.ts";
import { oxtailIn } from "./setup-helpers.ts";

const A = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa";
const B = "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb";
const PROJECT = NATS_PROJECT;
const HOOK_BIN = path.resolve(import.meta.dirname, "../../hook/bin/oxtail-hook");

describe.skipIf(!hasNatsServer())("two machines through NATS JetStream", () => {
  const m = twoMachines();

  it("sees the peer, sends and reads across machines, and reports the transport", async () => {
    const a = await m.laptop.agent({ cwd: m.laptop.project(), claudeSession: A });
    const b = await m.buildbox.agent({ cwd: m.buildbox.project(), claudeSession: B });

    const me = await a.call("get_my_session");
    expect(me.transport).toMatchObject({ name: "nats", project: PROJECT, host: "laptop", url: m.nats.url });

    const listed = await until("the other machine's agent", () => rowsSeeing(a, B));
    expect(listed.map((r) => r.id).sort()).toEqual([A.slice(0, 8), B.slice(0, 8)]);

    const sent = await a.call("send_message", { target: B, body: "hello from the laptop" });
    expect(sent).toMatchObject({ ok: true });
    const got = await mailOf(b, "the message on the build box");
    expect(got.map((msg) => msg.body)).toEqual(["hello from the laptop"]);
    // Read once: acknowledged, it does not come again.
    expect((await b.call("read_my_messages")).messages).toEqual([]);
    // Nothing went through the data directories: each home holds no mailbox.
    expect(fs.existsSync(path.join(m.laptop.home, "mailboxes", B))).toBe(false);
    expect(fs.existsSync(path.join(m.buildbox.home, "mailboxes", B))).toBe(false);
  });

  it("answers an ask_peer across machines; the peer's own machine wakes it through its tmux pane", async () => {
    const a = await m.laptop.agent({ cwd: m.laptop.project(), claudeSession: A });
    const root = m.buildbox.project();
    const typed = path.join(root, "typed.txt");
    await m.buildbox.agentInPane({
      session: "beta",
      cwd: root,
      claudeSession: B,
      command: recordLines(typed),
    });
    await until("the build box's agent", () => rowsSeeing(a, B));
    const result = await a.call("ask_peer", { target: B, body: "SECRET-QUESTION-TEXT", timeout_ms: 1500 });
    expect(result).toMatchObject({ ok: true, timed_out: true });
    // The build box's own tmux wake acted on its own pane, and its report came back over NATS.
    expect(result.wake).toMatchObject({ attempted: true, strategy: "tmux" });
    const lines = await until("the typed wake line", () => typedLines(typed));
    expect(lines).toContain(WAKE_LINE);
    expect(lines).not.toContain("SECRET-QUESTION-TEXT");
  });

  it("reads the other machine's agent's transcript and pane there, through its own server", async () => {
    const rootA = m.laptop.project();
    const paneA = m.laptop.tmux.session("alpha", rootA, "sh -c 'printf \"LAPTOP SCREEN\\n\"; sleep 3600'");
    const a = await m.laptop.agent({ cwd: rootA, pane: paneA, claudeSession: A });
    const rootB = m.buildbox.project();
    const paneB = m.buildbox.tmux.session(
      "beta",
      rootB,
      "sh -c 'printf \"BUILD BOX SCREEN\\n\"; sleep 3600'",
    );
    const b = await m.buildbox.agent({
      cwd: rootB,
      pane: paneB,
      claudeSession: B,
      claudeDir: m.buildbox.claudeDirWithTranscript(B, rootB),
    });
    const rows = await until("the build box's agent", () => rowsSeeing(a, B));
    expect(rows.find((r) => r.id === B.slice(0, 8))).toMatchObject({ machine: "buildbox" });

    // The same turns as the build box reads of its own agent.
    const there = await b.call("read_session", { name: B, limit: 3 });
    const read = await a.call("read_session", { name: B, limit: 3 });
    expect(read).toMatchObject({ ok: true, mode: "transcript", id: B.slice(0, 8), machine: "buildbox" });
    expect({ ...read, machine: undefined }).toEqual({ ...there, machine: undefined });
    expect(read.turns).toHaveLength(3);
    expect(read.truncated).toBe(true);

    // Its pane is the build box's, never the laptop's pane of the same id.
    const pane = await until("the build box's screen", async () => {
      const r = await a.call("read_session", { name: B, mode: "pane", pane_lines: 10 });
      return String(r.pane_text).includes("BUILD BOX SCREEN") && r;
    });
    expect(pane).toMatchObject({ mode: "pane", machine: "buildbox" });
    expect(String(pane.pane_text)).not.toContain("LAPTOP SCREEN");

    // The build box's own error comes back as it is: an agent there with no transcript yet.
    const C = "cccccccc-cccc-4ccc-8ccc-cccccccccccc";
    await m.buildbox.agent({ cwd: rootB, claudeSession: C, claudeDir: m.buildbox.project("empty-claude") });
    await until("the second agent on the build box", () => rowsSeeing(a, C));
    const none = await a.call("read_session", { name: C });
    expect(none).toMatchObject({ ok: false, error: "no-transcript" });
    expect(none.message).toMatch(/^On the peer's machine: .*transcript/i);
  });

  it("returns the reply to an ask_peer from the other machine", async () => {
    const a = await m.laptop.agent({ cwd: m.laptop.project(), claudeSession: A });
    const b = await m.buildbox.agent({ cwd: m.buildbox.project(), claudeSession: B });
    await until("the build box's agent", () => rowsSeeing(a, B));
    const asking = a.call("ask_peer", { target: B, body: "What is 6 × 7?", timeout_ms: 60_000 });
    const question = await firstMailOf(b, "the question on the build box");
    expect(question.body).toBe("What is 6 × 7?");
    await b.call("send_message", { target: A, body: "42", reply_to: question.id });
    const result = await asking;
    expect(result).toMatchObject({ ok: true, timed_out: false, reply: { body: "42", re: question.id } });
    // The receipt, kept in NATS, says the question was delivered and replied to.
    const status = await a.call("message_status", { ids: [question.id] });
    expect(JSON.stringify(status)).toContain('"replied"');
  });

  it("refuses an ask that closes a cycle across machines (the pending asks are shared), and loses nothing", async () => {
    const a = await m.laptop.agent({ cwd: m.laptop.project(), claudeSession: A });
    const b = await m.buildbox.agent({ cwd: m.buildbox.project(), claudeSession: B });
    await until("the build box's agent", () => rowsSeeing(a, B));
    const aWaits = a.call("ask_peer", { target: B, body: "A asks B", timeout_ms: 60_000 });
    const question = await firstMailOf(b, "A's question on the build box");
    const refused = await b.call("ask_peer", { target: A, body: "B asks A" });
    expect(refused).toMatchObject({ ok: false, error: "ask-cycle" });
    const chain = (refused.data as { chain: { session_id: string }[] }).chain;
    expect(chain.map((l) => l.session_id)).toEqual([B, A, B]);
    // Nothing was sent to A; B's answer ends A's wait.
    await b.call("send_message", { target: A, body: "B answers", reply_to: question.id });
    expect(await aWaits).toMatchObject({ ok: true, timed_out: false, reply: { body: "B answers" } });
    expect((await a.call("read_my_messages")).messages).toEqual([]);
  });

  it("oxtail send and oxtail ask on one machine reach an agent on the other through NATS", async () => {
    const b = await m.buildbox.agent({ cwd: m.buildbox.project(), claudeSession: B });
    const root = m.laptop.project();
    // The human on the laptop, in the project's checkout there: the CLI runs on the world's transport.
    const sent = await m.laptop.cli(root, ["send", B, "please rebase onto main", "--json"]);
    expect(sent.code, sent.err).toBe(0);
    const queued = JSON.parse(sent.out) as { messages: { message_id: string; to_session_id: string }[] };
    expect(queued.messages).toMatchObject([{ to_session_id: B }]);
    const got = await mailOf(b, "the operator's message on the build box");
    expect(got).toMatchObject([
      { id: queued.messages[0]?.message_id, body: "please rebase onto main", origin: "operator" },
    ]);

    const asking = m.laptop.cli(root, ["ask", B, "how far are you?", "--timeout", "60"]);
    const question = await firstMailOf(b, "the operator's question on the build box");
    expect(question.body).toBe("how far are you?");
    const replied = await b.call("send_message", {
      target: question.from,
      body: "half way",
      reply_to: question.id,
    });
    expect(replied).toMatchObject({ ok: true });
    const answer = await asking;
    expect(answer.code, answer.err).toBe(0);
    expect(answer.out.trim()).toBe("half way");
    // Nothing went through the laptop's data directory.
    expect(fs.existsSync(path.join(m.laptop.home, "mailboxes"))).toBe(false);
  });

  it("oxtail status and the dashboard show the other machine's agents, marked with its host id, kept live", async () => {
    // The human works in the laptop's checkout, where its agent runs.
    const root = m.laptop.project();
    const a = await m.laptop.agent({ cwd: root, claudeSession: A });
    // On the build box, Claude Code's own session file says its agent is busy (a live pid of that machine).
    const claudeDir = m.buildbox.project("claude");
    const sessionFile = path.join(claudeDir, "sessions", `${process.pid}.json`);
    const says = (status: string) => {
      fs.mkdirSync(path.dirname(sessionFile), { recursive: true });
      fs.writeFileSync(
        sessionFile,
        JSON.stringify({ pid: process.pid, sessionId: B, status, updatedAt: Date.now() }),
      );
    };
    says("busy");
    const cwdB = m.buildbox.project();
    // Its transcript too, where Claude writes it on the build box.
    const transcripts = path.join(claudeDir, "projects", cwdB.replace(/[^A-Za-z0-9]/g, "-"));
    fs.mkdirSync(transcripts, { recursive: true });
    fs.copyFileSync(CLAUDE_TRANSCRIPT_FIXTURE, path.join(transcripts, `${B}.jsonl`));
    await m.buildbox.agent({ cwd: cwdB, claudeSession: B, claudeDir });
    await until("the other machine's agent", () => rowsSeeing(a, B));

    type Row = { id: string; machine: string | null; state: string; state_reason: string; unread: number };
    const status = await m.laptop.cli(root, ["status", "--json"]);
    expect(status.code, status.err).toBe(0);
    const agents = (JSON.parse(status.out) as { agents: Row[] }).agents;
    expect(agents.map((r) => [r.id, r.machine])).toEqual([
      [A, null],
      [B, "buildbox"],
    ]);
    // Only the build box can tell its agent's busy/idle: its server there is asked, nothing is guessed here.
    expect(agents[1]).toMatchObject({
      state: "busy",
      state_reason: expect.stringContaining("its machine says: Claude Code's session file"),
    });
    // The agents' own listing and the delivery outlook ask the same way.
    const rows = (await a.call("list_project_sessions")).rows as { id?: string; busy?: boolean }[];
    expect(rows.find((r) => r.id === B.slice(0, 8))).toMatchObject({ busy: true });
    says("idle");
    const idle = await m.laptop.cli(root, ["status", "--json"]);
    expect((JSON.parse(idle.out) as { agents: Row[] }).agents[1]).toMatchObject({ state: "idle" });
    const text = await m.laptop.cli(root, ["status"]);
    expect(text.out).toContain(`${B.slice(0, 8)}@buildbox`);

    // The dashboard on the laptop, its events read as the page reads them (server-sent events).
    const child = spawn(process.execPath, [SERVER, "dashboard"], {
      cwd: root,
      env: m.laptop.cliEnv(root),
      stdio: ["ignore", "pipe", "pipe"],
    });
    try {
      let printed = "";
      child.stdout.on("data", (d) => (printed += d));
      child.stderr.on("data", (d) => (printed += d));
      const url = await until(
        "the dashboard's URL",
        () => /http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+/.exec(printed)?.[0],
      );
      const { origin, searchParams } = new URL(url);
      const states: { agents: Row[] }[] = [];
      const events = http.get(`${origin}/events?token=${searchParams.get("token")}`, (res) => {
        let buffer = "";
        res.on("data", (d) => {
          buffer += d;
          for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
            const data = /^data: (.*)$/m.exec(buffer.slice(0, end))?.[1];
            if (data) states.push(JSON.parse(data));
            buffer = buffer.slice(end + 2);
          }
        });
      });
      try {
        const first = await until("the dashboard's first state", () => states[0]);
        expect(first.agents.find((r) => r.id === B)).toMatchObject({ machine: "buildbox", unread: 0 });
        // Mail to the build box's agent shows on the laptop's dashboard as it waits (the model is read again).
        expect(await a.call("send_message", { target: B, body: "for the dashboard" })).toMatchObject({
          ok: true,
        });
        await until("the unread message on the dashboard", () =>
          states.some((st) => st.agents.find((r) => r.id === B)?.unread === 1),
        );
        // Its recent turns, read on the build box by its own server (the transcript is there).
        const turns = await fetch(`${origin}/api/turns?agent=${B}&token=${searchParams.get("token")}`);
        const shown = (await turns.json()) as { turns: { role: string; text: string }[] | null };
        expect(shown.turns?.at(-1)).toMatchObject({
          role: "assistant",
          text: "Still here after compaction.",
        });
      } finally {
        events.destroy();
      }
    } finally {
      const gone = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await gone;
    }
  });

  it("the hook program hands mail from the other machine over mid-turn; with NATS unreachable it prints nothing and loses nothing", async () => {
    const a = await m.laptop.agent({ cwd: m.laptop.project(), claudeSession: A });
    const root = m.buildbox.project();
    await m.buildbox.agent({ cwd: root, claudeSession: B });
    await until("the other machine's agent", () => rowsSeeing(a, B));
    const sent = await a.call("send_message", { target: B, body: "mid-turn across machines" });
    await m.buildbox.arrivalHinted(B);
    // Claude Code's PreToolUse on the build box, as `oxtail setup` installs it.
    const hook = (env: Record<string, string> = {}) =>
      spawnSync(HOOK_BIN, ["claude", "PreToolUse", "deliver", "CLAUDE_CODE_SESSION_ID"], {
        cwd: root,
        input: `${JSON.stringify({ session_id: B, hook_event_name: "PreToolUse", cwd: root })}\n`,
        env: { ...m.buildbox.cliEnv(root), CLAUDE_CODE_SESSION_ID: B, ...env },
        encoding: "utf8",
      });
    const unreachable = hook({ OXTAIL_NATS_URL: "nats://127.0.0.1:1" });
    expect(unreachable.status).toBe(0);
    expect(unreachable.stdout).toBe("");
    const handed = hook();
    expect(handed.status).toBe(0);
    expect(handed.stdout).toContain("mid-turn across machines");
    expect(await a.call("message_status", { ids: [sent.message_id] })).toMatchObject({
      receipts: [{ state: "delivered", delivered: { via: "hook-mid-turn" } }],
    });
    // Handed over once: the next event finds nothing.
    expect(hook().stdout).toBe("");
    // The hook ran for B on the build box: the laptop's outlook asks there, and counts on it.
    const recording = spawnSync(HOOK_BIN, ["claude", "SessionStart", "record", "CLAUDE_CODE_SESSION_ID"], {
      cwd: root,
      input: `${JSON.stringify({ session_id: B, hook_event_name: "SessionStart", cwd: root })}\n`,
      env: { ...m.buildbox.cliEnv(root), CLAUDE_CODE_SESSION_ID: B },
      encoding: "utf8",
    });
    expect(recording.status).toBe(0);
    const outlook = await a.call("send_message", { target: B, body: "judged on its machine" });
    expect(outlook.delivery_outlook).toMatchObject({ hooks: "active" });

    // A client whose shell has no NATS variables (they were set only in the MCP server entry): the hook
    // reads the transport the session's server recorded in the data directory.
    const later = await a.call("send_message", { target: B, body: "found without the variables" });
    const bare = {
      PATH: process.env.PATH ?? "",
      HOME: root,
      OXTAIL_HOME: m.buildbox.home,
      TMUX_TMPDIR: m.buildbox.tmux.tmpdir,
    };
    const recorded = await until("the hint of the second message", () => {
      const run = spawnSync(HOOK_BIN, ["claude", "PreToolUse", "deliver", "CLAUDE_CODE_SESSION_ID"], {
        cwd: root,
        input: `${JSON.stringify({ session_id: B, hook_event_name: "PreToolUse", cwd: root })}\n`,
        env: { ...bare, CLAUDE_CODE_SESSION_ID: B },
        encoding: "utf8",
      });
      return run.stdout.includes("found without the variables") && run;
    });
    expect(recorded.status).toBe(0);
    expect(await a.call("message_status", { ids: [later.message_id] })).toMatchObject({
      receipts: [{ state: "delivered", delivered: { via: "hook-mid-turn" } }],
    });
  });

  it("refuses an unknown transport, and a NATS project with no shared name, with a clear message", async () => {
    const root = m.laptop.project();
    const unknown = await startAndExit(m.laptop.home, root, { OXTAIL_TRANSPORT: "carrier-pigeon" });
    expect(unknown.code).toBe(78);
    expect(unknown.stderr).toContain(
      'OXTAIL_TRANSPORT="carrier-pigeon" is not a transport; use one of fs, nats.',
    );
    const unnamed = await startAndExit(m.laptop.home, root, {
      OXTAIL_TRANSPORT: "nats",
      OXTAIL_NATS_URL: m.nats.url,
    });
    expect(unnamed.code).toBe(78);
    expect(unnamed.stderr).toContain("has no git remote. Set OXTAIL_PROJECT.");
  });

  it("oxtail doctor reports the NATS transport: reachable with the agents present, then FIX once the server is gone", async () => {
    await m.laptop.agent({ cwd: m.laptop.project(), claudeSession: A });
    const env = { ...m.buildbox.transportEnv, OXTAIL_HOME: m.buildbox.home };
    const up = oxtailIn(m.buildbox.home, ["doctor"], { env });
    expect(up.out).toContain(
      `ok  transport: nats at ${m.nats.url}, project ${PROJECT} (OXTAIL_PROJECT), host buildbox: reachable, 1 agent(s) present`,
    );
    await m.nats.stop();
    const down = oxtailIn(m.buildbox.home, ["doctor"], { env });
    expect(down.code).toBe(1);
    expect(down.out).toMatch(
      /^FIX transport: nats at .*: Cannot reach the NATS server at .* — start nats-server/m,
    );
    const plain = oxtailIn(m.buildbox.home, ["doctor"], { env: { OXTAIL_HOME: m.buildbox.home } });
    expect(plain.out).toContain("ok  transport: fs (this machine's data directory)");
  });

  it("runs with the users entry `oxtail nats-config` prints, and never shows the password", async () => {
    const printed = oxtailIn(m.laptop.home, ["nats-config", "--user", "alpha", "--password", "s3cret-pw"], {
      env: { OXTAIL_PROJECT: PROJECT },
    });
    expect(printed.code, printed.err).toBe(0);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-nats-conf-"));
    let secured: TestNatsServer | null = null;
    try {
      const config = path.join(dir, "server.conf");
      fs.writeFileSync(config, `authorization {\n  users: [\n${printed.out}\n  ]\n}\n`);
      secured = await startNatsServer(["-c", config]);
      const url = secured.url.replace("nats://", "nats://alpha:s3cret-pw@");
      const env = { OXTAIL_NATS_URL: url };
      const a = await m.laptop.agent({ cwd: m.laptop.project(), claudeSession: A, env });
      const b = await m.buildbox.agent({ cwd: m.buildbox.project(), claudeSession: B, env });
      const me = await a.call("get_my_session");
      expect(me.transport).toMatchObject({ url: secured.url.replace("nats://", "nats://alpha:***@") });
      expect(JSON.stringify(me)).not.toContain("s3cret-pw");
      await until("the other machine's agent", () => rowsSeeing(a, B));
      expect(await a.call("send_message", { target: B, body: "through the secured server" })).toMatchObject({
        ok: true,
      });
      const got = await mailOf(b, "the message");
      expect(got.map((msg) => msg.body)).toEqual(["through the secured server"]);
      await a.close();
      await b.close();
    } finally {
      await secured?.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
