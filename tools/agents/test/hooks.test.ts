import fs from "node:fs";
import path from "node:path";
import { readSleeper, WAKE_LINE } from "@oxtail/core";
import {
  createFsMailboxStore,
  createFsReceiptStore,
  createMailbox,
  createReceipts,
  type DeliveryVia,
  sessionMailboxKey,
} from "@oxtail/core/runtime";
import { afterEach, describe, expect, it } from "vitest";
import { Agent, until } from "../src/agent.ts";
import { oxtailInHome } from "../src/homes.ts";
import type { Turn } from "../src/script.ts";
import { removeTempDirs, tempDir } from "../src/temp.ts";
import { readJsonLines } from "../src/transcripts.ts";

const _ROOT = path.resolve(import.meta.dirname, "../../..");
const PEER = "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb";
const running: Agent[] = [];

afterEach(async () => {
  for (const agent of running.splice(0)) await agent.stop();
  removeTempDirs();
});

function project(): string {
  const dir = tempDir("oxtail-hooks-proj");
  fs.mkdirSync(path.join(dir, ".git"));
  return dir;
}

/** `oxtail setup` into the agent's HOME, as a user would run it. */
const setup = (client: "--claude" | "--codex", ...extra: string[]) => oxtailInHome("setup", client, ...extra);

/** The receipts under the agent's default data dir (~/.oxtail). */
const receiptsIn = (home: string) =>
  createReceipts({ store: createFsReceiptStore({ home: path.join(home, ".oxtail") }) });

/**
 * A peer's message into `session`'s mailbox under the agent's default data dir (~/.oxtail), recorded
 * queued as a peer's server records it. Returns its id.
 */
async function peerSays(home: string, session: string, body: string): Promise<string> {
  const mailbox = createMailbox({
    store: createFsMailboxStore({ home: path.join(home, ".oxtail") }),
    receipts: receiptsIn(home),
  });
  const from = { session_id: PEER, instance_id: "1-1", client_type: "codex", display_name: "codex (peer)" };
  const sent = await mailbox.send({
    from,
    fromMailbox: sessionMailboxKey(PEER),
    to: sessionMailboxKey(session),
    toSessionId: session,
    body,
  });
  await new Promise((r) => setTimeout(r, 5));
  return sent.id;
}

function claudeSessionId(agent: Agent): string {
  const id = agent.claudeSessionId();
  if (!id) throw new Error("Claude Code has written no session file for its process");
  return id;
}

describe("oxtail's hooks in the real clients", () => {
  /**
   * A peer's mail arrives mid-turn, while the turn's first command (`sleep 3`) runs: its PreToolUse
   * has already run, so the mail reaches the model through the next hook of this turn. Returns the
   * model requests of the turn (the first one was made before the mail came).
   */
  async function mailMidTurn(kind: "claude" | "codex", work: Turn, note: string, via: DeliveryVia) {
    const agent = await Agent.start({
      kind,
      projectDir: project(),
      beforeStart: setup(kind === "claude" ? "--claude" : "--codex"),
      ...(kind === "codex" ? { args: ["--dangerously-bypass-hook-trust"] } : {}),
      // The mail is sent mid-turn, so that it is the turn's own hooks that deliver it. Codex has its
      // thread (and id) from the first prompt on.
      script: kind === "codex" ? [[{ say: "ready" }], work] : [work],
    });
    running.push(agent);
    if (kind === "codex") await agent.prompt("hello");
    const session =
      kind === "claude"
        ? claudeSessionId(agent)
        : ((readJsonLines(agent.transcriptPath() as string)[0]?.payload as { id: string } | undefined)
            ?.id as string);
    // Once the sleep's PreToolUse has run and the command is running, the peer's mail comes.
    const { requests, during: id } = await agent.turnWith("Do some work.", () =>
      peerSays(agent.home, session, note),
    );
    expect(requests).toHaveLength(3);
    expect(requests[0]).not.toContain(note);
    expect(requests[1]).not.toContain(note); // the mail came after the first command had started
    expect(requests[2]).toContain(note);
    expect(requests[2]).toContain(`session ${PEER}`);
    // Visible in the transcript too, and consumed from the mailbox.
    expect(fs.readFileSync(agent.transcriptPath() as string, "utf8")).toContain(note);
    expect(fs.readdirSync(path.join(agent.home, ".oxtail", "mailboxes", session, "new"))).toEqual([]);
    // The sender can see it: delivered, by the hook that handed it over.
    expect(await receiptsIn(agent.home).get(id)).toMatchObject({ state: "delivered", delivered: { via } });
    return agent;
  }

  const bash = (command: string) => ({ tool: "Bash", args: { command, description: command } });
  const exec = (cmd: string) => ({ tool: "exec_command", args: { cmd } });

  it.each([
    ["Claude Code", "claude", bash],
    ["Codex", "codex", exec],
  ] as const)(
    "%s, mid-turn: PreToolUse delivers a peer's message before the next command",
    async (_name, kind, command) => {
      await mailMidTurn(
        kind,
        [command("sleep 3"), command("echo second"), { say: "done" }],
        "PEER-NOTE: the parser tests are red, please look.",
        "hook-mid-turn",
      );
    },
  );

  it.each([
    ["Claude Code", "claude", bash],
    ["Codex", "codex", exec],
  ] as const)(
    "%s, before going idle: Stop blocks with the mail and the turn continues to answer it",
    async (_name, kind, command) => {
      // One command only: no PreToolUse comes after the mail, so Stop is what delivers it.
      const agent = await mailMidTurn(
        kind,
        [command("sleep 3"), { say: "first answer" }, { say: "I have read the peer's note." }],
        "STOP-NOTE: answer me before you stop.",
        "hook-stop",
      );
      expect(fs.readFileSync(agent.transcriptPath() as string, "utf8")).toContain(
        "I have read the peer's note.",
      );
    },
  );

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
    const id = await peerSays(agent.home, session, "WAKE-NOTE: the deploy finished, please check the logs.");
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
    expect(await receiptsIn(agent.home).get(id)).toMatchObject({
      state: "delivered",
      delivered: { via: "wake-notice" },
    });
  });

  // A client fact (the real client wins; recorded in a test): Claude Code ends an asyncRewake hook at its
  // `timeout`, so the hook's timeout bounds how long an idle session stays wakeable without typing. Setup
  // gives the sleeper 24 h (its own lifetime is 23 h); here the hook says 4 s.
  it("client fact: Claude Code ends an asyncRewake hook at its timeout; a server then sees no sleeper", async () => {
    const agent = await Agent.start({
      kind: "claude",
      projectDir: project(),
      beforeStart: (home) => {
        setup("--claude")(home);
        const settings = path.join(home, ".claude", "settings.json");
        fs.writeFileSync(
          settings,
          fs.readFileSync(settings, "utf8").replace(/"timeout": ?86400/g, '"timeout":4'),
        );
      },
      script: [[{ say: "not expected" }]],
    });
    running.push(agent);
    expect(fs.readFileSync(path.join(agent.home, ".claude", "settings.json"), "utf8")).toMatch(
      /"timeout": ?4\b/,
    );
    const home = path.join(agent.home, ".oxtail");
    const session = claudeSessionId(agent);
    const sleeper = await until("the sleeper to wait", 30_000, () => readSleeper(home, session).waiting);
    await until("Claude Code to end the sleeper at the hook's timeout", 30_000, () => {
      try {
        process.kill(sleeper.pid, 0);
        return false;
      } catch {
        return true;
      }
    });
    expect(readSleeper(home, session).waiting).toBeNull(); // claude-rewake is not ready: tmux is the wake
    await peerSays(agent.home, session, "LATE-NOTE: still there?");
    await new Promise((r) => setTimeout(r, 3000));
    expect(agent.endpoint.mainRequests()).toHaveLength(0);
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
    const id = await peerSays(agent.home, threadId, "CODEX-NOTE: the build is green again.");
    await agent.prompt("and now?");
    const last = agent.endpoint.mainRequests().at(-1);
    expect(JSON.stringify(last?.body)).toContain("CODEX-NOTE: the build is green again.");
    expect(await receiptsIn(agent.home).get(id)).toMatchObject({
      state: "delivered",
      delivered: { via: "hook-prompt" },
    });
  });
});
