// An idle real OpenCode (pinned, scripted model, `oxtail setup --opencode`, started with --port) is woken
// 20 times in a row by ask_peer through its TUI's own server (prompt_async): nothing is typed into its
// pane, each wake is verified, and each woken turn answers.
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { sessionUuid } from "@oxtail/client-opencode";
import { afterEach, describe, expect, it } from "vitest";
import { Agent, until } from "../src/agent.ts";
import { OXTAIL_MAIN, oxtailInHome, withoutRateBudget } from "../src/homes.ts";
import { answerTurn } from "../src/script.ts";
import { PrivateTmux } from "../src/tmux.ts";

const WAKES = Number(process.env.OXTAIL_AGENTS_OPENCODE_WAKES ?? 20);
const running: Agent[] = [];
const cleanups: (() => void)[] = [];
afterEach(async () => {
  for (const agent of running.splice(0)) await agent.stop();
  for (const clean of cleanups.splice(0)) clean();
});

/** Wait until OpenCode's oxtail server has started and been initialized by OpenCode (its registry record names the client). */
async function oxtailServerUp(home: string): Promise<void> {
  await until("OpenCode's oxtail server to be initialized", 120_000, () => {
    const dir = path.join(home, "sessions");
    return (
      fs.existsSync(dir) &&
      fs.readdirSync(dir).some((f) => {
        try {
          return JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")).client?.name === "opencode";
        } catch {
          return false; // being written
        }
      })
    );
  });
}

describe("an idle real OpenCode woken without typing", () => {
  it(`${WAKES} consecutive ask_peer calls, each woken through prompt_async, verified and answered`, async () => {
    const tmux = new PrivateTmux("oxtail-opencode-wake");
    const home = fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-home-"));
    withoutRateBudget(home); // 20 asks of one peer in a row: what the rate budget exists to stop
    const project = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-opencode-wake-")));
    fs.mkdirSync(path.join(project, ".git"));
    cleanups.push(() => {
      tmux.kill();
      fs.rmSync(home, { recursive: true, force: true });
      fs.rmSync(project, { recursive: true, force: true });
    });
    const peer = await Agent.start({
      kind: "opencode",
      projectDir: project,
      tmux,
      name: "opencode-peer",
      env: { OXTAIL_HOME: home },
      beforeStart: oxtailInHome("setup", "--opencode"),
      script: [[{ say: "ready" }], ...Array.from({ length: WAKES }, (_, i) => answerTurn(`answer ${i}`))],
    });
    running.push(peer);
    await oxtailServerUp(home);
    await peer.prompt("hello");
    const sessions = (await (await fetch(new URL("session", peer.openCodeServer as string))).json()) as {
      id: string;
    }[];
    const uuid = sessionUuid((sessions[0] as { id: string }).id);
    const asker = new Client({ name: "claude-code", version: "test" });
    await asker.connect(
      new StdioClientTransport({
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
      }),
    );
    // The peer's oxtail server has taken the session from the plugin's drop.
    await until("the OpenCode peer registered with its session", 60_000, async () => {
      const listed = await asker.callTool({ name: "list_project_sessions", arguments: {} });
      return (listed.structuredContent as { rows: { id?: string }[] }).rows.some(
        (r) => r.id === uuid.slice(0, 8),
      );
    });
    const typedBefore = peer.endpoint.mainRequests().length;
    let submitted = 0;
    let answered = 0;
    const outcomes: string[] = [];
    try {
      for (let i = 0; i < WAKES; i++) {
        const turns = await peer.turnsDone();
        const result = await asker.callTool(
          { name: "ask_peer", arguments: { target: uuid, body: `question ${i}?`, timeout_ms: 90_000 } },
          undefined,
          { timeout: 150_000 },
        );
        const out = result.structuredContent as {
          reply: { body: string } | null;
          wake: {
            outcome: string;
            strategy?: string | null;
            verified_after_ms: number | null;
            reason: string | null;
          };
        };
        outcomes.push(`${out.wake.strategy ?? "?"}:${out.wake.outcome}:${out.wake.verified_after_ms ?? "-"}`);
        if (out.wake.outcome === "submitted" && out.wake.strategy === "opencode-prompt-async") submitted += 1;
        else console.log(`[wake] opencode wake ${i}: ${JSON.stringify(out.wake)}`);
        if (out.reply?.body === `answer ${i}`) answered += 1;
        await until(
          `the OpenCode peer's turn ${i} to end`,
          90_000,
          async () => (await peer.turnsDone()) > turns,
        );
      }
    } finally {
      await asker.close();
    }
    console.log(
      `[wake] opencode: ${submitted}/${WAKES} verified through prompt_async, ${answered}/${WAKES} answered; ${outcomes.join(", ")}`,
    );
    // Nothing was typed: every woken turn began with oxtail's wake line as its user message, sent by the server.
    const firstOfTurns = peer.endpoint.mainRequests().slice(typedBefore);
    expect(firstOfTurns.length).toBeGreaterThanOrEqual(WAKES);
    expect(submitted).toBe(WAKES);
    expect(answered).toBe(WAKES);
  }, 1_200_000);
});
