// An idle real Gemini CLI is woken by oxtail (its tmux wake: a bracketed paste of oxtail's wake line, then
// Enter as a separate call) 20 times in a row, each wake verified and answered; then ask_peer round trips
// between Gemini CLI and the other real clients, both ways. The agents live through the whole file (their
// scripts run turn after turn) to keep the suite short.
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { WAKE_LINE } from "@oxtail/core";
import { createFsRegistryStore, createRegistry } from "@oxtail/core/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Agent, until } from "../src/agent.ts";
import { type McpServerConfig, OXTAIL_MAIN, withoutRateBudget } from "../src/homes.ts";
import { newestIsPinned } from "../src/install.ts";
import { answerTurn, type Turn } from "../src/script.ts";
import { PrivateTmux } from "../src/tmux.ts";

/**
 * `npm run test:agents:newest` runs each adapter's newest tested release; Gemini CLI's newest is its pinned
 * one, so these tests have run already in `npm run test:agents` and are skipped there.
 */
const SAME_AS_PINNED = newestIsPinned("gemini");

// The start of oxtail's fixed wake line (no quotes in it: it is searched in JSON request bodies).
const WAKE_TEXT = WAKE_LINE.slice(0, 40);
const WAKES = 20;

let tmux: PrivateTmux;
let home: string;
let project: string;
let oxtail: McpServerConfig;
let registry: ReturnType<typeof createRegistry>;
const agents: Agent[] = [];

/** The asking turn: ask_peer, then say what came back. */
const askTurn = (target: string, question: string): Turn => [
  { tool: "ask_peer", server: "oxtail", args: { target, body: question, timeout_ms: 90_000 } },
  { sayLastToolResult: true, prefix: "Peer said: " },
];

beforeAll(() => {
  tmux = new PrivateTmux("oxtail-gemini-wake");
  home = fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-home-"));
  withoutRateBudget(home); // 20 asks of one peer in a row: what the rate budget exists to stop
  project = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-gemini-wake-proj-")));
  fs.mkdirSync(path.join(project, ".git"));
  oxtail = {
    command: process.execPath,
    args: [OXTAIL_MAIN],
    env: { OXTAIL_HOME: home },
    envVars: ["TMUX", "TMUX_PANE"],
  };
  registry = createRegistry({ store: createFsRegistryStore({ home }) });
});

afterAll(async () => {
  for (const agent of agents.splice(0).reverse()) await agent.stop();
  tmux?.kill();
  if (home) fs.rmSync(home, { recursive: true, force: true });
  if (project) fs.rmSync(project, { recursive: true, force: true });
});

/** Wait until an agent of `type` is registered with its session id and pane. */
const registered = (type: string) =>
  until(`the ${type} agent registered with its session id and pane`, 60_000, async () =>
    (await registry.list()).find((a) => a.client.type === type && a.client.session_id && a.tmux?.pane),
  );

/** Wait until the client has initialized its oxtail server (the record carries the client's own name). */
const initialized = (clientName: string) =>
  until(`${clientName}'s oxtail server to be initialized`, 60_000, async () =>
    (await registry.list()).some((a) => a.client.name === clientName),
  );

async function startGemini(): Promise<Agent> {
  const gemini = await Agent.start({
    kind: "gemini",
    projectDir: project,
    tmux,
    name: "gemini-peer",
    mcpServers: { oxtail },
    script: [
      ...Array.from({ length: WAKES }, (_, i) => answerTurn(`answer ${i}`)),
      answerTurn("GEMINI-ANSWER: asked by Claude Code"),
      answerTurn("GEMINI-ANSWER: asked by Codex"),
      askTurn("claude-peer", "Claude, do the tests pass?"),
      askTurn("codex-peer", "Codex, what is 6 x 7?"),
    ],
  });
  agents.push(gemini);
  return gemini;
}

let gemini: Agent;

describe.skipIf(SAME_AS_PINNED)("waking an idle real Gemini CLI", () => {
  it(`${WAKES} consecutive ask_peer calls, each waking it, all verified submitted and answered`, async () => {
    gemini = await startGemini();
    await registered("gemini");
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [OXTAIL_MAIN],
      cwd: project,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: os.homedir(),
        OXTAIL_HOME: home,
        CLAUDECODE: "1",
        CLAUDE_CODE_SESSION_ID: randomUUID(),
      },
    });
    const asker = new Client({ name: "claude-code", version: "test" });
    await asker.connect(transport);
    let submitted = 0;
    let answered = 0;
    const verifiedMs: number[] = [];
    try {
      for (let i = 0; i < WAKES; i++) {
        const turns = gemini.completedTurns();
        const result = await asker.callTool(
          {
            name: "ask_peer",
            arguments: { target: "gemini-peer", body: `question ${i}?`, timeout_ms: 60_000 },
          },
          undefined,
          { timeout: 120_000 },
        );
        const out = result.structuredContent as {
          reply: { body: string } | null;
          wake: { outcome: string; verified_after_ms: number | null; reason: string | null };
        };
        if (out.wake.outcome === "submitted") {
          submitted += 1;
          verifiedMs.push(out.wake.verified_after_ms ?? -1);
        } else console.log(`[wake] gemini wake ${i}: ${JSON.stringify(out.wake)}`);
        if (out.reply?.body === `answer ${i}`) answered += 1;
        await until(`the Gemini peer's turn ${i} to end`, 60_000, () => gemini.completedTurns() > turns);
      }
    } finally {
      await asker.close();
    }
    console.log(
      `[wake] gemini: ${submitted}/${WAKES} wakes verified submitted, ${answered}/${WAKES} answered; verified after ${verifiedMs.join(", ")} ms`,
    );
    expect(submitted).toBe(WAKES);
    expect(answered).toBe(WAKES);
    // Each woken turn began with oxtail's fixed wake line, typed into the pane: never the question itself.
    const prompts = gemini.endpoint.mainRequests().filter((r) => JSON.stringify(r.body).includes(WAKE_TEXT));
    expect(prompts.length).toBeGreaterThanOrEqual(WAKES);
  });
});

describe.skipIf(SAME_AS_PINNED)("ask_peer between Gemini CLI and the other real clients", () => {
  let claude: Agent;
  let codex: Agent;

  it("a real Claude Code asks the idle Gemini CLI: it is woken, answers, and ask_peer returns the reply", async () => {
    claude = await Agent.start({
      kind: "claude",
      projectDir: project,
      tmux,
      name: "claude-peer",
      env: { MCP_TOOL_TIMEOUT: "180000" },
      mcpServers: { oxtail },
      script: [askTurn("gemini-peer", "Gemini, are you there?"), answerTurn("CLAUDE-ANSWER: the tests pass")],
    });
    agents.push(claude);
    await initialized("claude-code");
    await claude.prompt("Ask the Gemini peer.", 150_000);
    const result = JSON.stringify(claude.endpoint.mainRequests()[1]?.body);
    expect(result).toContain("GEMINI-ANSWER: asked by Claude Code");
    expect(result).toMatch(/outcome\\?":\\?"submitted/);
  });

  it("a real Codex asks the idle Gemini CLI: it is woken, answers, and ask_peer returns the reply", async () => {
    codex = await Agent.start({
      kind: "codex",
      projectDir: project,
      tmux,
      name: "codex-peer",
      mcpServers: { oxtail },
      script: [
        [{ say: "ready" }],
        askTurn("gemini-peer", "Gemini, what time is it?"),
        answerTurn("CODEX-ANSWER: 6 x 7 = 42"),
      ],
    });
    agents.push(codex);
    await codex.prompt("hello"); // Codex's thread, and so its session id, exists from the first prompt on
    await initialized("codex-mcp-client");
    const before = codex.endpoint.mainRequests().length;
    await codex.prompt("Ask the Gemini peer.", 150_000);
    const result = JSON.stringify(codex.endpoint.mainRequests()[before + 1]?.body);
    expect(result).toContain("GEMINI-ANSWER: asked by Codex");
    expect(result).toMatch(/outcome\\?":\\?"submitted/);
  });

  it("the Gemini CLI asks the idle Claude Code, then the idle Codex: each is woken and answers", async () => {
    await registered("claude");
    await registered("codex");
    let before = gemini.endpoint.mainRequests().length;
    await gemini.prompt("Ask the Claude peer.", 150_000);
    let result = JSON.stringify(gemini.endpoint.mainRequests()[before + 1]?.body);
    expect(result).toContain("CLAUDE-ANSWER: the tests pass");
    expect(result).toMatch(/outcome\\?":\\?"submitted/);
    before = gemini.endpoint.mainRequests().length;
    await gemini.prompt("Ask the Codex peer.", 150_000);
    result = JSON.stringify(gemini.endpoint.mainRequests()[before + 1]?.body);
    expect(result).toContain("CODEX-ANSWER: 6 x 7 = 42");
    expect(result).toMatch(/outcome\\?":\\?"submitted/);
    // Both peers took a turn from the wake line typed into their panes.
    for (const peer of [claude, codex])
      expect(peer.endpoint.mainRequests().some((r) => JSON.stringify(r.body).includes(WAKE_TEXT))).toBe(true);
  });
});
