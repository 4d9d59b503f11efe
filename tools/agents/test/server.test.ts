import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Agent, until } from "../src/agent.ts";
import { PrivateTmux } from "../src/tmux.ts";
import { readJsonLines } from "../src/transcripts.ts";

const ROOT = path.resolve(import.meta.dirname, "../../..");
const SERVER = path.join(ROOT, "apps/server/dist/main.mjs");
const agents: Agent[] = [];
let tmux: PrivateTmux;
let home: string;
let project: string;

beforeAll(() => {
  tmux = new PrivateTmux("oxtail-server-test");
  home = fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-home-"));
  project = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-server-proj-")));
  fs.mkdirSync(path.join(project, ".git"));
});
afterAll(async () => {
  for (const agent of agents) await agent.stop();
  tmux.kill();
  fs.rmSync(home, { recursive: true, force: true });
  fs.rmSync(project, { recursive: true, force: true });
});

describe("the oxtail server inside the real clients", () => {
  it("a real Claude Code and a real Codex appear in a third server's list with client type, session id and pane", async () => {
    const oxtail = {
      command: process.execPath,
      args: [SERVER],
      env: { OXTAIL_HOME: home },
      envVars: ["TMUX", "TMUX_PANE"],
    };
    const claude = await Agent.start({
      kind: "claude",
      projectDir: project,
      tmux,
      name: "claude-agent",
      mcpServers: { oxtail },
      script: [[{ say: "ok" }]],
    });
    agents.push(claude);
    const codex = await Agent.start({
      kind: "codex",
      projectDir: project,
      tmux,
      name: "codex-agent",
      mcpServers: { oxtail },
      script: [[{ say: "ok" }]],
    });
    agents.push(codex);
    await codex.prompt("hello"); // Codex writes its thread's rollout at the first prompt.

    const socket = path.join(`/tmp/tmux-${process.getuid?.() ?? 0}`, tmux.socket);
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [SERVER],
      cwd: project,
      env: { PATH: process.env.PATH ?? "", HOME: os.homedir(), OXTAIL_HOME: home, TMUX: `${socket},0,0` },
    });
    const observer = new Client({ name: "observer", version: "1" });
    await observer.connect(transport);
    try {
      const claudeSession = claude.claudeSessionId();
      expect(claudeSession).toMatch(/^[0-9a-f-]{36}$/);
      const threadId = (
        readJsonLines(codex.transcriptPath() as string)[0]?.payload as { id: string } | undefined
      )?.id;
      // Rows name agents by short session id (the first 8 characters), with their tmux session.
      type Row = { client?: string; id?: string; name?: string };
      const short = (id: string | null | undefined) => id?.slice(0, 8);
      const rows = await until<Row[]>("both agents listed with their session ids", 60_000, async () => {
        const result = await observer.callTool({ name: "list_project_sessions", arguments: {} });
        const list = (result.structuredContent as { rows: Row[] }).rows;
        return list.some((r) => r.id === short(claudeSession)) && list.some((r) => r.id === short(threadId))
          ? list
          : null;
      });
      expect(rows.find((r) => r.id === short(claudeSession))).toMatchObject({
        client: "claude",
        name: "claude-agent",
      });
      expect(rows.find((r) => r.id === short(threadId))).toMatchObject({
        client: "codex",
        name: "codex-agent",
      });
    } finally {
      await observer.close();
    }
  });
});
