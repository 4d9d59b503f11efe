// Issue: after `oxtail setup` into a temporary HOME, the real clients get a peer's mail through oxtail's
// hooks: Claude Code mid-turn (PreToolUse) and before it goes idle (Stop), Codex at its next prompt.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createFsMailboxStore, createMailbox, readSleeper, sessionMailboxKey, WAKE_LINE } from "@oxtail/core";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { Agent, until } from "../src/agent.ts";
import type { Turn } from "../src/script.ts";
import { readJsonLines } from "../src/transcripts.ts";

const ROOT = path.resolve(import.meta.dirname, "../../..");
const SERVER = path.join(ROOT, "apps/server/dist/main.mjs");
const PEER = "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb";
const running: Agent[] = [];

beforeAll(() => {
  execFileSync(
    "npx",
    ["nx", "run-many", "-t", "build", "--projects=oxtail,@oxtail/hook", "--outputStyle=static"],
    { cwd: ROOT, stdio: "ignore" },
  );
});
afterEach(async () => {
  for (const agent of running.splice(0)) await agent.stop();
});

function project(): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-hooks-proj-")));
  fs.mkdirSync(path.join(dir, ".git"));
  return dir;
}

/** `oxtail setup` into the agent's HOME, as a user would run it. */
const setup =
  (client: "--claude" | "--codex", ...extra: string[]) =>
  (home: string) => {
    execFileSync(process.execPath, [SERVER, "setup", client, ...extra], {
      env: { PATH: process.env.PATH, HOME: home },
      stdio: "ignore",
    });
  };

/** A peer's message into `session`'s mailbox under the agent's default data dir (~/.oxtail). */
async function peerSays(home: string, session: string, body: string): Promise<void> {
  const mailbox = createMailbox({ store: createFsMailboxStore({ home: path.join(home, ".oxtail") }) });
  const from = { session_id: PEER, instance_id: "1-1", client_type: "codex", display_name: "codex (peer)" };
  await mailbox.send({
    from,
    fromMailbox: sessionMailboxKey(PEER),
    to: sessionMailboxKey(session),
    toSessionId: session,
    body,
  });
  await new Promise((r) => setTimeout(r, 5));
}

function claudeSessionId(agent: Agent): string {
  const dir = path.join(agent.home, ".claude", "sessions");
  return JSON.parse(
    fs.readFileSync(path.join(dir, fs.readdirSync(dir).find((f) => f.endsWith(".json")) as string), "utf8"),
  ).sessionId;
}

describe("oxtail's hooks in the real clients", () => {
  // Claude Code 2.1.197 fires SessionStart at the first prompt (not at launch), and oxtail's SessionStart
  // hook delivers waiting mail too: so these tests send the mail mid-turn, while a scripted `sleep` runs.
  it("Claude Code, mid-turn: PreToolUse delivers a peer's message, and the model's next request carries it", async () => {
    const agent = await Agent.start({
      kind: "claude",
      projectDir: project(),
      beforeStart: setup("--claude"),
      script: [
        [
          { tool: "Bash", args: { command: "sleep 3", description: "wait" } },
          { tool: "Bash", args: { command: "echo second", description: "more work" } },
          { say: "done" },
        ],
      ],
    });
    running.push(agent);
    const session = claudeSessionId(agent);
    const turn = agent.prompt("Do some work.");
    await agent.endpoint.waitForMainRequests(1);
    await new Promise((r) => setTimeout(r, 800)); // the sleep's PreToolUse has run; the tool is running
    await peerSays(agent.home, session, "PEER-NOTE: the parser tests are red, please look.");
    await turn;
    const requests = agent.endpoint.mainRequests().map((r) => JSON.stringify(r.body));
    expect(requests).toHaveLength(3);
    expect(requests[0]).not.toContain("PEER-NOTE");
    expect(requests[1]).not.toContain("PEER-NOTE"); // the mail came after the first tool call had started
    expect(requests[2]).toContain("PEER-NOTE: the parser tests are red, please look.");
    expect(requests[2]).toContain(`session ${PEER}`);
    // Visible in the transcript too, and consumed from the mailbox.
    expect(fs.readFileSync(agent.transcriptPath() as string, "utf8")).toContain("PEER-NOTE");
    expect(fs.readdirSync(path.join(agent.home, ".oxtail", "mailboxes", session, "new"))).toEqual([]);
  });

  it("Claude Code, before going idle: Stop blocks with the mail and the turn continues to answer it", async () => {
    const agent = await Agent.start({
      kind: "claude",
      projectDir: project(),
      beforeStart: setup("--claude"),
      script: [
        [
          { tool: "Bash", args: { command: "sleep 3", description: "wait" } },
          { say: "first answer" },
          { say: "I have read the peer's note." },
        ],
      ],
    });
    running.push(agent);
    const session = claudeSessionId(agent);
    const turn = agent.prompt("Say something.");
    await agent.endpoint.waitForMainRequests(1);
    await new Promise((r) => setTimeout(r, 800));
    await peerSays(agent.home, session, "STOP-NOTE: answer me before you stop.");
    await turn;
    const requests = agent.endpoint.mainRequests().map((r) => JSON.stringify(r.body));
    expect(requests).toHaveLength(3);
    expect(requests[1]).not.toContain("STOP-NOTE");
    expect(requests[2]).toContain("STOP-NOTE: answer me before you stop.");
    expect(agent.screen()).toContain("I have read the peer's note.");
  });

  // The wake with no typing: oxtail's asyncRewake sleeper waits in the background after each turn;
  // when a peer's mail arrives while the session is idle it prints the mail and exits 2, and Claude
  // Code itself starts a turn with it.
  it("Claude Code, idle: the asyncRewake sleeper wakes it with the peer's mail, and nothing is typed", async () => {
    const agent = await Agent.start({
      kind: "claude",
      projectDir: project(),
      beforeStart: setup("--claude"),
      script: [[{ say: "ok" }], [{ say: "I have read the woken note." }]],
    });
    running.push(agent);
    const session = claudeSessionId(agent);
    await agent.prompt("hello");
    await until(
      "the sleeper to wait",
      30_000,
      () => readSleeper(path.join(agent.home, ".oxtail"), session).waiting,
    );
    const turns = agent.completedTurns();
    await peerSays(agent.home, session, "WAKE-NOTE: the deploy finished, please check the logs.");
    await agent.endpoint.waitForMainRequests(2);
    await until("the woken turn to finish", 30_000, () => agent.completedTurns() > turns);
    const woken = JSON.stringify(agent.endpoint.mainRequests()[1]?.body);
    expect(woken).toContain("WAKE-NOTE: the deploy finished, please check the logs.");
    expect(woken).toContain(`session ${PEER}`);
    expect(woken).not.toContain(WAKE_LINE); // no wake line was typed or sent
    expect(agent.screen()).toContain("I have read the woken note.");
    // The transcript's user entries: the test's typed "hello", then the client's own task
    // notification carrying the mail (the hook's stderr), not a typed line.
    const prompts = readJsonLines(agent.transcriptPath() as string)
      .filter((e) => e.type === "user" && typeof (e.message as { content?: unknown })?.content === "string")
      .map((e) => (e.message as { content: string }).content);
    expect(prompts).toHaveLength(2);
    expect(prompts[0]).toBe("hello");
    expect(prompts[1]).toMatch(/^<task-notification>/);
    expect(prompts[1]).toContain("WAKE-NOTE: the deploy finished");
    expect(fs.readdirSync(path.join(agent.home, ".oxtail", "mailboxes", session, "new"))).toEqual([]);
    expect(readSleeper(path.join(agent.home, ".oxtail"), session).lastWake?.messages).toHaveLength(1);
  });

  // Codex 0.169.0 runs the same hooks: PreToolUse before each exec_command, Stop at the end of a turn.
  async function codexMidTurn(work: Turn) {
    const agent = await Agent.start({
      kind: "codex",
      projectDir: project(),
      beforeStart: setup("--codex"),
      args: ["--dangerously-bypass-hook-trust"],
      script: [[{ say: "ready" }], work],
    });
    running.push(agent);
    await agent.prompt("hello"); // the thread (and its id) exists from the first prompt on
    const threadId = (
      readJsonLines(agent.transcriptPath() as string)[0]?.payload as { id: string } | undefined
    )?.id as string;
    const turn = agent.prompt("Do some work.");
    await agent.endpoint.waitForMainRequests(2);
    await new Promise((r) => setTimeout(r, 800)); // the sleep's PreToolUse has run; the command is running
    await peerSays(agent.home, threadId, "CODEX-MID: the schema changed, please re-run the migration.");
    await turn;
    const requests = agent.endpoint.mainRequests().map((r) => JSON.stringify(r.body));
    expect(requests).toHaveLength(4);
    expect(requests.slice(0, 3).some((r) => r.includes("CODEX-MID"))).toBe(false);
    expect(requests[3]).toContain("CODEX-MID: the schema changed, please re-run the migration.");
    expect(requests[3]).toContain(`session ${PEER}`);
    expect(fs.readdirSync(path.join(agent.home, ".oxtail", "mailboxes", threadId, "new"))).toEqual([]);
    return agent;
  }

  it("Codex, mid-turn: PreToolUse delivers a peer's message before the next command", async () => {
    await codexMidTurn([
      { tool: "exec_command", args: { cmd: "sleep 3" } },
      { tool: "exec_command", args: { cmd: "echo second" } },
      { say: "done" },
    ]);
  });

  it("Codex, before going idle: Stop blocks with the mail and the turn continues to answer it", async () => {
    const agent = await codexMidTurn([
      { tool: "exec_command", args: { cmd: "sleep 3" } },
      { say: "first answer" },
      { say: "I have read the peer's note." },
    ]);
    expect(fs.readFileSync(agent.transcriptPath() as string, "utf8")).toContain(
      "I have read the peer's note.",
    );
  });

  it("Codex, at the next prompt: UserPromptSubmit delivers the mail and drops the thread's identity", async () => {
    const agent = await Agent.start({
      kind: "codex",
      projectDir: project(),
      beforeStart: setup("--codex"),
      args: ["--dangerously-bypass-hook-trust"],
      script: [[{ say: "first" }], [{ say: "second" }]],
    });
    running.push(agent);
    await agent.prompt("hello"); // the thread (and its id) exists from the first prompt on
    const threadId = (
      readJsonLines(agent.transcriptPath() as string)[0]?.payload as { id: string } | undefined
    )?.id as string;
    const drops = fs.readdirSync(path.join(agent.home, ".oxtail", "identity"));
    expect(drops).toContain(`${threadId}.json`);
    await peerSays(agent.home, threadId, "CODEX-NOTE: the build is green again.");
    await agent.prompt("and now?");
    const last = agent.endpoint.mainRequests().at(-1);
    expect(JSON.stringify(last?.body)).toContain("CODEX-NOTE: the build is green again.");
  });
});
