// The real Claude Code on the NATS transport (SPEC §12): its oxtail server, hook program and sleeper run
// with the NATS variables in the client's environment, as docs/several-machines.md says; a peer on
// another machine (another oxtail home and host id) sends through a real nats-server. Mail reaches the
// model mid-turn through the hook, and an idle session is woken by its sleeper, nothing typed.
// The real Codex, the variables in its MCP server entry alone: an ask_peer from the other machine wakes it
// through its own machine's tmux wake, and its reply comes back. The real OpenCode: the same ask wakes it
// through its own TUI's server (prompt_async), on its machine; and the real Gemini CLI through its tmux wake.
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { sessionUuid } from "@oxtail/client-opencode";
import { readSleeper, WAKE_LINE } from "@oxtail/core";
import { createMailbox, createReceipts, sessionMailboxKey, type Transport } from "@oxtail/core/runtime";
import { natsTransportFromEnv } from "@oxtail/transport-nats";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  hasNatsServer,
  startNatsServer,
  type TestNatsServer,
} from "../../../libs/transport-nats/test/nats-server.ts";
import { Agent, until } from "../src/agent.ts";
import { OXTAIL_MAIN, oxtailInHome } from "../src/homes.ts";
import { newestIsPinned } from "../src/install.ts";
import { answerTurn, type Turn } from "../src/script.ts";
import { readJsonLines } from "../src/transcripts.ts";

const PEER = "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb";
const PROJECT = "example.com/team/agents";

describe.skipIf(!hasNatsServer())("the real clients on the NATS transport", () => {
  let nats: TestNatsServer;
  let peer: Transport | null = null;
  const running: Agent[] = [];
  const dirs: string[] = [];
  const clients: Client[] = [];

  beforeEach(async () => {
    nats = await startNatsServer();
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) await client.close();
    for (const agent of running.splice(0)) await agent.stop();
    await peer?.close();
    peer = null;
    await nats.dispose();
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });

  const temp = (name: string) => {
    const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), `oxtail-nats-${name}-`)));
    dirs.push(dir);
    return dir;
  };
  /** The variables a user exports in the shell that starts the client (this machine: `workstation`). */
  const natsEnv = (host: string) => ({
    OXTAIL_TRANSPORT: "nats",
    OXTAIL_NATS_URL: nats.url,
    OXTAIL_PROJECT: PROJECT,
    OXTAIL_HOST_ID: host,
  });

  /** Claude Code set up by `oxtail setup --claude`, its environment on NATS. */
  async function claude(script: Parameters<typeof Agent.start>[0]["script"]) {
    const projectDir = temp("proj");
    fs.mkdirSync(path.join(projectDir, ".git"));
    const agent = await Agent.start({
      kind: "claude",
      projectDir,
      beforeStart: oxtailInHome("setup", "--claude"),
      env: natsEnv("workstation"),
      script,
    });
    running.push(agent);
    const session = agent.claudeSessionId();
    if (!session) throw new Error("Claude Code has written no session file for its process");
    return { agent, session };
  }

  /** A peer's message from the build box (its own oxtail home), sent through NATS. Returns its id and the receipts. */
  async function peerSays(session: string, body: string) {
    const home = temp("buildbox");
    fs.mkdirSync(path.join(home, ".git"));
    peer ??= natsTransportFromEnv(natsEnv("buildbox"), { home, cwd: home });
    const receipts = createReceipts({ store: peer.receipts });
    const sent = await createMailbox({ store: peer.mailbox, receipts }).send({
      from: { session_id: PEER, instance_id: "1-1", client_type: "codex", display_name: "codex (peer)" },
      fromMailbox: sessionMailboxKey(PEER),
      to: sessionMailboxKey(session),
      toSessionId: session,
      body,
    });
    return { id: sent.id, receipts };
  }

  const bash = (command: string) => ({ tool: "Bash", args: { command, description: command } });

  /** An agent of the build box (its own oxtail home and checkout): a real server under the SDK's Client. */
  async function askerOnBuildbox(): Promise<Client> {
    const buildbox = temp("buildbox");
    fs.mkdirSync(path.join(buildbox, ".git"));
    const asker = new Client({ name: "claude-code", version: "test" });
    await asker.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [OXTAIL_MAIN],
        cwd: buildbox,
        env: {
          PATH: process.env.PATH ?? "",
          HOME: buildbox,
          OXTAIL_HOME: path.join(buildbox, ".oxtail"),
          CLAUDECODE: "1",
          CLAUDE_CODE_SESSION_ID: randomUUID(),
          ...natsEnv("buildbox"),
        },
      }),
    );
    clients.push(asker);
    return asker;
  }

  /** A row of `list_project_sessions` as the build box's asker sees it. */
  type Row = { id?: string; client?: string; machine?: string; busy?: boolean };

  /** The first row `wanted` accepts, asked again until there is one. */
  function rowSeen(asker: Client, what: string, wanted: (row: Row) => boolean): Promise<Row> {
    return until(what, 60_000, async () => {
      const listed = await asker.callTool({ name: "list_project_sessions", arguments: {} });
      return (listed.structuredContent as { rows: Row[] }).rows.find(wanted);
    });
  }

  /** A client on this machine (`workstation`) with the NATS variables in its oxtail MCP server entry only. */
  async function onWorkstation(kind: "codex" | "gemini", script: Turn[]): Promise<Agent> {
    const projectDir = temp("proj");
    fs.mkdirSync(path.join(projectDir, ".git"));
    const agent = await Agent.start({
      kind,
      projectDir,
      name: `${kind}-peer`,
      mcpServers: {
        oxtail: {
          command: process.execPath,
          args: [OXTAIL_MAIN],
          env: natsEnv("workstation"),
          envVars: ["TMUX", "TMUX_PANE"],
        },
      },
      script,
    });
    running.push(agent);
    return agent;
  }

  /** Ask `target` from the build box; the answer's reply and wake report. */
  async function askFromBuildbox(asker: Client, target: string, body: string) {
    const result = await asker.callTool(
      { name: "ask_peer", arguments: { target, body, timeout_ms: 90_000 } },
      undefined,
      { timeout: 150_000 },
    );
    return result.structuredContent as {
      reply: { body: string } | null;
      wake: { strategy: string; outcome: string } | null;
    };
  }

  it("mid-turn: the hook hands a message from another machine over before the next command", async () => {
    const note = "NATS-NOTE: the build box says the parser tests are red.";
    const { agent, session } = await claude([[bash("sleep 3"), bash("echo second"), { say: "done" }]]);
    // Once the sleep's PreToolUse has run and the command is running, the build box's mail comes.
    const {
      requests,
      during: { id, receipts },
    } = await agent.turnWith("Do some work.", () => peerSays(session, note));
    expect(requests).toHaveLength(3);
    expect(requests[1]).not.toContain(note);
    expect(requests[2]).toContain(note);
    expect(requests[2]).toContain(`session ${PEER}`);
    // The sender's machine sees it delivered by the hook, and nothing went through the data directory.
    expect(await receipts.get(id)).toMatchObject({ state: "delivered", delivered: { via: "hook-mid-turn" } });
    expect(fs.existsSync(path.join(agent.home, ".oxtail", "mailboxes", session))).toBe(false);
  });

  it("idle: the sleeper wakes it with a message from another machine, and nothing is typed", async () => {
    const note = "NATS-WAKE: the deploy on the build box finished.";
    const { agent, session } = await claude([
      [{ say: "ok" }],
      [{ say: "I have read the build box's note." }],
    ]);
    await agent.prompt("hello");
    await until(
      "the sleeper to wait",
      30_000,
      () => readSleeper(path.join(agent.home, ".oxtail"), session).waiting,
    );
    const turns = agent.completedTurns();
    const { id, receipts } = await peerSays(session, note);
    await agent.endpoint.waitForMainRequests(2);
    await until("the woken turn to finish", 30_000, () => agent.completedTurns() > turns);
    const woken = JSON.stringify(agent.endpoint.mainRequests()[1]?.body);
    expect(woken).toContain(note);
    expect(woken).not.toContain(WAKE_LINE);
    expect(agent.screen()).toContain("I have read the build box's note.");
    const prompts = readJsonLines(agent.transcriptPath() as string)
      .filter((e) => e.type === "user" && typeof (e.message as { content?: unknown })?.content === "string")
      .map((e) => (e.message as { content: string }).content);
    expect(prompts).toHaveLength(2);
    expect(prompts[1]).toMatch(/^<task-notification>/);
    expect(await receipts.get(id)).toMatchObject({ state: "delivered", delivered: { via: "wake-notice" } });
  });

  it("Codex: an ask_peer from another machine wakes the idle TUI through its own machine's tmux wake, and the reply returns", async () => {
    // The NATS variables in the MCP server entry only, as a Codex user writes them in config.toml.
    const codex = await onWorkstation("codex", [[{ say: "ready" }], answerTurn("CODEX-ON-NATS: 6 x 7 = 42")]);
    // Codex's thread, and so its session id, exists from the first prompt on.
    await codex.prompt("hello");

    const asker = await askerOnBuildbox();
    const row = await rowSeen(
      asker,
      "the workstation's Codex, idle",
      (r) => r.client === "codex" && !!r.id && r.busy === false,
    );
    expect(row.machine).toBe("workstation");

    const out = await askFromBuildbox(asker, row.id as string, "What is 6 x 7?");
    // The workstation's own tmux wake acted on Codex's pane, and its report came back over NATS.
    expect(out.wake).toMatchObject({ strategy: "tmux", outcome: "submitted" });
    expect(out.reply?.body).toBe("CODEX-ON-NATS: 6 x 7 = 42");
    const requests = codex.endpoint.mainRequests().map((r) => JSON.stringify(r.body));
    expect(requests.some((r) => r.includes("[oxtail] New messages are waiting for you"))).toBe(true);
    expect(requests.some((r) => r.includes("What is 6 x 7?"))).toBe(true);
    // Nothing went through the workstation's data directory.
    expect(fs.existsSync(path.join(codex.home, ".oxtail", "mailboxes"))).toBe(false);
  });

  it.skipIf(newestIsPinned("opencode"))(
    "OpenCode: an ask_peer from another machine wakes the idle TUI through its own server (prompt_async) on its machine",
    async () => {
      const projectDir = temp("proj");
      fs.mkdirSync(path.join(projectDir, ".git"));
      const opencode = await Agent.start({
        kind: "opencode",
        projectDir,
        name: "opencode-peer",
        env: natsEnv("workstation"),
        beforeStart: oxtailInHome("setup", "--opencode"),
        script: [[{ say: "ready" }], answerTurn("OPENCODE-ON-NATS: the tests pass")],
      });
      running.push(opencode);
      // OpenCode has started its oxtail server and initialized it (the record names the client) before the prompt.
      const buildbox = temp("buildbox-registry");
      peer ??= natsTransportFromEnv(natsEnv("buildbox"), { home: buildbox, cwd: buildbox });
      const stores = peer;
      await until("OpenCode's oxtail server on NATS", 120_000, async () =>
        (await stores.registry.list()).records.some((r) => r.client.name === "opencode"),
      );
      await opencode.prompt("hello");
      const sessions = (await (
        await fetch(new URL("session", opencode.openCodeServer as string))
      ).json()) as {
        id: string;
      }[];
      const uuid = sessionUuid((sessions[0] as { id: string }).id);
      const asker = await askerOnBuildbox();
      await rowSeen(
        asker,
        "the OpenCode peer with its session, idle",
        (r) => r.id === uuid.slice(0, 8) && r.machine === "workstation" && r.busy === false,
      );

      const out = await askFromBuildbox(asker, uuid, "Do the tests pass?");
      // The workstation's server woke OpenCode through its TUI's own server, nothing typed; the report came over NATS.
      expect(out.wake).toMatchObject({ strategy: "opencode-prompt-async", outcome: "submitted" });
      expect(out.reply?.body).toBe("OPENCODE-ON-NATS: the tests pass");
      expect(
        opencode.endpoint.mainRequests().some((r) => JSON.stringify(r.body).includes("Do the tests pass?")),
      ).toBe(true);
    },
  );

  it.skipIf(newestIsPinned("gemini"))(
    "Gemini CLI: an ask_peer from another machine wakes the idle TUI through its own machine's tmux wake, and the reply returns",
    async () => {
      const gemini = await onWorkstation("gemini", [answerTurn("GEMINI-ON-NATS: the build is green")]);
      const asker = await askerOnBuildbox();
      const row = await rowSeen(
        asker,
        "the workstation's Gemini CLI with its session id",
        (r) => r.client === "gemini" && !!r.id,
      );
      expect(row.machine).toBe("workstation");

      const out = await askFromBuildbox(asker, row.id as string, "Is the build green?");
      expect(out.wake).toMatchObject({ strategy: "tmux", outcome: "submitted" });
      expect(out.reply?.body).toBe("GEMINI-ON-NATS: the build is green");
      const requests = gemini.endpoint.mainRequests().map((r) => JSON.stringify(r.body));
      expect(requests.some((r) => r.includes("Is the build green?"))).toBe(true);
    },
  );
});
