// Gemini CLI, the third real client, through oxtail as a user sets it up (`oxtail setup --gemini`): its
// server finds the session with no action by the agent, a peer reads its chat with read_session, and a
// peer's mail reaches it mid-turn (AfterTool), before it goes idle (AfterAgent) and with its next
// prompt (BeforeAgent), each recorded in the message's receipt with its path. One agent serves every
// case, turn after turn, to keep the suite short.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import {
  createFsMailboxStore,
  createFsReceiptStore,
  createMailbox,
  createReceipts,
  type DeliveryVia,
  sessionMailboxKey,
} from "@oxtail/core/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Agent, until } from "../src/agent.ts";
import { toolResultsOf } from "../src/endpoint.ts";
import { OXTAIL_MAIN, oxtailInHome } from "../src/homes.ts";
import { newestIsPinned } from "../src/install.ts";
import { jsonInResult } from "../src/script.ts";

/**
 * `npm run test:agents:newest` runs each adapter's newest tested release; Gemini CLI's newest is its pinned
 * one, so these tests have run already in `npm run test:agents` and are skipped there.
 */
const SAME_AS_PINNED = newestIsPinned("gemini");

const PEER = "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb";
const shell = (command: string) => ({ tool: "run_shell_command", args: { command, description: command } });

let agent: Agent;
let project: string;
let session: string;

/** The receipts in the Gemini session's data dir (~/.oxtail in the agent's HOME). */
const receipts = () =>
  createReceipts({ store: createFsReceiptStore({ home: path.join(agent.home, ".oxtail") }) });

/** A peer's message into the Gemini session's mailbox, with its receipt; its id. */
async function peerSays(body: string): Promise<string> {
  const home = path.join(agent.home, ".oxtail");
  const mailbox = createMailbox({ store: createFsMailboxStore({ home }), receipts: receipts() });
  const from = { session_id: PEER, instance_id: "1-1", client_type: "codex", display_name: "codex (peer)" };
  const sent = await mailbox.send({
    from,
    fromMailbox: sessionMailboxKey(PEER),
    to: sessionMailboxKey(session),
    toSessionId: session,
    body,
  });
  return sent.id;
}

/** Another oxtail server in the project, as a peer's (the agent's HOME: its data dir is the agent's). */
async function observe(): Promise<Client> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [OXTAIL_MAIN],
    cwd: project,
    env: { PATH: process.env.PATH ?? "", HOME: agent.home },
  });
  const observer = new Client({ name: "observer", version: "1" });
  await observer.connect(transport);
  return observer;
}

/** How the message's receipt says it was put in front of the model (the hook records it). */
const deliveredVia = (id: string) =>
  until<DeliveryVia>(`the delivered receipt of ${id}`, 30_000, async () => {
    const receipt = await receipts().get(id);
    return receipt?.delivered?.via ?? null;
  });

/**
 * Wait until Gemini CLI sits idle: no hook running and its chat unchanged for 2 s. (Its answer is in the
 * chat before its AfterAgent hook runs: mail sent right after the answer would still be handed over there.)
 */
async function settled(): Promise<void> {
  let last = -1;
  let since = 0;
  await until("Gemini CLI to settle at its prompt", 60_000, () => {
    const size = fs.statSync(agent.transcriptPath() as string).size;
    if (size !== last || agent.screen().includes("Executing Hook")) {
      last = size;
      since = Date.now();
      return false;
    }
    return Date.now() - since >= 2000;
  });
}

/** The model requests of the turn `turn` (a promise of the prompt), from request index `from` on. */
const requestsFrom = (from: number) =>
  agent.endpoint
    .mainRequests()
    .slice(from)
    .map((r) => JSON.stringify(r.body));

beforeAll(async () => {
  if (SAME_AS_PINNED) return;
  project = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-gemini-proj-")));
  fs.mkdirSync(path.join(project, ".git"));
  agent = await Agent.start({
    kind: "gemini",
    projectDir: project,
    beforeStart: oxtailInHome("setup", "--gemini"),
    script: [
      // 1: who am I (nothing claimed: detection alone)
      [{ tool: "get_my_session", server: "oxtail", args: {} }, { say: "detected" }],
      // 2: mid-turn: the mail arrives while the first command runs; AfterTool hands it over with its result
      [shell("sleep 3"), shell("echo second"), { say: "done" }],
      // 3: before idle: the mail arrives while the model writes its answer (no tool after it)
      [{ say: "first answer", delayMs: 3000 }, { say: "I have read the peer's note." }],
      // 4: at the next prompt
      [{ say: "answered with the prompt's mail" }],
    ],
  });
  session = await until("the chat file's session id", 30_000, () => agent.geminiSessionId());
}, 300_000);

afterAll(async () => {
  await agent?.stop();
  if (project) fs.rmSync(project, { recursive: true, force: true });
});

describe.skipIf(SAME_AS_PINNED)("Gemini CLI 0.61.0 through oxtail setup --gemini", () => {
  it("its server knows the session id, chat and pane with no action by the agent (SessionStart's identity at launch)", async () => {
    // SessionStart fired at launch and left the session's identity for the server.
    await until("SessionStart's identity drop", 30_000, () =>
      fs.existsSync(path.join(agent.home, ".oxtail", "identity", `${session}.json`)),
    );
    const before = agent.endpoint.mainRequests().length;
    await agent.prompt("Who am I?");
    const body = agent.endpoint.mainRequests()[before + 1]?.body;
    const result = jsonInResult(toolResultsOf("gemini", body).at(-1) ?? null) as {
      record: {
        client: { type: string; session_id: string; transcript_path: string };
        tmux: { pane: string };
      };
      detection: { adapter: string; strategy: string; found: boolean }[];
    } | null;
    expect(result, JSON.stringify(body).slice(-3000)).not.toBeNull();
    const record = (result as NonNullable<typeof result>).record;
    expect(record.client.type).toBe("gemini");
    expect(record.client.session_id).toBe(session);
    expect(record.client.transcript_path).toBe(agent.transcriptPath());
    expect(record.tmux.pane).toBe(agent.tmux.pane(agent.session).id);
    const found = (result as NonNullable<typeof result>).detection
      .filter((d) => d.adapter === "gemini" && d.found)
      .map((d) => d.strategy);
    expect(found).toEqual(expect.arrayContaining(["clientInfo", "env", "ancestry"]));
    // The session id: SessionStart's identity, or (when the server looked before the hook had run) the
    // chat Gemini CLI wrote at launch.
    expect(
      found.some((s) => s === "hook-drop" || s === "chat-birth"),
      JSON.stringify(found),
    ).toBe(true);
    console.log(`[gemini] get_my_session: ${JSON.stringify(result).slice(0, 1500)}`);
  });

  it("mid-turn: a peer's mail that arrives while a command runs reaches the model with that command's result (AfterTool)", async () => {
    const before = agent.endpoint.mainRequests().length;
    const turn = agent.prompt("Do some work.");
    await agent.endpoint.waitForMainRequests(before + 1);
    await new Promise((r) => setTimeout(r, 800)); // `sleep 3` runs now
    const note = "PEER-NOTE: the parser tests are red, please look.";
    const id = await peerSays(note);
    await turn;
    const requests = requestsFrom(before);
    expect(requests).toHaveLength(3);
    expect(requests[0]).not.toContain(note);
    expect(requests[1]).toContain(note); // with the result of `sleep 3`, before the next command
    expect(requests[1]).toContain(`session ${PEER}`);
    expect(fs.readFileSync(agent.transcriptPath() as string, "utf8")).toContain(note);
    expect(fs.readdirSync(path.join(agent.home, ".oxtail", "mailboxes", session, "new"))).toEqual([]);
    expect(await deliveredVia(id)).toBe("hook-mid-turn");
  });

  it("before going idle: AfterAgent blocks with the mail and the turn goes on to answer it", async () => {
    const before = agent.endpoint.mainRequests().length;
    const turn = agent.prompt("Answer me.");
    await agent.endpoint.waitForMainRequests(before + 1);
    const note = "STOP-NOTE: answer me before you stop.";
    const id = await peerSays(note); // the model is still writing its answer: no tool call follows
    await turn;
    await until("the continued turn", 60_000, () => requestsFrom(before).length >= 2);
    const requests = requestsFrom(before);
    expect(requests[0]).not.toContain(note);
    expect(requests[1]).toContain(note);
    await until("the answer to the mail in the chat", 30_000, () =>
      fs.readFileSync(agent.transcriptPath() as string, "utf8").includes("I have read the peer's note."),
    );
    expect(await deliveredVia(id)).toBe("hook-stop");
  });

  it("at the next prompt: BeforeAgent hands over mail that came while it sat idle", async () => {
    await settled(); // the last turn's AfterAgent has run: mail sent now waits for the next prompt
    const note = "PROMPT-NOTE: the build is green again.";
    // Sent through an oxtail server, as a peer agent does: its delivery outlook foretells the path.
    const sender = await observe();
    try {
      const sent = (
        await sender.callTool({ name: "send_message", arguments: { target: session, body: note } })
      ).structuredContent as { message_id: string; delivery_outlook: Record<string, unknown> };
      expect(sent.delivery_outlook, JSON.stringify(sent)).toMatchObject({
        path: "next-prompt",
        hooks: "active",
        busy: false,
      });
      const before = agent.endpoint.mainRequests().length;
      await agent.prompt("and now?");
      const first = requestsFrom(before)[0];
      expect(first).toContain(note);
      expect(first).toContain("and now?"); // with the prompt itself: BeforeAgent, not a blocked AfterAgent
      // And recorded: message_status says it was delivered with the prompt.
      const receipt = await until("the delivered receipt", 30_000, async () => {
        const status = (await sender.callTool({ name: "message_status", arguments: { id: sent.message_id } }))
          .structuredContent as { receipts: { state: string; delivered?: { via?: string } }[] };
        return status.receipts[0]?.state === "delivered" ? status.receipts[0] : null;
      });
      expect(receipt.delivered?.via).toBe("hook-prompt");
    } finally {
      await sender.close();
    }
  });

  it("read_session: a peer reads its chat as clean turns, newest last", async () => {
    const observer = await observe();
    try {
      const result = await observer.callTool({
        name: "read_session",
        arguments: { name: session, limit: 6 },
      });
      const out = result.structuredContent as {
        mode: string;
        turns: { user?: string; assistant?: string; tools?: string[] }[];
      };
      expect(out.mode, JSON.stringify(result)).toBe("transcript");
      const texts = out.turns.map((t) =>
        t.user !== undefined ? `user: ${t.user}` : `assistant: ${t.assistant ?? ""}`,
      );
      expect(texts.at(-1)).toBe("assistant: answered with the prompt's mail");
      console.log(`[gemini] read_session: ${JSON.stringify(texts)}`);
      expect(texts).toContain("user: and now?");
      expect(texts).toContain("assistant: I have read the peer's note.");
      expect(out.turns.length).toBeLessThanOrEqual(6);
    } finally {
      await observer.close();
    }
  });
});
