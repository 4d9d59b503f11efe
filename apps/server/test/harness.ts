import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";

export const SERVER = path.resolve(import.meta.dirname, "..", "dist", "main.mjs");

/** A private tmux server (its own TMUX_TMPDIR), never the user's. */
export class TestTmux {
  readonly tmpdir: string;
  constructor() {
    this.tmpdir = fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-tmux-"));
  }
  get socket(): string {
    return path.join(this.tmpdir, `tmux-${process.getuid?.() ?? 0}`, "default");
  }
  run(args: string[]): string {
    return execFileSync("tmux", args, {
      env: { ...process.env, TMUX_TMPDIR: this.tmpdir, TMUX: "" },
      encoding: "utf8",
    });
  }
  /** A session running `command` in `cwd`; returns its first pane id. */
  session(name: string, cwd: string, command = "sleep 3600"): string {
    this.run(["new-session", "-d", "-s", name, "-x", "120", "-y", "30", "-c", cwd, command]);
    return this.run(["display-message", "-p", "-t", name, "#{pane_id}"]).trim();
  }
  /** A second pane in an existing session. */
  split(name: string, cwd: string, command = "sleep 3600"): string {
    return this.run(["split-window", "-d", "-P", "-F", "#{pane_id}", "-t", name, "-c", cwd, command]).trim();
  }
  kill(): void {
    try {
      this.run(["kill-server"]);
    } catch {
      // not running
    }
    fs.rmSync(this.tmpdir, { recursive: true, force: true });
  }
}

/** What a simulated agent is. */
export interface AgentSpec {
  cwd: string;
  /** The tmux pane it sits in. */
  pane?: string;
  /** A Claude Code session id (the server detects Claude from the environment). */
  claudeSession?: string;
  /** Claude's state folder for this agent (transcripts, session files). */
  claudeDir?: string;
  clientName?: string;
  env?: Record<string, string>;
}

/** A real oxtail server process, driven by the SDK's real Client over stdio. */
export interface TestAgent {
  client: Client;
  /** Call a tool: the structured result (success), or the parsed `{ ok: false, … }` (error). */
  call(name: string, args?: Record<string, unknown>): Promise<Record<string, unknown>>;
  pid: number;
  close(): Promise<void>;
}

/** Everything one test needs: a data dir, a private tmux, and a way to start agents. */
export class World {
  readonly home = fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-home-"));
  readonly tmux = new TestTmux();
  private readonly agents: TestAgent[] = [];
  private readonly dirs: string[] = [];

  /** A fresh project folder (with .git) under a private temp dir. */
  project(name = "proj"): string {
    const base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), `oxtail-${name}-`)));
    fs.mkdirSync(path.join(base, ".git"));
    this.dirs.push(base);
    return base;
  }

  async agent(spec: AgentSpec): Promise<TestAgent> {
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: os.homedir(),
      OXTAIL_HOME: this.home,
      TMUX_TMPDIR: this.tmux.tmpdir,
      ...(spec.pane ? { TMUX: `${this.tmux.socket},1,0`, TMUX_PANE: spec.pane } : {}),
      ...(spec.claudeSession ? { CLAUDECODE: "1", CLAUDE_CODE_SESSION_ID: spec.claudeSession } : {}),
      ...(spec.claudeDir ? { CLAUDE_CONFIG_DIR: spec.claudeDir } : {}),
      ...spec.env,
    };
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [SERVER],
      env,
      cwd: spec.cwd,
      stderr: "pipe",
    });
    const client = new Client({
      name: spec.clientName ?? (spec.claudeSession ? "claude-code" : "test-client"),
      version: "1.0.0",
    });
    await client.connect(transport);
    const agent: TestAgent = {
      client,
      pid: transport.pid as number,
      async call(name, args = {}) {
        const result = await client.callTool({ name, arguments: args }, undefined, { timeout: 120_000 });
        if (result.isError) return JSON.parse((result.content as { text: string }[])[0]?.text ?? "{}");
        return result.structuredContent as Record<string, unknown>;
      },
      close: () => client.close(),
    };
    this.agents.push(agent);
    return agent;
  }

  async dispose(): Promise<void> {
    for (const agent of this.agents.splice(0)) await agent.close().catch(() => {});
    this.tmux.kill();
    for (const dir of [this.home, ...this.dirs]) fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Wait until `check` returns something truthy (polling every 50 ms), or fail. */
export async function until<T>(
  what: string,
  check: () => Promise<T | null | undefined | false> | T | null | undefined | false,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
