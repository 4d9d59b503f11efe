import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Agent, until } from "../src/agent.ts";
import { toolResultsOf } from "../src/endpoint.ts";
import { jsonInResult } from "../src/script.ts";
import { PrivateTmux } from "../src/tmux.ts";

// Which part of an MCP tool result each real client puts in front of its model: the text block or
// `structuredContent`. oxtail's results are shaped for what the model reads (docs/tokens.md).
const PROBE = path.join(import.meta.dirname, "fixtures/two-blocks-server.mjs");
const SERVER = path.resolve(import.meta.dirname, "../../../apps/server/dist/main.mjs");
const PEER = "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb";
const agents: Agent[] = [];
let tmux: PrivateTmux;
let project: string;

beforeAll(() => {
  tmux = new PrivateTmux("oxtail-tool-results");
  project = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-tool-results-")));
  fs.mkdirSync(path.join(project, ".git"));
});
afterAll(async () => {
  for (const agent of agents) await agent.stop();
  tmux.kill();
  fs.rmSync(project, { recursive: true, force: true });
});

describe("what a real client passes to its model from a tool result with both blocks", () => {
  it.each([
    ["Claude Code", "structuredContent", "claude", "anthropic"],
    ["Codex", "structuredContent", "codex", "openai"],
    ["Gemini CLI", "the text block", "gemini", "gemini"],
    ["OpenCode", "the text block", "opencode", "chat"],
  ] as const)("%s passes %s to its model, and no output schema", async (_name, block, kind, format) => {
    // Clients connect MCP servers in the background: the prompt waits until the client has listed
    // the probe's tools, or its first request could go out without the probe.
    const listed = path.join(project, `${kind}-probe-listed`);
    const agent = await Agent.start({
      kind,
      projectDir: project,
      tmux,
      name: `${kind}-probe`,
      mcpServers: { probe: { command: process.execPath, args: [PROBE], env: { PROBE_LISTED: listed } } },
      script: [[{ tool: "probe", server: "probe", args: {} }, { say: "done" }]],
    });
    agents.push(agent);
    await until("the client listed the probe's tools", 60_000, async () => fs.existsSync(listed));
    await agent.prompt("Run the probe.");
    const results = agent.endpoint.mainRequests().flatMap((r) => toolResultsOf(format, r.body));
    const seen = results.join("\n");
    // The definition the client sends its model: name, description and input schema; the output
    // schema (whose only property is `marker`) and annotations stay with the client.
    const tools = agent.endpoint.mainRequests().flatMap((r) => (r.body as { tools?: unknown[] }).tools ?? []);
    const probe = JSON.stringify(tools.filter((t) => JSON.stringify(t).includes("probe")));
    expect(probe).toContain("Returns a marker.");
    expect(probe).not.toContain('marker"');
    // oxtail puts the same JSON in both blocks (docs/tokens.md), so either way the model reads it.
    const [passed, dropped] =
      block === "structuredContent"
        ? ["STRUCTURED-MARKER", "TEXT-BLOCK-MARKER"]
        : ["TEXT-BLOCK-MARKER", "STRUCTURED-MARKER"];
    expect(seen).toContain(passed);
    expect(seen).not.toContain(dropped);
  });
});

describe("a real model acts on oxtail's compact results", () => {
  it("Claude Code finds a peer by its card, messages it by short id, and answers a message by from and id", async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-compact-home-"));
    const trace = path.join(home, "trace.ndjson");
    const ownProject = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-compact-proj-")));
    fs.mkdirSync(path.join(ownProject, ".git"));
    // The peer: an oxtail server of its own (a Claude-like agent with a card), driven over MCP.
    const peer = new Client({ name: "claude-code", version: "test" });
    await peer.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [SERVER],
        cwd: ownProject,
        env: {
          PATH: process.env.PATH ?? "",
          HOME: os.homedir(),
          OXTAIL_HOME: home,
          CLAUDECODE: "1",
          CLAUDE_CODE_SESSION_ID: PEER,
        },
      }),
    );
    try {
      await peer.callTool({ name: "set_my_state", arguments: { purpose: "reviewing the parser" } });
      type Row = { id?: string; card?: string };
      type Msg = { id: string; from: string; body: string; re?: string };
      const agent = await Agent.start({
        kind: "claude",
        projectDir: ownProject,
        tmux,
        name: "claude-compact",
        mcpServers: {
          oxtail: {
            command: process.execPath,
            args: [SERVER],
            env: { OXTAIL_HOME: home, MCP_TRACE_FILE: trace },
          },
        },
        script: [
          [
            { tool: "list_project_sessions", server: "oxtail", args: {} },
            {
              tool: "send_message",
              server: "oxtail",
              args: (last) => {
                const rows = (jsonInResult(last)?.rows ?? []) as Row[];
                const reviewer = rows.find((r) => r.card === "reviewing the parser");
                return { target: reviewer?.id ?? "nobody", body: `hello, ${reviewer?.card}` };
              },
            },
            { tool: "read_my_messages", server: "oxtail", args: {} },
            {
              tool: "send_message",
              server: "oxtail",
              args: (last) => {
                const [m] = (jsonInResult(last)?.messages ?? []) as Msg[];
                return { target: m?.from ?? "nobody", reply_to: m?.id, body: `answering: ${m?.body}` };
              },
            },
            { say: "done" },
          ],
        ],
      });
      agents.push(agent);
      const me = agent.claudeSessionId() as string;
      // Claude Code connects its MCP servers in the background: wait until its oxtail is up and listed.
      await until("Claude Code's oxtail server listed with its session", 60_000, async () => {
        const list = (await peer.callTool({ name: "list_project_sessions", arguments: {} }))
          .structuredContent as {
          rows: Row[];
        };
        return list.rows.some((r) => r.id === me.slice(0, 8));
      });
      // ...and until Claude Code has listed its tools: before that, its model is offered none of them.
      await until("Claude Code to list oxtail's tools", 60_000, () =>
        fs.existsSync(trace) ? fs.readFileSync(trace, "utf8").includes('"kind":"mcp.tools-listed"') : false,
      );
      const question = (
        await peer.callTool({ name: "send_message", arguments: { target: me, body: "are you there?" } })
      ).structuredContent as { message_id: string };
      await agent.prompt("Coordinate with the reviewer.");
      const results = () => agent.endpoint.mainRequests().flatMap((r) => toolResultsOf("anthropic", r.body));
      const got = await until<Msg[]>("both of the agent's messages at the peer", 30_000, async () => {
        const read = (await peer.callTool({ name: "read_my_messages", arguments: {} })).structuredContent as {
          messages: Msg[];
        };
        return read.messages.length ? read.messages : null;
      }).catch((error) => {
        throw new Error(`${(error as Error).message}; the model saw: ${results().join(" | ")}`);
      });
      const all = [...got];
      if (all.length < 2) {
        const more = (await peer.callTool({ name: "read_my_messages", arguments: {} })).structuredContent as {
          messages: Msg[];
        };
        all.push(...more.messages);
      }
      const seen = agent.endpoint.mainRequests().flatMap((r) => toolResultsOf("anthropic", r.body));
      expect(
        all.map((m) => m.body),
        seen.join("\n"),
      ).toEqual(["hello, reviewing the parser", "answering: are you there?"]);
      expect(all[1]?.re).toBe(question.message_id);
      expect(all.every((m) => m.from === me.slice(0, 8))).toBe(true);
    } finally {
      await peer.close();
      fs.rmSync(home, { recursive: true, force: true });
      fs.rmSync(ownProject, { recursive: true, force: true });
    }
  });
});
