import { type ChildProcessWithoutNullStreams, execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import { arrivalHintPath, type Transport as Stores, sessionMailboxKey } from "@oxtail/core/runtime";
import { describe } from "vitest";
import {
  hasNatsServer,
  startNatsServer,
  type TestNatsServer,
} from "../../../libs/transport-nats/test/nats-server.ts";
import type { TestNetns } from "../../../libs/transport-nats/test/netns.ts";
import { configuredTransport } from "../src/transport-config.ts";
import { StreamClientTransport } from "./fifo-transport.ts";

export { hasNatsServer, startNatsServer, type TestNatsServer };

/** Where a world's servers keep their shared state (SPEC §12): the data directory, or NATS JetStream. */
export type TransportName = "fs" | "nats";
/**
 * The transports {@link onEachTransport} runs on: `OXTAIL_TEST_TRANSPORTS` (comma-separated), else both.
 * `npm test` runs the file-system variants (apps/server/vitest.config.ts sets `fs`); the NATS variants
 * run in the slow project (vitest.slow.config.ts, `npm run test:slow`).
 */
export const TRANSPORTS: readonly TransportName[] = (process.env.OXTAIL_TEST_TRANSPORTS ?? "fs,nats")
  .split(",")
  .map((t) => t.trim())
  .filter((t): t is TransportName => t === "fs" || t === "nats");
/** The project name every server of a NATS world shares (its checkouts have no git remote). */
export const NATS_PROJECT = "example.com/team/repo";

/**
 * Run `suite` once per transport of {@link TRANSPORTS}, as `describe("on <transport>")`: the same tests
 * on the file system and on NATS (SPEC §12). The NATS run is skipped when no nats-server is installed.
 */
export function onEachTransport(suite: (transport: TransportName) => void): void {
  for (const transport of TRANSPORTS)
    describe.skipIf(transport === "nats" && !hasNatsServer())(`on ${transport}`, () => suite(transport));
}

export const SERVER = path.resolve(import.meta.dirname, "..", "dist", "main.mjs");

/** A real Claude Code transcript: the first of the Claude adapter's public fixtures. */
export const CLAUDE_TRANSCRIPT_FIXTURE = (() => {
  const projects = path.resolve(
    import.meta.dirname,
    "../../../libs/client-claude/test/fixtures/claude-home/projects",
  );
  const key = fs.readdirSync(projects)[0] as string;
  const name = fs.readdirSync(path.join(projects, key)).find((n) => n.endsWith(".jsonl")) as string;
  return path.join(projects, key, name);
})();

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
      stdio: ["ignore", "pipe", "pipe"],
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

/**
 * Connect, then wait until the server has registered: it answers its handshake before it has
 * detected and registered itself, and its first tool call waits for both.
 */
async function connectRegistered(client: Client, transport: Transport): Promise<void> {
  await client.connect(transport);
  await client.callTool({ name: "get_my_session", arguments: {} });
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

/** How a world reaches NATS: a server it shares with other worlds (other machines), and its host id. */
export interface WorldNats {
  server: TestNatsServer;
  /** OXTAIL_HOST_ID of this world's servers (else the id made once in its home). */
  host?: string;
  /** A network namespace this world's servers run in (they reach the server through its link). */
  netns?: TestNetns;
}

/**
 * Everything one test needs: a data dir, a private tmux, and a way to start agents. A world on NATS
 * (`World.create("nats")`) starts its own nats-server (JetStream in a temp dir, a free port) and
 * stops it on dispose; `new World({ server, host })` joins a server shared with other worlds, one
 * world per machine.
 */
export class World {
  readonly home = fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-home-"));
  readonly tmux = new TestTmux();
  /** `fs` or `nats`: where this world's servers keep their shared state. */
  readonly transport: TransportName;
  private readonly agents: TestAgent[] = [];
  private readonly dirs: string[] = [];
  private readonly raws: RawServer[] = [];
  private stores: Stores | null = null;

  constructor(
    private readonly nats: WorldNats | null = null,
    /** A nats-server this world started, stopped and removed with it. */
    private readonly ownNats: TestNatsServer | null = null,
  ) {
    this.transport = nats ? "nats" : "fs";
  }

  /** A world on `transport`; on `nats` with a nats-server of its own. */
  static async create(transport: TransportName = "fs"): Promise<World> {
    if (transport === "fs") return new World();
    const server = await startNatsServer();
    return new World({ server }, server);
  }

  /** `argv` as this world's servers run it: inside its network namespace, if it has one. */
  private launch(argv: string[]): string[] {
    return this.nats?.netns ? this.nats.netns.wrap(argv) : argv;
  }

  /** The variables that select this world's transport (none on the file system). */
  get transportEnv(): Record<string, string> {
    if (!this.nats) return {};
    return {
      OXTAIL_TRANSPORT: "nats",
      OXTAIL_NATS_URL: this.nats.server.url,
      OXTAIL_PROJECT: NATS_PROJECT,
      ...(this.nats.host ? { OXTAIL_HOST_ID: this.nats.host } : {}),
    };
  }

  /**
   * This world's stores (registry, mailboxes, receipts, asks) opened in the test process, through the
   * transport its servers use: what a test inspects or writes behind the servers' backs. Closed on dispose.
   */
  async shared(): Promise<Stores> {
    this.stores ??= await configuredTransport({ ...this.transportEnv }, this.home, this.home);
    return this.stores;
  }

  /** The environment the human's `oxtail` commands get in `cwd`: this world's data, transport and tmux. */
  cliEnv(cwd: string, env: Record<string, string> = {}): Record<string, string> {
    return {
      PATH: process.env.PATH ?? "",
      HOME: cwd,
      OXTAIL_HOME: this.home,
      TMUX_TMPDIR: this.tmux.tmpdir,
      ...this.transportEnv,
      ...env,
    };
  }

  /** The built CLI (`oxtail <args>`), run as the human in `cwd` against this world's data and tmux. */
  cli(
    cwd: string,
    args: string[],
    env: Record<string, string> = {},
  ): Promise<{ code: number | null; out: string; err: string }> {
    const child = spawn(process.execPath, [SERVER, ...args], {
      cwd,
      env: this.cliEnv(cwd, env),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    return new Promise((resolve) => child.on("exit", (code) => resolve({ code, out, err })));
  }

  /**
   * A Claude state folder holding a real transcript (the adapter's public fixture) as `session`'s, where
   * Claude writes it for `cwd`.
   */
  claudeDirWithTranscript(session: string, cwd: string): string {
    const dir = this.project("claude");
    const folder = path.join(dir, "projects", cwd.replace(/[^A-Za-z0-9]/g, "-"));
    fs.mkdirSync(folder, { recursive: true });
    fs.copyFileSync(CLAUDE_TRANSCRIPT_FIXTURE, path.join(folder, `${session}.jsonl`));
    return dir;
  }

  /**
   * Once this world's server of `session`, on NATS, has seen mail land for it: the hook program's front
   * looks at the arrival hint that server writes (a hook run before it prints nothing, and the client's
   * next event delivers). The file system keeps no hints: its mailbox itself is looked at.
   */
  async arrivalHinted(session: string): Promise<void> {
    await until(`the arrival hint of ${session}`, () =>
      fs.existsSync(arrivalHintPath(this.home, sessionMailboxKey(session))),
    );
  }

  /** A fresh project folder (with .git) under a private temp dir. */
  project(name = "proj"): string {
    const base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), `oxtail-${name}-`)));
    fs.mkdirSync(path.join(base, ".git"));
    this.dirs.push(base);
    return base;
  }

  /** The environment of an agent's server (without tmux's own variables). */
  private serverEnv(spec: AgentSpec): Record<string, string> {
    return {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: os.homedir(),
      OXTAIL_HOME: this.home,
      TMUX_TMPDIR: this.tmux.tmpdir,
      ...this.transportEnv,
      ...(spec.claudeSession ? { CLAUDECODE: "1", CLAUDE_CODE_SESSION_ID: spec.claudeSession } : {}),
      ...(spec.claudeDir ? { CLAUDE_CONFIG_DIR: spec.claudeDir } : {}),
      ...spec.env,
    };
  }

  /** The environment a simulated agent's server starts with (with tmux's variables when it has a pane). */
  env(spec: AgentSpec): Record<string, string> {
    return {
      ...this.serverEnv(spec),
      ...(spec.pane ? { TMUX: `${this.tmux.socket},1,0`, TMUX_PANE: spec.pane } : {}),
      ...spec.env,
    };
  }

  /** A server for `spec` spoken to in raw JSON-RPC lines; closed by {@link World.dispose}. */
  raw(spec: AgentSpec): RawServer {
    const server = new RawServer(this.env(spec), spec.cwd);
    this.raws.push(server);
    return server;
  }

  async agent(spec: AgentSpec): Promise<TestAgent> {
    const env = this.env(spec);
    const [command, ...args] = this.launch([process.execPath, SERVER]) as [string, ...string[]];
    const transport = new StdioClientTransport({
      command,
      args,
      env,
      cwd: spec.cwd,
      stderr: "pipe",
    });
    const client = new Client({
      name: spec.clientName ?? (spec.claudeSession ? "claude-code" : "test-client"),
      version: "1.0.0",
    });
    await connectRegistered(client, transport);
    const agent: TestAgent = {
      client,
      pid: transport.pid as number,
      async call(name, args = {}) {
        return answerOf(await client.callTool({ name, arguments: args }, undefined, { timeout: 120_000 }));
      },
      close: () => client.close(),
    };
    this.agents.push(agent);
    return agent;
  }

  /**
   * An agent whose oxtail server runs inside its own tmux pane, as a real client's does: the pane
   * (tmux session `session`) starts the server in the background, talking MCP over two FIFOs, then
   * runs `command` in the foreground (the "client" that sees what is typed; default: sleep). tmux
   * sets the server's TMUX and TMUX_PANE. Returns the agent and its pane id.
   */
  async agentInPane(
    spec: Omit<AgentSpec, "pane"> & { session: string; command?: string },
  ): Promise<TestAgent & { pane: string }> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-pane-agent-"));
    this.dirs.push(dir);
    const [input, output, pidFile, log] = ["in", "out", "pid", "stderr"].map((n) => path.join(dir, n)) as [
      string,
      string,
      string,
      string,
    ];
    execFileSync("mkfifo", [input, output]);
    const assignments = Object.entries(this.serverEnv(spec))
      .map(([k, v]) => `${k}=${shellQuote(v)}`)
      .join(" ");
    const script = [
      `env -i ${assignments} TMUX="$TMUX" TMUX_PANE="$TMUX_PANE" ${this.launch([process.execPath, SERVER]).map(shellQuote).join(" ")} < ${shellQuote(input)} > ${shellQuote(output)} 2> ${shellQuote(log)} &`,
      `echo $! > ${shellQuote(pidFile)}`,
      spec.command ?? "sleep 3600",
    ].join("\n");
    const pane = this.tmux.session(spec.session, spec.cwd, script);
    const transport = new StreamClientTransport(fs.createWriteStream(input), fs.createReadStream(output));
    const client = new Client({
      name: spec.clientName ?? (spec.claudeSession ? "claude-code" : "test-client"),
      version: "1.0.0",
    });
    await connectRegistered(client, transport);
    const pid = await until("the pane's server pid", () => {
      const text = fs.existsSync(pidFile) ? fs.readFileSync(pidFile, "utf8") : "";
      return text.endsWith("\n") && Number(text.trim());
    });
    const agent: TestAgent & { pane: string } = {
      client,
      pid,
      pane,
      async call(name, args = {}) {
        return answerOf(await client.callTool({ name, arguments: args }, undefined, { timeout: 120_000 }));
      },
      close: () => client.close(),
    };
    this.agents.push(agent);
    return agent;
  }

  async dispose(): Promise<void> {
    for (const agent of this.agents.splice(0)) await agent.close().catch(() => {});
    for (const raw of this.raws.splice(0)) await raw.close().catch(() => {});
    this.tmux.kill();
    await this.stores?.close().catch(() => {});
    this.stores = null;
    await this.ownNats?.dispose();
    for (const dir of [this.home, ...this.dirs]) fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** `value` as one single-quoted shell word. */
function shellQuote(value: string): string {
  return `'${value.replace(/'/g, "'\\''")}'`;
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

/** A built server spoken to in raw JSON-RPC lines: for requests an SDK client would never send. */
export class RawServer {
  private readonly child: ChildProcessWithoutNullStreams;
  private buffer = "";
  private readonly waiting = new Map<string | number, (message: Record<string, unknown>) => void>();
  readonly exited: Promise<number | null>;

  constructor(env: Record<string, string>, cwd: string) {
    this.child = spawn(process.execPath, [SERVER], { env, cwd, stdio: ["pipe", "pipe", "pipe"] });
    this.child.stdout.setEncoding("utf8");
    this.child.stdout.on("data", (chunk: string) => {
      this.buffer += chunk;
      for (let at = this.buffer.indexOf("\n"); at >= 0; at = this.buffer.indexOf("\n")) {
        const line = this.buffer.slice(0, at);
        this.buffer = this.buffer.slice(at + 1);
        const message = JSON.parse(line) as Record<string, unknown>;
        const id = message.id as string | number;
        this.waiting.get(id)?.(message);
        this.waiting.delete(id);
      }
    });
    this.child.stderr.resume();
    this.exited = new Promise((resolve) => this.child.once("exit", (code) => resolve(code)));
  }

  get pid(): number {
    return this.child.pid as number;
  }

  /** Write raw bytes (one or more lines) to the server's stdin. */
  write(data: string | Buffer): Promise<void> {
    return new Promise((resolve, reject) => this.child.stdin.write(data, (e) => (e ? reject(e) : resolve())));
  }

  /** The answer to request `id`, once it comes. */
  answer(id: string | number): Promise<Record<string, unknown>> {
    return new Promise((resolve) => this.waiting.set(id, resolve));
  }

  /** Send one request line and wait for its answer. */
  async request(id: number, method: string, params: unknown = {}): Promise<Record<string, unknown>> {
    const answer = this.answer(id);
    await this.write(`${JSON.stringify({ jsonrpc: "2.0", id, method, params })}\n`);
    return answer;
  }

  /** initialize + initialized, as a client does. */
  async initialize(name = "raw-test"): Promise<void> {
    await this.request(0, "initialize", {
      protocolVersion: "2025-06-18",
      capabilities: {},
      clientInfo: { name, version: "1" },
    });
    await this.write(`${JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" })}\n`);
  }

  /** Close stdin and wait for the exit; a server still running after 5 s is killed (and the test fails on it). */
  async close(): Promise<number | null> {
    this.child.stdin.end();
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 5000);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }
}

/**
 * A tool call's answer: the error's JSON, or `structuredContent`, checked to be the very JSON of the
 * text block (Gemini CLI and OpenCode pass only the text block to their model: docs/tokens.md).
 */
function answerOf(result: Awaited<ReturnType<Client["callTool"]>>): Record<string, unknown> {
  const text = (result.content as { text?: string }[])[0]?.text ?? "{}";
  if (result.isError) return JSON.parse(text);
  if (text !== JSON.stringify(result.structuredContent))
    throw new Error(`the text block is not the structured result's JSON: ${text.slice(0, 200)}`);
  return result.structuredContent as Record<string, unknown>;
}

/** Start the built server, say initialize, and wait for it to exit: its exit code and stderr. */
export async function startAndExit(
  home: string,
  cwd: string,
  env: Record<string, string>,
): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [SERVER], {
    cwd,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home, OXTAIL_HOME: home, ...env },
    stdio: ["pipe", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
  child.stdin.write(
    `${JSON.stringify({ jsonrpc: "2.0", id: 0, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "1" } } })}\n`,
  );
  const code = await exited;
  clearTimeout(timer);
  return { code, stderr };
}

/** A pane's foreground program that appends every line typed into the pane to `file`. */
export const recordLines = (file: string) =>
  `while IFS= read -r line; do printf "%s\\n" "$line" >> ${file}; done`;

/** The lines {@link recordLines} wrote to `file` so far, once the last one is whole (else false). */
export function typedLines(file: string): string | false {
  const text = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
  return text.endsWith("\n") && text;
}
