// The real OpenCode TUI (pinned, scripted model on loopback) with `oxtail setup --opencode`: its oxtail
// server finds the session through the plugin, a peer's read_session reads it through the TUI's server,
// and a peer's mail reaches the model mid-turn, with a command's output (the plugin's tool.execute.after).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { sessionUuid } from "@oxtail/client-opencode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Agent, until } from "../src/agent.ts";
import { OXTAIL_MAIN, oxtailInHome } from "../src/homes.ts";
import { jsonInResult } from "../src/script.ts";
import { PrivateTmux } from "../src/tmux.ts";

const agents: Agent[] = [];
let tmux: PrivateTmux;
let home: string;
let project: string;

beforeAll(() => {
  tmux = new PrivateTmux("oxtail-opencode-test");
  home = fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-home-"));
  project = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-opencode-proj-")));
  fs.mkdirSync(path.join(project, ".git"));
});
afterAll(async () => {
  for (const agent of agents) await agent.stop();
  tmux.kill();
  fs.rmSync(home, { recursive: true, force: true });
  fs.rmSync(project, { recursive: true, force: true });
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

/** OpenCode's own session id, from its server. */
async function openCodeSessionId(agent: Agent): Promise<string> {
  const sessions = (await (await fetch(new URL("session", agent.openCodeServer as string))).json()) as {
    id: string;
  }[];
  expect(sessions).toHaveLength(1);
  return (sessions[0] as { id: string }).id;
}

describe("OpenCode (real TUI) with oxtail setup", () => {
  it("its oxtail server detects the session through the plugin, a peer reads it with read_session, and mail reaches it mid-turn", async () => {
    const agent = await Agent.start({
      kind: "opencode",
      projectDir: project,
      tmux,
      name: "opencode-agent",
      env: { OXTAIL_HOME: home },
      beforeStart: oxtailInHome("setup", "--opencode"),
      script: [
        [{ say: "hello from the scripted model" }],
        [{ tool: "get_my_session", server: "oxtail", args: {} }, { sayLastToolResult: true }],
        // Mid-turn: a peer's mail arrives while this command runs.
        [{ tool: "bash", args: { command: "sleep 3", description: "wait" } }, { say: "worked" }],
      ],
    });
    agents.push(agent);
    await oxtailServerUp(home); // its tools are offered to the model only once it is up
    await agent.prompt("hello");
    const sesId = await openCodeSessionId(agent);
    const uuid = sessionUuid(sesId);
    // The plugin logged the session; the server re-detects every 2 s until it knows one.
    await until("the plugin's identity drop", 30_000, () =>
      fs.existsSync(path.join(home, "identity", `${uuid}.json`)),
    );
    await new Promise((resolve) => setTimeout(resolve, 2500));
    await agent.prompt("who am I?");
    const result = jsonInResult(lastToolResult(agent));
    expect(result, JSON.stringify(agent.endpoint.mainRequests().map((r) => r.action))).toMatchObject({
      ok: true,
    });
    expect(JSON.stringify(result)).toContain(uuid);
    expect(JSON.stringify(result)).toContain('"opencode"');

    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [OXTAIL_MAIN],
      cwd: project,
      env: { PATH: process.env.PATH ?? "", HOME: os.homedir(), OXTAIL_HOME: home },
    });
    const observer = new Client({ name: "observer", version: "1" });
    await observer.connect(transport);
    try {
      const read = await observer.callTool({
        name: "read_session",
        arguments: { name: uuid, mode: "transcript", limit: 10 },
      });
      const body = read.structuredContent as {
        ok: boolean;
        client: string;
        turns: { user?: string; assistant?: string; tools?: string[] }[];
      };
      expect(body).toMatchObject({ ok: true, mode: "transcript", client: "opencode", id: uuid.slice(0, 8) });
      const texts = body.turns.map((t) => t.user ?? t.assistant);
      expect(texts).toContain("hello");
      expect(texts).toContain("hello from the scripted model");
      expect(texts).toContain("who am I?");
      expect(body.turns.some((t) => t.tools?.some((c) => /get_my_session/.test(c)))).toBe(true);

      // Mid-turn delivery: the plugin runs oxtail's hook program after the command, and the mail that
      // came while it ran reaches the model with the command's output.
      const before = agent.endpoint.mainRequests().length;
      const turn = agent.prompt("Do some work.");
      await agent.endpoint.waitForMainRequests(before + 1);
      await new Promise((r) => setTimeout(r, 800)); // `sleep 3` runs now
      const note = "PEER-NOTE: the parser tests are red, please look.";
      const sent = (
        await observer.callTool({ name: "send_message", arguments: { target: uuid, body: note } })
      ).structuredContent as { message_id: string; delivery_outlook: Record<string, unknown> };
      expect(sent.delivery_outlook, JSON.stringify(sent)).toMatchObject({
        path: "hook-mid-turn",
        hooks: "active",
        busy: true,
      });
      await turn;
      const requests = agent.endpoint
        .mainRequests()
        .slice(before)
        .map((r) => JSON.stringify(r.body));
      expect(requests[0]).not.toContain(note);
      expect(requests[1]).toContain(note); // with the output of `sleep 3`
      expect(requests[1]).toContain("information from another agent");
      const receipt = await until("the delivered receipt", 30_000, async () => {
        const status = (
          await observer.callTool({ name: "message_status", arguments: { id: sent.message_id } })
        ).structuredContent as { receipts: { state: string; delivered?: { via?: string } }[] };
        return status.receipts[0]?.delivered ? status.receipts[0] : null;
      });
      expect(receipt.delivered?.via).toBe("hook-mid-turn");
    } finally {
      await observer.close();
    }
  }, 480_000); // OpenCode's start-up took up to 3 minutes on a loaded 2-core machine
});

function lastToolResult(agent: Agent): string | null {
  const requests = agent.endpoint.mainRequests();
  for (const request of [...requests].reverse()) {
    const messages = (request.body as { messages?: { role: string; content: unknown }[] }).messages ?? [];
    const tool = [...messages].reverse().find((m) => m.role === "tool");
    if (tool) return typeof tool.content === "string" ? tool.content : JSON.stringify(tool.content);
  }
  return null;
}
