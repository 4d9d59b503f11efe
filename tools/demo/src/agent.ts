// A simulated agent for the demo. It runs inside a tmux pane, behaves like a Claude Code session
// (CLAUDE_CODE_SESSION_ID, a Claude-format transcript, a session file saying idle/busy), and drives a
// real oxtail server through the MCP SDK's Client. Bob also runs oxtail's real asyncRewake sleeper, as
// Claude Code does after a turn. Each step is reported as a JSON line to $DEMO_LOG.
//   agent.ts alice|bob
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import readline from "node:readline";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { ToolResult } from "./results.ts";

const role = process.argv[2] as "alice" | "bob";
const sessionId = process.env.CLAUDE_CODE_SESSION_ID as string;
const claudeDir = process.env.CLAUDE_CONFIG_DIR as string;
const cwd = process.cwd();
const transcript = path.join(claudeDir, "projects", cwd.replace(/[^A-Za-z0-9]/g, "-"), `${sessionId}.jsonl`);
const sessionFile = path.join(claudeDir, "sessions", `${process.pid}.json`);
fs.mkdirSync(path.dirname(transcript), { recursive: true });
fs.mkdirSync(path.dirname(sessionFile), { recursive: true });

const say = (line: string) => process.stdout.write(`${line}\n`);
const report = (step: string, detail: unknown) =>
  fs.appendFileSync(process.env.DEMO_LOG as string, `${JSON.stringify({ agent: role, step, detail })}\n`);
const status = (s: "idle" | "busy") =>
  fs.writeFileSync(
    sessionFile,
    JSON.stringify({ pid: process.pid, sessionId, cwd, status: s, updatedAt: Date.now() }),
  );
const record = (type: "user" | "assistant", text: string) => {
  const message =
    type === "user"
      ? { role: "user", content: text }
      : {
          id: `msg_${randomUUID()}`,
          role: "assistant",
          content: [{ type: "text", text }],
          stop_reason: "end_turn",
        };
  const base = {
    uuid: randomUUID(),
    sessionId,
    cwd,
    isSidechain: false,
    timestamp: new Date().toISOString(),
  };
  fs.appendFileSync(transcript, `${JSON.stringify({ ...base, type, message })}\n`);
  if (type === "assistant")
    fs.appendFileSync(
      transcript,
      `${JSON.stringify({ ...base, uuid: randomUUID(), type: "system", subtype: "turn_duration" })}\n`,
    );
};

const client = new Client({ name: "claude-code", version: "demo" });
await client.connect(
  new StdioClientTransport({
    command: process.execPath,
    args: [process.env.OXTAIL_BIN as string],
    env: process.env as Record<string, string>,
    cwd,
  }),
);
async function call(name: string, args: Record<string, unknown> = {}) {
  const result = await client.callTool({ name, arguments: args }, undefined, { timeout: 120_000 });
  return (
    result.isError
      ? JSON.parse((result.content as { text: string }[])[0]?.text ?? "{}")
      : result.structuredContent
  ) as ToolResult;
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

status("busy");
say(`${role}: a simulated Claude Code session ${sessionId}`);
if (role === "bob") {
  record("user", "Review the parser module for edge cases.");
  record("assistant", "Reviewed src/parser.ts: empty input and trailing commas are not handled yet.");
  report("set_my_state", await call("set_my_state", { purpose: "reviewing the parser for edge cases" }));
  status("idle");
  say("bob: idle at my prompt. (Type here to wake me.)");
  report("idle", {});
  // Idle at the prompt: whatever is typed into this pane wakes the agent.
  for await (const line of readline.createInterface({ input: process.stdin })) {
    status("busy");
    say(`bob: woken by a line typed into my pane: ${JSON.stringify(line.slice(0, 60))}`);
    report("woken", { line });
    const inbox = await call("read_my_messages");
    report("read_my_messages", inbox);
    for (const message of inbox.messages ?? []) {
      if (!message.body.endsWith("?")) continue;
      const answer = "Two edge cases are open: empty input, and trailing commas in lists.";
      record("user", `(peer question) ${message.body}`);
      record("assistant", answer);
      report(
        "send_message",
        await call("send_message", { target: message.from, body: answer, reply_to: message.id }),
      );
    }
    status("idle");
    if (inbox.messages?.some((m) => m.body.endsWith("?"))) break;
  }
  // Act 2, the wake with no typing. Like Claude Code after each turn, bob starts oxtail's asyncRewake
  // sleeper (the real one: a shell script that waits on a FIFO, no Node); when mail arrives while he
  // is idle it has the hook print the mail and exits 2, and that is what starts bob's next turn.
  say("bob: idle again; my asyncRewake sleeper waits on my mailbox.");
  report("sleeping", {});
  const woken = await new Promise<{ code: number | null; text: string }>((resolve) => {
    const sleeper = spawn(process.env.OXTAIL_SLEEPER as string, [process.env.OXTAIL_HOOK as string], {
      env: process.env,
      stdio: ["pipe", "ignore", "pipe"],
    });
    let text = "";
    sleeper.stderr.on("data", (d) => (text += d));
    sleeper.on("close", (code) => resolve({ code, text }));
    sleeper.stdin.end(`${JSON.stringify({ session_id: sessionId, hook_event_name: "Stop", cwd })}\n`);
  });
  if (woken.code === 2) {
    status("busy");
    say("bob: woken by my sleeper (nothing was typed); the mail came with it.");
    // The hook's hand-over: "--- message <id> (sender session <id>), sent <time>.", a line saying how
    // to take it ("Message from peer agent <name> — … Its text:"), then the body.
    const found =
      /--- message (\S+) \(sender session ([0-9a-f-]{36})\)[^\n]*\nMessage from peer agent (.*?) — [^\n]*\n([^\n]*)/.exec(
        woken.text,
      );
    report("woken-by-sleeper", {
      messages: found
        ? [
            {
              id: found[1],
              body: found[4],
              from: found[3],
            },
          ]
        : [],
    });
    record("user", woken.text);
    if (found) {
      // Bob is tempted to ask alice back while she waits on him: a cycle of waiting asks, the start of
      // a loop that could run all night. oxtail refuses it before anything is sent.
      report(
        "ask_peer_refused",
        await call("ask_peer", {
          target: found[2] as string,
          body: "Should I fix empty input before you cut the release?",
          timeout_ms: 5000,
        }),
      );
      const answer = "Yes: trailing commas are fixed on main; empty input is next.";
      record("assistant", answer);
      report(
        "send_message",
        await call("send_message", {
          target: found[2] as string,
          body: answer,
          reply_to: found[1] as string,
        }),
      );
    }
    status("idle");
  }
  // Mail a tool answer carried is acknowledged once the answer has been out for a moment (a cancel
  // could still put it back): bob stays a little longer than that before his session ends.
  await sleep(2500);
} else {
  record("user", "Coordinate the release with whoever works on the parser.");
  report("set_my_state", await call("set_my_state", { purpose: "preparing the release notes" }));
  // Wait until bob is there and idle.
  for (;;) {
    const list = await call("list_project_sessions");
    const bob = list.rows?.find((r) => !r.me && r.card);
    if (bob?.busy === false) {
      report("list_project_sessions", list);
      break;
    }
    await sleep(200);
  }
  report("read_session", await call("read_session", { name: "bob", limit: 4 }));
  const fyi = await call("send_message", { target: "bob", body: "FYI: I am cutting the release at 5pm." });
  report("send_message", fyi);
  report("wake_status", await call("wake_status", { target: "bob" }));
  const asked = await call("ask_peer", {
    target: "bob",
    body: "Which parser edge cases are still open?",
    timeout_ms: 30_000,
  });
  report("ask_peer", asked);
  record("assistant", "Bob says two parser edge cases are open; holding the release until they are fixed.");
  // Act 2: once bob's sleeper waits, oxtail wakes him without typing into his pane.
  let status2 = await call("wake_status", { target: "bob" });
  for (let i = 0; i < 100 && status2.strategy !== "claude-rewake"; i++) {
    await sleep(100);
    status2 = await call("wake_status", { target: "bob" });
  }
  report("wake_status", status2);
  report(
    "ask_peer",
    await call("ask_peer", { target: "bob", body: "Did the trailing-comma fix land?", timeout_ms: 30_000 }),
  );
  record("assistant", "Trailing commas are fixed; cutting the release once empty input is done.");
  // What became of alice's first two messages: the FYI was read (acknowledged once bob's answer had
  // been out for a moment, a cancel could still have put it back), the question answered.
  const ids = [fyi.message_id, asked.question_id];
  let receipts = await call("message_status", { ids });
  for (let i = 0; i < 50 && receipts.receipts?.[0]?.state === "queued"; i++) {
    await sleep(100);
    receipts = await call("message_status", { ids });
  }
  report("message_status", receipts);
}
status("idle");
report("done", {});
await client.close();
say(`${role}: done.`);
await sleep(60_000);
