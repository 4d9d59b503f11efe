// Issue: after `oxtail setup` into a temporary HOME, the real clients get a peer's mail through oxtail's
// hooks: Claude Code mid-turn (PreToolUse) and before it goes idle (Stop), Codex at its next prompt.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createFsMailboxStore, createMailbox, sessionMailboxKey } from "@oxtail/core";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { Agent, until } from "../src/agent.ts";
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
  return JSON.parse(fs.readFileSync(path.join(dir, fs.readdirSync(dir).find((f) => f.endsWith(".json")) as string), "utf8")).sessionId;
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

  // A client fact (SPEC: the real client wins; record it in a test). The asyncRewake sleeper exits 2
  // when mail arrives for an idle session, yet Claude Code 2.1.197 (and 2.1.331, checked by hand with
  // OXTAIL_AGENTS_CLAUDE_VERSION=2.1.331) starts no turn. If this test fails because a turn did
  // start, the client now honours asyncRewake: add the sleeper as the first rung of Claude's wake ladder.
  it("client fact: Claude Code starts no turn when the asyncRewake sleeper exits 2 while idle", async () => {
    const trace = path.join(os.tmpdir(), `oxtail-sleeper-trace-${process.pid}.ndjson`);
    fs.rmSync(trace, { force: true });
    const agent = await Agent.start({
      kind: "claude",
      projectDir: project(),
      env: { MCP_TRACE_FILE: trace },
      beforeStart: setup("--claude", "--sleeper"),
      script: [[{ say: "ok" }], [{ say: "woken by the sleeper" }]],
    });
    running.push(agent);
    const session = claudeSessionId(agent);
    await agent.prompt("hello");
    await until("the sleeper to wait", 30_000, () =>
      fs.existsSync(path.join(agent.home, ".oxtail", "sleepers", `${session}.json`)),
    );
    const turns = agent.completedTurns();
    await peerSays(agent.home, session, "WAKE-NOTE");
    await until(
      "the sleeper to exit 2 (woke)",
      30_000,
      () => fs.existsSync(trace) && fs.readFileSync(trace, "utf8").includes('"outcome":"woke"'),
    );
    await new Promise((r) => setTimeout(r, 10_000));
    expect(agent.completedTurns()).toBe(turns);
    expect(agent.endpoint.mainRequests()).toHaveLength(1);
    fs.rmSync(trace, { force: true });
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
