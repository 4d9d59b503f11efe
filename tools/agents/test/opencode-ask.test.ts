// ask_peer round trips between the real OpenCode (pinned, `oxtail setup --opencode`, --port) and the
// real Claude Code and Codex: an idle OpenCode asked by Claude Code is woken through its server
// (prompt_async) and answers; OpenCode asks an idle Codex (woken through tmux) and gets its answer. Each
// ask's delivery outlook foretells the wake, and its question's receipt ends replied.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  createFsReceiptStore,
  createFsRegistryStore,
  createReceipts,
  createRegistry,
  type Receipt,
} from "@oxtail/core/runtime";
import { afterEach, describe, expect, it } from "vitest";
import { Agent, until } from "../src/agent.ts";
import { type McpServerConfig, OXTAIL_MAIN, oxtailInHome } from "../src/homes.ts";
import { answerTurn, type Turn } from "../src/script.ts";
import { PrivateTmux } from "../src/tmux.ts";

const running: Agent[] = [];
const cleanups: (() => void)[] = [];
afterEach(async () => {
  for (const agent of running.splice(0)) await agent.stop();
  for (const clean of cleanups.splice(0)) clean();
});

function world() {
  const tmux = new PrivateTmux("oxtail-opencode-ask");
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-home-"));
  const project = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-opencode-ask-")));
  fs.mkdirSync(path.join(project, ".git"));
  cleanups.push(() => {
    tmux.kill();
    fs.rmSync(home, { recursive: true, force: true });
    fs.rmSync(project, { recursive: true, force: true });
  });
  const oxtail: McpServerConfig = {
    command: process.execPath,
    args: [OXTAIL_MAIN],
    env: { OXTAIL_HOME: home },
    envVars: ["TMUX", "TMUX_PANE"],
  };
  const registry = createRegistry({ store: createFsRegistryStore({ home }) });
  return { tmux, home, project, oxtail, registry };
}

/**
 * The question's receipt, once it says delivered and replied (the answering server records `replied`
 * just after the reply lands, which can be after ask_peer returned). The id is ask_peer's
 * `question_id`, read from the asker's model request.
 */
async function repliedReceipt(home: string, askerRequest: string): Promise<Receipt> {
  const id = /question_id\\?"\s*:\s*\\?"([0-9a-z-]+)/.exec(askerRequest)?.[1];
  expect(id, askerRequest.slice(-2000)).toBeTruthy();
  const receipts = createReceipts({ store: createFsReceiptStore({ home }) });
  return until("the question's receipt to say replied", 30_000, async () => {
    const receipt = await receipts.get(id as string);
    // Delivered is recorded once the answer carrying it has been out for a moment (a cancel could
    // still put it back): it can come after the reply.
    return receipt?.state === "replied" && receipt.delivered ? receipt : null;
  });
}

const askTurn = (target: string, question: string): Turn => [
  { tool: "ask_peer", server: "oxtail", args: { target, body: question, timeout_ms: 90_000 } },
  { sayLastToolResult: true, prefix: "Peer said: " },
];

async function startOpenCode(w: ReturnType<typeof world>, script: Turn[]): Promise<Agent> {
  const agent = await Agent.start({
    kind: "opencode",
    projectDir: w.project,
    tmux: w.tmux,
    name: "opencode-agent",
    env: { OXTAIL_HOME: w.home },
    beforeStart: oxtailInHome("setup", "--opencode"),
    script: [[{ say: "ready" }], ...script],
  });
  running.push(agent);
  await until("OpenCode's oxtail server", 120_000, async () =>
    (await w.registry.list()).some((a) => a.client.name === "opencode"),
  );
  await agent.prompt("hello"); // its session exists from the first prompt on
  await until("OpenCode registered with its session", 60_000, async () =>
    (await w.registry.list()).some((a) => a.client.type === "opencode" && a.client.session_id),
  );
  return agent;
}

describe("ask_peer between the real OpenCode and the real Claude Code and Codex", () => {
  it("a real Claude Code asks an idle real OpenCode: woken through prompt_async, it answers", async () => {
    const w = world();
    const answer = "OPENCODE-ANSWER: 6 x 7 = 42";
    const peer = await startOpenCode(w, [answerTurn(answer)]);
    const asker = await Agent.start({
      kind: "claude",
      projectDir: w.project,
      tmux: w.tmux,
      name: "claude-asker",
      env: { MCP_TOOL_TIMEOUT: "180000" },
      mcpServers: { oxtail: w.oxtail },
      script: [askTurn("opencode-agent", "What is 6 x 7?")],
    });
    running.push(asker);
    await until("Claude's oxtail server", 60_000, async () =>
      (await w.registry.list()).some((a) => a.client.name === "claude-code"),
    );
    await asker.prompt("Ask the OpenCode peer.", 200_000);
    const result = JSON.stringify(asker.endpoint.mainRequests().at(-1)?.body);
    expect(result).toContain(answer);
    expect(result).toMatch(/strategy\\?":\\?"opencode-prompt-async/);
    expect(result).toMatch(/outcome\\?":\\?"submitted/);
    // Foretold at send time (idle, woken through its server) and recorded: delivered, then replied.
    expect(result).toMatch(
      /delivery_outlook\\?":\{\\?"path\\?":\\?"wake\\?",\\?"wake_strategy\\?":\\?"opencode-prompt-async/,
    );
    const receipt = await repliedReceipt(w.home, result);
    expect(receipt.delivered?.via).toBe("read_my_messages");
    expect(peer.endpoint.mainRequests().some((r) => JSON.stringify(r.body).includes("What is 6 x 7?"))).toBe(
      true,
    );
  }, 900_000);

  it("a real OpenCode asks an idle real Codex: the Codex peer is woken, answers, and ask_peer returns it", async () => {
    const w = world();
    const answer = "CODEX-ANSWER: the tests pass";
    const peer = await Agent.start({
      kind: "codex",
      projectDir: w.project,
      tmux: w.tmux,
      name: "codex-peer",
      mcpServers: { oxtail: w.oxtail },
      script: [[{ say: "ready" }], answerTurn(answer)],
    });
    running.push(peer);
    await peer.prompt("hello");
    await until("the Codex peer registered with its session id", 60_000, async () =>
      (await w.registry.list()).some((a) => a.client.type === "codex" && a.client.session_id && a.tmux?.pane),
    );
    const asker = await startOpenCode(w, [askTurn("codex-peer", "Do the tests pass?")]);
    await asker.prompt("Ask the Codex peer.", 200_000);
    const result = JSON.stringify(asker.endpoint.mainRequests().at(-1)?.body);
    expect(result).toContain(answer);
    expect(result).toMatch(/outcome\\?":\\?"submitted/);
    // OpenCode's ask carried the outlook (a wake) and its question's receipt ends replied.
    expect(result).toMatch(/delivery_outlook\\?":\{\\?"path\\?":\\?"wake/);
    expect((await repliedReceipt(w.home, result)).replied?.reply_id).toBeTruthy();
  }, 900_000);
});
