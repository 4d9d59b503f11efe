import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { processTree } from "@oxtail/wake-tmux";
import { type ScriptedEndpoint, startScriptedEndpoint } from "./endpoint.ts";
import {
  DUMMY_ANTHROPIC_KEY,
  DUMMY_GEMINI_KEY,
  DUMMY_OPENAI_KEY,
  type McpServerConfig,
  prepareClaudeHome,
  prepareCodexHome,
  prepareGeminiHome,
  prepareOpenCodeHome,
} from "./homes.ts";
import { type ClientKind, ensureClient } from "./install.ts";
import { processesWithEnv, terminate } from "./processes.ts";
import type { Script } from "./script.ts";
import { PrivateTmux } from "./tmux.ts";
import {
  countCompletedTurns,
  findTranscript,
  findTranscripts,
  geminiSessionId,
  readClaudeSessionFile,
  readClaudeStatus,
} from "./transcripts.ts";

/** Options for {@link Agent.start}. */
export interface AgentOptions {
  kind: ClientKind;
  /** The project folder the client runs in. */
  projectDir: string;
  /** What the scripted model does (a `shareWith` agent uses its partner's). */
  script?: Script;
  /** MCP servers in the client's config. */
  mcpServers?: Record<string, McpServerConfig>;
  /** The private tmux server to run in (one is made when absent). */
  tmux?: PrivateTmux;
  /** tmux session name (default: the kind). */
  name?: string;
  /** Codex: run with its shared app-server daemon (default: `--no-daemon`, self-contained). */
  daemon?: boolean;
  /** Extra environment for the client. */
  env?: Record<string, string>;
  /** Pane size (default 200 × 50). */
  size?: { width: number; height: number };
  /**
   * Run as a second TUI of another agent's client: same HOME (so, for Codex, the same
   * daemon), same endpoint and script, same tmux server. Stopping it stops only its pane.
   */
  shareWith?: Agent;
  /** Runs after the HOME is prepared and before the client starts (e.g. `oxtail setup`). */
  beforeStart?: (home: string) => void | Promise<void>;
  /** Extra command-line arguments for the client. */
  args?: string[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Poll `check` every 100 ms until it returns a value, or fail after `timeoutMs` with `what`. */
export async function until<T>(
  what: string,
  timeoutMs: number,
  check: () => T | null | undefined | false | Promise<T | null | undefined | false>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline)
      throw new Error(`[agents] timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

/** A free loopback TCP port (for OpenCode's `--port`). */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Completed turns of every session an OpenCode server holds: assistant messages that finished with `stop`. */
export async function openCodeCompletedTurns(serverUrl: string): Promise<number> {
  const get = async (route: string): Promise<unknown> => {
    const response = await fetch(new URL(route, serverUrl), { signal: AbortSignal.timeout(5000) });
    if (!response.ok) throw new Error(`OpenCode's server answered ${response.status} to ${route}`);
    return response.json();
  };
  let n = 0;
  for (const session of (await get("session")) as { id: string }[]) {
    const messages = (await get(`session/${encodeURIComponent(session.id)}/message`)) as {
      info?: { role?: string; finish?: string };
    }[];
    n += messages.filter((m) => m.info?.role === "assistant" && m.info.finish === "stop").length;
  }
  return n;
}

/**
 * A real Claude Code, Codex or OpenCode TUI in a private tmux server, with a throwaway HOME and a
 * scripted model on loopback.
 */
export class Agent {
  private ownsTmux: boolean;
  private ownsHome = true;
  private stopped = false;

  /** OpenCode: its TUI's server (started with `--port`), e.g. `http://127.0.0.1:41234/`. */
  openCodeServer: string | null = null;

  private constructor(
    readonly kind: ClientKind,
    readonly home: string,
    readonly projectDir: string,
    readonly tmux: PrivateTmux,
    readonly session: string,
    readonly endpoint: ScriptedEndpoint,
    ownsTmux: boolean,
  ) {
    this.ownsTmux = ownsTmux;
  }

  /** Install (if needed), configure and start the client; resolves when it sits idle at its prompt. */
  static async start(options: AgentOptions): Promise<Agent> {
    const shared = options.shareWith;
    if (shared) {
      const tmux = shared.tmux;
      const session = options.name ?? `${shared.session}-2`;
      tmux.newSession(
        session,
        fs.realpathSync(options.projectDir),
        `sh ${shellQuote(path.join(shared.home, "launch.sh"))}`,
        options.size,
      );
      const agent = new Agent(
        shared.kind,
        shared.home,
        fs.realpathSync(options.projectDir),
        tmux,
        session,
        shared.endpoint,
        false,
      );
      agent.ownsHome = false;
      await agent.waitReady();
      return agent;
    }
    const bin = ensureClient(options.kind);
    const projectDir = fs.realpathSync(options.projectDir);
    const home = fs.mkdtempSync(path.join(os.tmpdir(), `oxtail-agent-${options.kind}-`));
    const format =
      options.kind === "claude"
        ? "anthropic"
        : options.kind === "codex"
          ? "openai"
          : options.kind === "gemini"
            ? "gemini"
            : "chat";
    const endpoint = await startScriptedEndpoint(format, options.script ?? []);
    const mcp = options.mcpServers ?? {};
    const env: Record<string, string> = {
      HOME: home,
      PATH: `${path.dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`,
      TERM: "xterm-256color",
      LANG: "C.UTF-8",
      ...options.env,
    };
    const args: string[] = [];
    let openCodePort: number | null = null;
    if (options.kind === "claude") {
      prepareClaudeHome(home, projectDir, mcp);
      Object.assign(env, {
        ANTHROPIC_API_KEY: DUMMY_ANTHROPIC_KEY,
        ANTHROPIC_BASE_URL: endpoint.baseUrl,
        IS_SANDBOX: "1",
        DISABLE_AUTOUPDATER: "1",
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
        // Claude Code 2.1.331 otherwise offers MCP tools to the model only through ToolSearch,
        // which scripted turns do not call.
        ENABLE_TOOL_SEARCH: "false",
        DISABLE_TELEMETRY: "1",
        DISABLE_ERROR_REPORTING: "1",
        CLAUDE_CODE_MAX_RETRIES: "1",
      });
      args.push("--dangerously-skip-permissions");
    } else if (options.kind === "codex") {
      prepareCodexHome(home, projectDir, endpoint.baseUrl, mcp);
      env.OPENAI_API_KEY = DUMMY_OPENAI_KEY;
      if (!options.daemon) args.push("--no-daemon");
    } else if (options.kind === "gemini") {
      prepareGeminiHome(home, mcp);
      Object.assign(env, {
        GEMINI_API_KEY: DUMMY_GEMINI_KEY,
        // Plain http is accepted for loopback only.
        GOOGLE_GEMINI_BASE_URL: endpoint.baseUrl,
        // A headless run in a fresh folder: trusted, as a user's own project is.
        GEMINI_CLI_TRUST_WORKSPACE: "true",
      });
      // No confirmation before each tool call: the scripted agent works alone.
      args.push("--approval-mode=yolo");
    } else {
      prepareOpenCodeHome(home, endpoint.baseUrl, mcp);
      Object.assign(env, { OPENCODE_DISABLE_MODELS_FETCH: "1", OPENCODE_DISABLE_AUTOUPDATE: "1" });
      openCodePort = await freePort();
      // Its server (how oxtail reads the session and wakes it without typing) listens only with --port.
      args.push("--port", String(openCodePort));
    }
    args.push(...(options.args ?? []));
    await options.beforeStart?.(home);
    // A launcher with a clean environment; tmux's own TMUX/TMUX_PANE are kept, as a user's shell would.
    const launcher = path.join(home, "launch.sh");
    const assignments = Object.entries(env).map(([k, v]) => `${k}=${shellQuote(v)}`);
    fs.writeFileSync(
      launcher,
      `#!/bin/sh\nexec env -i TMUX="$TMUX" TMUX_PANE="$TMUX_PANE" ${assignments.join(" ")} ${shellQuote(bin)} ${args.map(shellQuote).join(" ")}\n`,
      { mode: 0o700 },
    );
    const tmux = options.tmux ?? new PrivateTmux();
    const session = options.name ?? options.kind;
    tmux.newSession(session, projectDir, `sh ${shellQuote(launcher)}`, options.size);
    const agent = new Agent(options.kind, home, projectDir, tmux, session, endpoint, !options.tmux);
    if (openCodePort !== null) agent.openCodeServer = `http://127.0.0.1:${openCodePort}/`;
    try {
      await agent.waitReady();
    } catch (error) {
      await agent.stop();
      throw error;
    }
    return agent;
  }

  /** The screen of the agent's pane. */
  screen(): string {
    return this.tmux.capture(this.session);
  }

  /** The client's transcript (Claude) or rollout (Codex), once it exists. */
  transcriptPath(): string | null {
    return findTranscript(this.kind, this.home);
  }

  /** Turns finished, counted in the transcripts under its HOME (all of them: a shared HOME holds several). */
  completedTurns(): number {
    return findTranscripts(this.kind, this.home).reduce(
      (n, file) => n + countCompletedTurns(this.kind, file),
      0,
    );
  }

  /**
   * Wait until the client sits idle at its prompt. Claude: its session file says idle and
   * the prompt is drawn. Codex: before its first turn nothing on disk tells (the rollout is
   * written lazily), so its footer is the sign; after that, the rollout's task events.
   */
  async waitReady(timeoutMs = 60_000): Promise<void> {
    if (this.kind === "claude") {
      await until(
        "Claude Code to be idle at its prompt",
        timeoutMs,
        () => readClaudeStatus(this.home) === "idle" && this.screen().includes("❯"),
      );
    } else if (this.kind === "codex") {
      await until("Codex to draw its composer footer", timeoutMs, () => this.screen().includes("for agents"));
    } else if (this.kind === "gemini") {
      // Gemini CLI writes its chat file at launch; its composer shows a placeholder while empty, and a
      // hook or MCP server still starting shows above it.
      // A prompt typed while a hook runs stays in the composer: the screen must stay quiet for 1.5 s.
      let quietSince = 0;
      await until("Gemini CLI to be idle at its composer", timeoutMs, () => {
        const screen = this.screen();
        const quiet =
          this.transcriptPath() !== null &&
          screen.includes("Type your message") &&
          !screen.includes("Executing Hook") &&
          !/Connecting to MCP|MCP servers? (are )?(starting|initializing)/i.test(screen);
        if (!quiet) quietSince = 0;
        else quietSince ||= Date.now();
        return quiet && Date.now() - quietSince >= 1500;
      });
    } else {
      // OpenCode: its server answers and its prompt is drawn. With a plugin in its config folder it first
      // installs @opencode-ai/plugin there; start-up took 25-60 s on a loaded 2-core machine.
      await until("OpenCode's server and prompt", Math.max(timeoutMs, 180_000), async () => {
        if (!this.screen().includes("Ask anything")) return false;
        const health = await fetch(new URL("global/health", this.openCodeServer as string), {
          signal: AbortSignal.timeout(2000),
        }).catch(() => null);
        return health?.ok === true;
      }).catch((error: Error) => {
        throw new Error(`${error.message}\n--- OpenCode's screen:\n${this.screen()}`);
      });
    }
  }

  /** Turns finished: from the transcripts (Claude, Codex), or from OpenCode's own server. */
  async turnsDone(): Promise<number> {
    if (this.kind !== "opencode") return this.completedTurns();
    return openCodeCompletedTurns(this.openCodeServer as string).catch(() => -1);
  }

  /** Wait until an MCP server that marks readiness (like fixtures/echo-mcp.mjs) has had its tools listed. */
  async waitForMcp(readyFile: string, timeoutMs = 60_000): Promise<void> {
    await until(`the MCP server to be listed (${readyFile})`, timeoutMs, () => fs.existsSync(readyFile));
  }

  /**
   * Prompt, and once the turn's first model request was made and its first command has had time to
   * start (`settleMs`), run `during` (a peer's mail arriving mid-turn, say); resolves when the turn has
   * finished, to the turn's model requests as JSON text, in order, and what `during` gave.
   */
  async turnWith<T>(
    text: string,
    during: () => Promise<T>,
    settleMs = 800,
  ): Promise<{ requests: string[]; during: T }> {
    const before = this.endpoint.mainRequests().length;
    const turn = this.prompt(text);
    await this.endpoint.waitForMainRequests(before + 1);
    await new Promise((r) => setTimeout(r, settleMs));
    const got = await during();
    await turn;
    const requests = this.endpoint
      .mainRequests()
      .slice(before)
      .map((r) => JSON.stringify(r.body));
    return { requests, during: got };
  }

  /** Submit a prompt (bracketed paste, then Enter) and wait until the turn has finished. */
  async prompt(text: string, timeoutMs = 120_000): Promise<void> {
    const before = await this.turnsDone();
    const requests = this.endpoint.mainRequests().length;
    this.tmux.submit(this.session, text);
    if (this.kind === "gemini") {
      // Measured on Gemini CLI 0.61.0: the first prompt after launch can stay in the composer after
      // its Enter (later ones submit); a submitted prompt shows as a model request or a chat message.
      const messages = () => this.chatLines();
      const lines = messages();
      for (let retry = 0; retry < 2; retry++) {
        const began = await until(
          `Gemini CLI to begin the turn for ${JSON.stringify(text.slice(0, 40))}`,
          8_000,
          () =>
            this.endpoint.mainRequests().length > requests ||
            messages() > lines ||
            this.completedTurns() > before,
        ).catch(() => false);
        if (began) break;
        console.warn(`[agents] Gemini CLI did not begin the turn within 8 s; pressing Enter again`);
        this.tmux.keys(this.session, "Enter");
      }
    }
    if (this.kind === "claude") {
      // Right after start-up (hooks still settling) Claude Code can drop the Enter and keep the text in
      // its composer; seen in CI as a turn that never began. A submitted prompt shows within seconds as
      // a busy session or a model request: if neither shows, press Enter again (twice at most).
      for (let retry = 0; retry < 2; retry++) {
        const began = await until(
          `Claude Code to begin the turn for ${JSON.stringify(text.slice(0, 40))}`,
          10_000,
          () =>
            readClaudeStatus(this.home) === "busy" ||
            this.endpoint.mainRequests().length > requests ||
            this.completedTurns() > before,
        ).catch(() => false);
        if (began) break;
        console.warn(`[agents] Claude Code did not begin the turn within 10 s; pressing Enter again`);
        this.tmux.keys(this.session, "Enter");
      }
    }
    try {
      await until(
        `${this.kind} to finish the turn started by ${JSON.stringify(text.slice(0, 40))}`,
        timeoutMs,
        async () => (await this.turnsDone()) > before,
      );
      if (this.kind === "claude")
        await until("Claude Code to return to idle", timeoutMs, () => readClaudeStatus(this.home) === "idle");
    } catch (error) {
      // Say what the client showed: the screen is the first thing to look at.
      throw new Error(`${(error as Error).message}\n--- ${this.kind}'s screen:\n${this.screen()}`);
    }
  }

  /** Lines in the newest transcript (Gemini CLI: its chat grows with every message). */
  private chatLines(): number {
    const file = this.transcriptPath();
    try {
      return file ? fs.readFileSync(file, "utf8").split("\n").length : 0;
    } catch {
      return 0;
    }
  }

  /** Gemini CLI's session id, from its chat file (written at launch). */
  geminiSessionId(): string | null {
    const file = this.transcriptPath();
    return file ? geminiSessionId(file) : null;
  }

  /** Claude Code's session id, from its own session file (the pane's process is Claude Code). */
  claudeSessionId(): string | null {
    const pid = this.paneProcess();
    return (pid === null ? null : readClaudeSessionFile(this.home, pid)?.sessionId) ?? null;
  }

  private paneProcess(): number | null {
    try {
      return this.tmux.pane(this.session).pid;
    } catch {
      return null;
    }
  }

  /** Every process this agent started (found by its unique HOME). */
  processes(): number[] {
    return processesWithEnv(`HOME=${this.home}`);
  }

  /** Stop the client, every process it started, its tmux session and endpoint. Idempotent. */
  async stop(options: { keepHome?: boolean } = {}): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const panePid = this.ownsHome ? null : this.paneProcess();
    try {
      this.tmux.run(["kill-session", "-t", this.session]);
    } catch {
      // already gone
    }
    if (!this.ownsHome) {
      // A second TUI of a shared client: only what runs in its own pane is its own.
      if (panePid !== null) await terminate(processTree(panePid));
      return;
    }
    await terminate(this.processes());
    if (this.ownsTmux) this.tmux.kill();
    await this.endpoint.close();
    if (!options.keepHome) fs.rmSync(this.home, { recursive: true, force: true });
  }
}

/** Quote a string for a POSIX shell. */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", "'\\''")}'`;
}
