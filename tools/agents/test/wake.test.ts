// Issue (reliable wake): an idle real Codex asked by a real Claude Code answers and ask_peer returns its
// reply; and the reverse. Both clients run the built oxtail server from their MCP config, in one
// private tmux server; the asked peer is idle at its prompt and is woken by oxtail's tmux wake.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createFsRegistryStore, createRegistry } from "@oxtail/core";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { Agent, until } from "../src/agent.ts";
import type { McpServerConfig } from "../src/homes.ts";
import { jsonInResult, type Turn } from "../src/script.ts";
import { PrivateTmux } from "../src/tmux.ts";

const ROOT = path.resolve(import.meta.dirname, "../../..");
const SERVER = path.join(ROOT, "apps/server/dist/main.mjs");
const WAKE_TEXT = "[oxtail] New messages from peers are waiting for you";
const running: Agent[] = [];
let tmux: PrivateTmux | null = null;

beforeAll(() => {
  execFileSync("npx", ["nx", "run", "oxtail:build", "--outputStyle=static"], { cwd: ROOT, stdio: "ignore" });
});
afterEach(async () => {
  for (const agent of running.splice(0)) await agent.stop();
  tmux?.kill();
});

function world() {
  tmux = new PrivateTmux("oxtail-wake-test");
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-home-"));
  const project = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-wake-proj-")));
  fs.mkdirSync(path.join(project, ".git"));
  const oxtail: McpServerConfig = {
    command: process.execPath,
    args: [SERVER],
    env: { OXTAIL_HOME: home },
    envVars: ["TMUX", "TMUX_PANE"],
  };
  const registry = createRegistry({ store: createFsRegistryStore({ home }) });
  return { tmux, home, project, oxtail, registry };
}

/** The woken peer's turn: read the mail, answer the question with reply_to, say so. */
const answerTurn = (answer: string): Turn => [
  { tool: "read_my_messages", server: "oxtail", args: {} },
  {
    tool: "send_message",
    server: "oxtail",
    args: (last) => {
      const message = (
        jsonInResult(last)?.messages as { id: string; from: { session_id: string } }[] | undefined
      )?.[0];
      return { target: message?.from.session_id ?? "?", body: answer, reply_to: message?.id ?? "" };
    },
  },
  { say: "answered the peer" },
];

describe("ask_peer wakes an idle peer in the real clients", () => {
  it("a real Claude Code asks an idle real Codex; Codex is woken, answers, and ask_peer returns the reply", async () => {
    const w = world();
    const codex = await Agent.start({
      kind: "codex",
      projectDir: w.project,
      tmux: w.tmux,
      name: "codex-peer",
      mcpServers: { oxtail: w.oxtail },
      script: [[{ say: "ready" }], answerTurn("CODEX-ANSWER: 6 x 7 = 42")],
    });
    running.push(codex);
    await codex.prompt("hello"); // Codex's thread, and so its session id, exists from the first prompt on
    await until("Codex registered with its session id", 30_000, async () =>
      (await w.registry.list()).some((a) => a.client.type === "codex" && a.client.session_id && a.tmux?.pane),
    );
    const claude = await Agent.start({
      kind: "claude",
      projectDir: w.project,
      tmux: w.tmux,
      name: "claude-asker",
      env: { MCP_TOOL_TIMEOUT: "180000" },
      mcpServers: { oxtail: w.oxtail },
      script: [
        [
          {
            tool: "ask_peer",
            server: "oxtail",
            args: { target: "codex-peer", body: "What is 6 x 7?", timeout_ms: 90_000 },
          },
          { sayLastToolResult: true, prefix: "Peer said: " },
        ],
      ],
    });
    running.push(claude);
    await claude.prompt("Ask the Codex peer.", 150_000);

    const answer = JSON.stringify(claude.endpoint.mainRequests()[1]?.body);
    expect(answer).toContain("CODEX-ANSWER: 6 x 7 = 42");
    expect(answer).toMatch(/outcome\\?":\\?"submitted/);
    // Codex really took a turn from the wake line typed into its pane.
    expect(JSON.stringify(codex.endpoint.mainRequests().at(-3)?.body ?? "")).toContain(WAKE_TEXT);
  });

  it("a real Codex asks an idle real Claude Code; Claude is woken, answers, and ask_peer returns the reply", async () => {
    const w = world();
    const claude = await Agent.start({
      kind: "claude",
      projectDir: w.project,
      tmux: w.tmux,
      name: "claude-peer",
      mcpServers: { oxtail: w.oxtail },
      script: [answerTurn("CLAUDE-ANSWER: the tests pass")],
    });
    running.push(claude);
    await until("Claude registered with its session id", 30_000, async () =>
      (await w.registry.list()).some(
        (a) => a.client.type === "claude" && a.client.session_id && a.tmux?.pane,
      ),
    );
    const codex = await Agent.start({
      kind: "codex",
      projectDir: w.project,
      tmux: w.tmux,
      name: "codex-asker",
      mcpServers: { oxtail: w.oxtail },
      script: [
        [
          {
            tool: "ask_peer",
            server: "oxtail",
            args: { target: "claude-peer", body: "Do the tests pass?", timeout_ms: 90_000 },
          },
          { sayLastToolResult: true, prefix: "Peer said: " },
        ],
      ],
    });
    running.push(codex);
    await codex.prompt("Ask the Claude peer.", 150_000);

    const answer = JSON.stringify(codex.endpoint.mainRequests()[1]?.body);
    expect(answer).toContain("CLAUDE-ANSWER: the tests pass");
    expect(answer).toMatch(/outcome\\?":\\?"submitted/);
    expect(JSON.stringify(claude.endpoint.mainRequests()[0]?.body ?? "")).toContain(WAKE_TEXT);
  });
});
