// SPEC §10, durable asks in a real client: a real Claude Code asks a peer with ask_peer, the ask times
// out and Claude Code goes idle; the peer's reply comes later, reaches Claude Code's mailbox, and wakes
// it (the replier's server recognises the timed-out ask; Claude's sleeper hands the reply over).
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
import { OXTAIL_MAIN, oxtailInHome } from "../src/homes.ts";
import { PrivateTmux } from "../src/tmux.ts";

const running: Agent[] = [];
const clients: Client[] = [];
const dirs: string[] = [];
let tmux: PrivateTmux | null = null;

afterEach(async () => {
  for (const client of clients.splice(0)) await client.close().catch(() => {});
  for (const agent of running.splice(0)) await agent.stop();
  tmux?.kill();
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

describe("durable asks in a real client", () => {
  it("Claude Code's ask_peer times out; the late reply lands in its mailbox and wakes it", async () => {
    tmux = new PrivateTmux("oxtail-late-reply-test");
    const home = fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-home-"));
    const project = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-late-proj-")));
    fs.mkdirSync(path.join(project, ".git"));
    const trace = path.join(home, "..", `${path.basename(home)}-peer-trace.ndjson`);
    dirs.push(home, project, trace);
    // The peer: a real oxtail server driven by the SDK's client, as a simulated agent.
    const peerSession = randomUUID();
    const peer = new Client({ name: "claude-code", version: "test" });
    await peer.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [OXTAIL_MAIN],
        cwd: project,
        env: {
          PATH: process.env.PATH ?? "",
          HOME: os.homedir(),
          OXTAIL_HOME: home,
          CLAUDECODE: "1",
          CLAUDE_CODE_SESSION_ID: peerSession,
          MCP_TRACE_FILE: trace,
        },
      }),
    );
    clients.push(peer);
    const claude = await Agent.start({
      kind: "claude",
      projectDir: project,
      tmux,
      name: "claude-asker",
      env: { OXTAIL_HOME: home },
      beforeStart: oxtailInHome("setup", "--claude"),
      script: [
        [
          {
            tool: "ask_peer",
            server: "oxtail",
            args: { target: peerSession, body: "LATE-Q: is the build green?", timeout_ms: 1500 },
          },
          { say: "No answer yet; I will wait." },
        ],
        [{ say: "LATE-A received: the build is green." }],
      ],
    });
    running.push(claude);
    const registry = createRegistry({ store: createFsRegistryStore({ home }) });
    const record = await until("Claude Code registered", 30_000, async () =>
      (await registry.list()).find(
        (a) => a.client.type === "claude" && a.client.session_id === claude.claudeSessionId(),
      ),
    );
    const session = record.client.session_id as string;
    await claude.prompt("Ask the peer whether the build is green.");
    // The ask timed out and the turn ended: Claude Code sits idle, its sleeper waiting.
    expect(claude.endpoint.mainRequests()).toHaveLength(2);
    expect(JSON.stringify(claude.endpoint.mainRequests()[1]?.body)).toContain('\\"timed_out\\":true');
    await until("Claude's sleeper to wait", 30_000, () => readSleeper(home, session).waiting);
    const asks = fs.readdirSync(path.join(home, "asks"));
    expect(asks).toHaveLength(1);
    const ask = JSON.parse(fs.readFileSync(path.join(home, "asks", asks[0] as string), "utf8"));
    expect(ask).toMatchObject({
      status: "timed-out",
      asker: { mailbox: session },
      target: { mailbox: peerSession },
    });
    // The peer answers late.
    const call = async (name: string, args: Record<string, unknown>) =>
      (await peer.callTool({ name, arguments: args }, undefined, { timeout: 60_000 }))
        .structuredContent as Record<string, unknown>;
    const inbox = (await call("read_my_messages", {})).messages as { id: string; body: string }[];
    expect(inbox.map((m) => m.body)).toEqual(["LATE-Q: is the build green?"]);
    const questionId = inbox[0]?.id;
    expect(questionId).toBe(ask.question_id);
    await call("send_message", {
      target: session,
      body: "LATE-A: the build is green.",
      reply_to: questionId,
    });
    // Claude Code is woken with the reply and answers in a new turn.
    await claude.endpoint.waitForMainRequests(3);
    const woken = JSON.stringify(claude.endpoint.mainRequests()[2]?.body);
    expect(woken).toContain("LATE-A: the build is green.");
    expect(woken).toContain(`in reply to ${questionId}`);
    await until("the woken turn on screen", 30_000, () => claude.screen().includes("LATE-A received"));
    // The replier's server recognised the timed-out ask it answered.
    expect(JSON.parse(fs.readFileSync(path.join(home, "asks", asks[0] as string), "utf8")).status).toBe(
      "answered",
    );
    expect(fs.readFileSync(trace, "utf8")).toContain('"kind":"ask.late-reply"');
  });
});
