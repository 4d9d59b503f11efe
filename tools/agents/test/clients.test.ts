import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Agent } from "../src/agent.ts";
import { toolResultsOf } from "../src/endpoint.ts";
import type { ClientKind } from "../src/install.ts";
import { processesWithEnv } from "../src/processes.ts";
import { removeTempDirs, tempDir } from "../src/temp.ts";
import { readJsonLines } from "../src/transcripts.ts";

const ECHO_SERVER = path.join(import.meta.dirname, "..", "fixtures", "echo-mcp.mjs");
const running: Agent[] = [];
afterEach(async () => {
  for (const agent of running.splice(0)) await agent.stop();
  removeTempDirs();
});

function project(): string {
  const dir = tempDir("oxtail-agents-proj");
  fs.mkdirSync(path.join(dir, ".git"));
  return dir;
}

describe.each<ClientKind>(["claude", "codex"])("a real %s driven by a scripted model", (kind) => {
  it("calls an MCP tool, and the tool's result reaches the model's next request", async () => {
    const dir = project();
    const echoLog = path.join(dir, "echo.log");
    const token = `ping-${kind}-${Date.now()}`;
    const agent = await Agent.start({
      kind,
      projectDir: dir,
      mcpServers: {
        echo: { command: process.execPath, args: [ECHO_SERVER], env: { ECHO_MCP_LOG: echoLog } },
      },
      script: [
        [
          { tool: "echo", server: "echo", args: { text: token } },
          { sayLastToolResult: true, prefix: "The tool said: " },
        ],
      ],
    });
    running.push(agent);
    await agent.waitForMcp(`${echoLog}.ready`);

    await agent.prompt("Please call the echo tool.");

    // The tool ran, in the MCP server the client started.
    const calls = readJsonLines(echoLog);
    expect(calls.map((c) => c.text)).toEqual([token]);
    // The model's second request carried the tool's result.
    const main = agent.endpoint.mainRequests();
    expect(main).toHaveLength(2);
    const format = kind === "claude" ? "anthropic" : "openai";
    expect(toolResultsOf(format, main[0]?.body)).toEqual([]);
    expect(toolResultsOf(format, main[1]?.body).join("\n")).toContain(`echo: ${token}`);
    // The first request carried the prompt; the client shows the scripted answer.
    expect(JSON.stringify(main[0]?.body)).toContain("Please call the echo tool.");
    // (Codex frames MCP results as "Wall time: …\nOutput:<text>"; Claude passes the text as is.)
    const screen = agent.screen();
    expect(screen).toContain("The tool said:");
    expect(screen).toContain(`echo: ${token}`);
    expect(agent.endpoint.remaining).toBe(0);
  });

  it("leaves no process behind when stopped", async () => {
    const dir = project();
    const agent = await Agent.start({
      kind,
      projectDir: dir,
      mcpServers: { echo: { command: process.execPath, args: [ECHO_SERVER] } },
      script: [[{ say: "hello" }]],
    });
    await agent.prompt("hi");
    const marker = `HOME=${agent.home}`;
    expect(processesWithEnv(marker).length).toBeGreaterThan(0);
    await agent.stop();
    expect(processesWithEnv(marker)).toEqual([]);
    expect(() => agent.tmux.run(["list-sessions"])).toThrow();
  });
});

describe("Codex with its shared app-server daemon", () => {
  it("runs a turn, and stopping it also ends the detached daemon", async () => {
    const dir = project();
    const agent = await Agent.start({
      kind: "codex",
      projectDir: dir,
      daemon: true,
      script: [[{ say: "daemon hello" }]],
    });
    running.push(agent);
    await agent.prompt("hi");
    expect(agent.screen()).toContain("daemon hello");
    const marker = `HOME=${agent.home}`;
    const pids = processesWithEnv(marker);
    const daemon = pids.filter((pid) =>
      fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("app-server"),
    );
    expect(daemon.length).toBeGreaterThan(0);
    await agent.stop();
    expect(processesWithEnv(marker)).toEqual([]);
  });
});
