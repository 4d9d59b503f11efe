import { randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { readSleeper } from "@oxtail/core";
import { createFsRegistryStore, createRegistry } from "@oxtail/core/runtime";
import { afterEach, describe, expect, it } from "vitest";
import { Agent, until } from "../src/agent.ts";
import { type McpServerConfig, OXTAIL_MAIN, oxtailInHome, withoutRateBudget } from "../src/homes.ts";
import { answerTurn, type Turn } from "../src/script.ts";
import { removeTempDirs, tempDir } from "../src/temp.ts";
import { PrivateTmux } from "../src/tmux.ts";
import { readClaudeStatus } from "../src/transcripts.ts";

const _ROOT = path.resolve(import.meta.dirname, "../../..");
const SERVER = OXTAIL_MAIN;
const WAKE_TEXT = "[oxtail] New messages are waiting for you";
const running: Agent[] = [];
let tmux: PrivateTmux | null = null;

afterEach(async () => {
  for (const agent of running.splice(0)) await agent.stop();
  tmux?.kill();
  removeTempDirs();
});

function world() {
  tmux = new PrivateTmux("oxtail-wake-test");
  const home = tempDir("oxtail-home");
  withoutRateBudget(home); // 20 asks of one peer in a row: what the rate budget exists to stop
  const project = tempDir("oxtail-wake-proj");
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

/** An asker: a real oxtail server driven by the SDK's Client, as a simulated Claude session. */
async function startAsker(w: ReturnType<typeof world>, env: Record<string, string> = {}): Promise<Client> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [SERVER],
    cwd: w.project,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: os.homedir(),
      OXTAIL_HOME: w.home,
      CLAUDECODE: "1",
      CLAUDE_CODE_SESSION_ID: randomUUID(),
      ...env,
    },
  });
  const asker = new Client({ name: "claude-code", version: "test" });
  await asker.connect(transport);
  return asker;
}

/** Wait until the client has initialized its oxtail server (the record then carries the client's own name), so its tools are offered. */
async function oxtailReady(registry: ReturnType<typeof createRegistry>, clientName: string): Promise<void> {
  await until(`${clientName}'s oxtail server to be initialized`, 30_000, async () =>
    (await registry.list()).some((a) => a.client.name === clientName),
  );
}

const WAKES = 20;

describe.each(["claude", "codex"] as const)("20 consecutive wakes of an idle real %s", (kind) => {
  it(`${WAKES} ask_peer calls, each waking the idle peer, all verified submitted and answered`, async () => {
    const w = world();
    const peer = await Agent.start({
      kind,
      projectDir: w.project,
      tmux: w.tmux,
      name: `${kind}-peer`,
      mcpServers: { oxtail: w.oxtail },
      script: [
        ...(kind === "codex" ? [[{ say: "ready" }] as Turn] : []),
        ...Array.from({ length: WAKES }, (_, i) => answerTurn(`answer ${i}`)),
      ],
    });
    running.push(peer);
    if (kind === "codex") await peer.prompt("hello");
    await until(`the ${kind} peer registered`, 30_000, async () =>
      (await w.registry.list()).some((a) => a.client.type === kind && a.client.session_id && a.tmux?.pane),
    );
    const asker = await startAsker(w);
    let submitted = 0;
    let answered = 0;
    const verifiedMs: number[] = [];
    try {
      for (let i = 0; i < WAKES; i++) {
        const turns = peer.completedTurns();
        const result = await asker.callTool(
          {
            name: "ask_peer",
            arguments: { target: `${kind}-peer`, body: `question ${i}?`, timeout_ms: 60_000 },
          },
          undefined,
          {
            timeout: 120_000,
          },
        );
        const out = result.structuredContent as {
          reply: { body: string } | null;
          wake: { outcome: string; verified_after_ms: number | null; reason: string | null };
        };
        if (out.wake.outcome === "submitted") {
          submitted += 1;
          verifiedMs.push(out.wake.verified_after_ms ?? -1);
        } else {
          console.log(`[wake] ${kind} wake ${i}: ${JSON.stringify(out.wake)}`);
        }
        if (out.reply?.body === `answer ${i}`) answered += 1;
        await until(`the ${kind} peer's turn ${i} to end`, 60_000, () => peer.completedTurns() > turns);
      }
    } finally {
      await asker.close();
    }
    console.log(
      `[wake] ${kind}: ${submitted}/${WAKES} wakes verified submitted, ${answered}/${WAKES} answered; verified after ${verifiedMs.join(", ")} ms`,
    );
    expect(submitted).toBe(WAKES);
    expect(answered).toBe(WAKES);
  });
});

describe("waking Codex without typing", () => {
  it("an idle real Codex under its shared daemon is woken through the daemon's control socket (turn/start) and answers", async () => {
    const w = world();
    const codex = await Agent.start({
      kind: "codex",
      projectDir: w.project,
      tmux: w.tmux,
      name: "codex-daemon-peer",
      daemon: true,
      mcpServers: { oxtail: w.oxtail },
      script: [[{ say: "ready" }], answerTurn("APPSERVER-ANSWER: woken by the daemon")],
    });
    running.push(codex);
    await codex.prompt("hello");
    await until("the Codex peer registered", 30_000, async () =>
      (await w.registry.list()).some((a) => a.client.type === "codex" && a.client.session_id && a.tmux?.pane),
    );
    // The same user's Codex state, so the asker's server finds the daemon's control socket.
    const asker = await startAsker(w, { CODEX_HOME: path.join(codex.home, ".codex") });
    try {
      const result = await asker.callTool(
        { name: "ask_peer", arguments: { target: "codex-daemon-peer", body: "Awake?", timeout_ms: 60_000 } },
        undefined,
        {
          timeout: 120_000,
        },
      );
      const out = result.structuredContent as {
        reply: { body: string } | null;
        wake: { strategy: string; outcome: string };
        delivery_outlook: unknown;
      };
      expect(out.wake).toMatchObject({ strategy: "codex-app-server", outcome: "submitted" });
      // Foretold at send time: idle, woken through the daemon.
      expect(out.delivery_outlook).toMatchObject({
        path: "wake",
        wake_strategy: "codex-app-server",
        busy: false,
      });
      expect(out.reply?.body).toBe("APPSERVER-ANSWER: woken by the daemon");
      // The woken turn started from oxtail's wake line. (Not "the third request from the end": the
      // reply can come back before the peer's turn makes its last request.)
      expect(codex.endpoint.mainRequests().some((r) => JSON.stringify(r.body).includes(WAKE_TEXT))).toBe(
        true,
      );
    } finally {
      await asker.close();
    }
  });
});

describe("waking Claude Code without typing", () => {
  it("an idle real Claude Code with oxtail's sleeper, before its first turn, is woken by it (claude-rewake): nothing typed, the reply returns", async () => {
    const w = world();
    const claude = await Agent.start({
      kind: "claude",
      projectDir: w.project,
      tmux: w.tmux,
      name: "claude-sleeper-peer",
      env: { OXTAIL_HOME: w.home },
      // `oxtail setup` as a user runs it: the MCP server, the hooks and the sleeper.
      beforeStart: oxtailInHome("setup", "--claude"),
      script: [
        [
          // The woken turn carries the mail itself (the sleeper's output): answer it directly.
          {
            tool: "send_message",
            server: "oxtail",
            args: (_last, request) => {
              const m = /--- message (\S+) \(sender session ([0-9a-f-]{36})\)/.exec(request);
              return {
                target: m?.[2] ?? "?",
                body: "REWAKE-ANSWER: woken by the sleeper",
                reply_to: m?.[1] ?? "",
              };
            },
          },
          { say: "answered the peer" },
        ],
      ],
    });
    running.push(claude);
    // No prompt first: the sleeper started with the session (SessionStart), so a Claude Code that has
    // had no turn yet is woken too.
    const record = await until("the Claude peer registered", 30_000, async () =>
      (await w.registry.list()).find(
        (a) => a.client.type === "claude" && a.client.session_id && a.tmux?.pane,
      ),
    );
    await until(
      "its sleeper to wait",
      30_000,
      () => readSleeper(w.home, record.client.session_id as string).waiting,
    );
    const asker = await startAsker(w);
    try {
      const result = await asker.callTool(
        {
          name: "ask_peer",
          arguments: { target: "claude-sleeper-peer", body: "Awake?", timeout_ms: 60_000 },
        },
        undefined,
        { timeout: 120_000 },
      );
      const out = result.structuredContent as {
        question_id: string;
        reply: { body: string } | null;
        wake: { strategy: string; outcome: string };
        delivery_outlook: unknown;
      };
      expect(out.wake).toMatchObject({ strategy: "claude-rewake", outcome: "submitted" });
      // Foretold at send time (idle, its sleeper waits, its hooks have run), and recorded: the question
      // reached the model as the sleeper's wake notice, and the peer's reply_to marks it replied.
      expect(out.delivery_outlook).toMatchObject({
        path: "wake",
        wake_strategy: "claude-rewake",
        hooks: "active",
      });
      // The peer's server records `replied` just after its reply lands, which can be after the ask returned.
      const receipt = await until("the question's receipt to say replied", 10_000, async () => {
        const status = await asker.callTool({ name: "message_status", arguments: { id: out.question_id } });
        const [r] = (status.structuredContent as { receipts: { state: string }[] }).receipts;
        return r?.state === "replied" && r;
      });
      expect(receipt).toMatchObject({ state: "replied", delivered: { via: "wake-notice" } });
      expect(out.reply?.body).toBe("REWAKE-ANSWER: woken by the sleeper");
      const woken = JSON.stringify(claude.endpoint.mainRequests()[0]?.body ?? "");
      expect(woken).toContain("Awake?");
      expect(woken).not.toContain(WAKE_TEXT); // no wake line was typed
    } finally {
      await asker.close();
    }
  });
});

describe("a busy peer", () => {
  it("is not typed into, and still answers once its turn ends: the Stop hook hands it the question", async () => {
    const w = world();
    const claude = await Agent.start({
      kind: "claude",
      projectDir: w.project,
      tmux: w.tmux,
      name: "claude-busy",
      env: { OXTAIL_HOME: w.home },
      mcpServers: { oxtail: w.oxtail },
      beforeStart: oxtailInHome("install-hook", "--claude"),
      script: [
        [
          { tool: "Bash", args: { command: "sleep 8", description: "long work" } },
          { say: "work done" },
          // The Stop hook blocked with the peer's question: answer it, by the id in the block reason.
          {
            tool: "send_message",
            server: "oxtail",
            args: (_last, request) => {
              const m = /--- message (\S+) \(sender session ([0-9a-f-]{36})\)/.exec(request);
              return { target: m?.[2] ?? "?", body: "BUSY-ANSWER: done now", reply_to: m?.[1] ?? "" };
            },
          },
          { say: "answered the peer" },
        ],
      ],
    });
    running.push(claude);
    await until("Claude registered", 30_000, async () =>
      (await w.registry.list()).some((a) => a.client.type === "claude" && a.client.session_id),
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
            args: { target: "claude-busy", body: "Are you done?", timeout_ms: 90_000 },
          },
          { sayLastToolResult: true },
        ],
      ],
    });
    running.push(codex);
    const work = claude.prompt("Do the long work.", 120_000);
    await until(
      "Claude to be busy",
      30_000,
      () => readClaudeStatus(claude.home) === "busy" && claude.endpoint.mainRequests().length >= 1,
    );
    await oxtailReady(w.registry, "codex-mcp-client");
    await codex.prompt("Ask the Claude peer.", 150_000);
    await work;

    const asked = JSON.stringify(codex.endpoint.mainRequests()[1]?.body);
    expect(asked).toContain("BUSY-ANSWER: done now");
    expect(asked).toContain("skipped");
    expect(asked).toContain("the peer is busy");
    // Nothing was typed into Claude's pane: the question reached it through the Stop hook only.
    const claudeRequests = claude.endpoint.mainRequests().map((r) => JSON.stringify(r.body));
    expect(claudeRequests.some((r) => r.includes(WAKE_TEXT))).toBe(false);
    expect(claudeRequests[2]).toContain("Are you done?");
  });
});

/**
 * A real `asker` client asks an idle real `peer` client through oxtail's ask_peer: the peer is
 * woken (tmux: no sleeper is installed here), reads the question and replies. Returns both agents
 * once the asker's turn is over.
 */
async function askAcross(
  peerKind: "claude" | "codex",
  askerKind: "claude" | "codex",
  question: string,
  answer: string,
): Promise<{ peer: Agent; asker: Agent }> {
  const w = world();
  const peer = await Agent.start({
    kind: peerKind,
    projectDir: w.project,
    tmux: w.tmux,
    name: `${peerKind}-peer`,
    mcpServers: { oxtail: w.oxtail },
    script: [...(peerKind === "codex" ? [[{ say: "ready" }] as Turn] : []), answerTurn(answer)],
  });
  running.push(peer);
  // Codex's thread, and so its session id, exists from the first prompt on.
  if (peerKind === "codex") await peer.prompt("hello");
  await until(`the ${peerKind} peer registered with its session id`, 30_000, async () =>
    (await w.registry.list()).some((a) => a.client.type === peerKind && a.client.session_id && a.tmux?.pane),
  );
  const asker = await Agent.start({
    kind: askerKind,
    projectDir: w.project,
    tmux: w.tmux,
    name: `${askerKind}-asker`,
    ...(askerKind === "claude" ? { env: { MCP_TOOL_TIMEOUT: "180000" } } : {}),
    mcpServers: { oxtail: w.oxtail },
    script: [
      [
        {
          tool: "ask_peer",
          server: "oxtail",
          args: { target: `${peerKind}-peer`, body: question, timeout_ms: 90_000 },
        },
        { sayLastToolResult: true, prefix: "Peer said: " },
      ],
    ],
  });
  running.push(asker);
  await oxtailReady(w.registry, askerKind === "claude" ? "claude-code" : "codex-mcp-client");
  await asker.prompt(`Ask the ${peerKind} peer.`, 150_000);
  return { peer, asker };
}

describe("ask_peer wakes an idle peer in the real clients", () => {
  it.each([
    ["claude", "codex", "What is 6 x 7?", "CODEX-ANSWER: 6 x 7 = 42"],
    ["codex", "claude", "Do the tests pass?", "CLAUDE-ANSWER: the tests pass"],
  ] as const)(
    "a real %s asks an idle real %s; the peer is woken, answers, and ask_peer returns the reply",
    async (askerKind, peerKind, question, answer) => {
      const { peer, asker } = await askAcross(peerKind, askerKind, question, answer);
      const result = JSON.stringify(asker.endpoint.mainRequests()[1]?.body);
      expect(result).toContain(answer);
      expect(result).toMatch(/outcome\\?":\\?"submitted/);
      // The peer really took a turn from the wake line typed into its pane, and read the question.
      const peerRequests = peer.endpoint.mainRequests().map((r) => JSON.stringify(r.body));
      expect(peerRequests.some((r) => r.includes(WAKE_TEXT))).toBe(true);
      expect(peerRequests.some((r) => r.includes(question))).toBe(true);
    },
  );
});
