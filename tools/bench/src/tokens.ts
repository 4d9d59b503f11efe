// What oxtail puts in a model's context: the tool definitions a client sends with every request,
// a list row, a message's envelope and 20 turns of read_session, each through the real built
// server and each next to the first version's shape rendered in the same run (docs/tokens.md).
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import claudeAdapter from "@oxtail/client-claude";
import type { AgentRecord, Turn } from "@oxtail/core";
import {
  createFsMailboxStore,
  createFsRegistryStore,
  createMailbox,
  type Message,
  selfProcess,
  sessionMailboxKey,
} from "@oxtail/core/runtime";
import type { Metric } from "./metrics.ts";

const BENCH = "tokens";
const ROOT = path.resolve(import.meta.dirname, "..", "..", "..");
const SERVER = path.join(ROOT, "apps/server/dist/main.mjs");
const V1_TOOLDEFS = path.join(import.meta.dirname, "..", "fixtures", "v1", "tool-definitions.json");
/** A real Claude Code transcript recorded by tools/agents (libs/client-claude/test/fixtures). */
const TRANSCRIPT = path.join(
  ROOT,
  "libs/client-claude/test/fixtures/claude-home/projects/-tmp-oxtail-fixture-proj-c4J1fn/9868162b-3ae3-441b-bc19-4e87ab1c866a.jsonl",
);
const claude = claudeAdapter();
const OBSERVER = "0b5e0b5e-0000-4000-8000-000000000001";
/** The documented rule (docs/tokens.md): about 4 bytes of English or JSON per token. */
export const BYTES_PER_TOKEN = 4;

/** Targets of issue 19. */
export const TARGETS = { tooldefs: 4096, listRow: 150, messageOverhead: 100, readSessionRatio: 1.3 };

const CARDS = [
  "fixing the flaky parser test in src/lex.ts",
  "reviewing PR 412 (mailbox claims)",
  "writing docs for the wake ladder",
  "idle: waiting for review",
  "profiling list_project_sessions with 500 records",
  "porting the hook to POSIX sh",
  "triaging CI failures on main",
  "refactoring the registry store",
  "adding Gemini fixtures",
  "benchmarking transcript reads",
];
const BODIES = [
  "Can you look at the failing parser test in src/lex.ts? It broke after my change to the tokenizer.",
  "Done: the mailbox claim now takes bounded batches. Please re-run your benchmark.",
  "I am about to rebase main; hold your push for five minutes.",
  "Which branch has the new wake ladder?",
];

const bytes = (value: unknown) =>
  Buffer.byteLength(typeof value === "string" ? value : JSON.stringify(value));

/** The model-visible part of tool definitions: what Claude Code and Codex send (docs/tokens.md). */
function definitionBytes(tools: { name: string; description?: string; inputSchema: unknown }[]): number {
  return tools.reduce(
    (sum, t) => sum + bytes({ name: t.name, description: t.description, input_schema: t.inputSchema }),
    0,
  );
}

/** A list row in the first version's shape, from the same record and pane. */
function v1Row(agent: AgentRecord, pane: { session: string; attached: boolean }, liveness: unknown) {
  return {
    tmux_session: pane.session,
    window: agent.tmux?.window ?? null,
    pane: agent.tmux?.pane ?? null,
    cwd: agent.client.cwd ?? agent.cwd,
    worktree: agent.cwd,
    attached: pane.attached,
    client_type: agent.client.type,
    session_id: agent.client.session_id,
    state: agent.state,
    liveness,
    last_activity: agent.updated_at,
    is_me: false,
  };
}

/** A message in the first version's shape. */
function v1Message(m: Message) {
  return {
    id: m.id,
    from: {
      session_id: m.from.session_id,
      client_type: m.from.client_type,
      display_name: m.from.display_name,
    },
    body: m.body,
    reply_to: m.reply_to,
    created_at: m.created_at,
  };
}

/** A turn in the first version's shape. */
function v1Turn(t: Turn) {
  return { role: t.role, text: t.text, timestamp: t.timestamp, tool_calls: t.toolCalls };
}

/** The turns' own text: what was said and the tool calls' summaries, nothing else. */
function ownText(turns: readonly Turn[]): number {
  return turns.reduce(
    (sum, t) =>
      sum +
      bytes(t.text) +
      t.toolCalls.reduce((s, c) => s + bytes(c.name) + bytes(c.summary) + bytes(c.result ?? ""), 0),
    0,
  );
}

async function startServer(home: string, cwd: string, env: Record<string, string>): Promise<Client> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [SERVER],
    cwd,
    env: { PATH: process.env.PATH ?? "", HOME: os.homedir(), OXTAIL_HOME: home, ...env },
  });
  const client = new Client({ name: "claude-code", version: "bench" });
  await client.connect(transport);
  return client;
}

const V1_ENVELOPE = { ok: true, schema_version: 1 };

/** The token bench: every figure next to the first version's in the same run. */
export async function runTokensBench(): Promise<Metric[]> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-bench-tokens-"));
  const project = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-bench-tokens-proj-")));
  fs.mkdirSync(path.join(project, ".git"));
  const claudeDir = fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-bench-tokens-claude-"));
  const tmuxDir = fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-bench-tokens-tmux-"));
  const tmux = (args: string[]) =>
    execFileSync("tmux", args, { env: { ...process.env, TMUX_TMPDIR: tmuxDir, TMUX: "" }, encoding: "utf8" });
  const socket = path.join(tmuxDir, `tmux-${process.getuid?.() ?? 0}`, "default");
  const clients: Client[] = [];
  try {
    // Ten agents with cards, each in its own tmux session (live records: this process's identity).
    for (let i = 0; i < CARDS.length; i++)
      tmux(["new-session", "-d", "-s", `agent-${i}`, "-c", project, "sleep 3600"]);
    const panes = tmux(["list-panes", "-a", "-F", "#{session_name} #{pane_id} #{session_attached}"])
      .trim()
      .split("\n")
      .map((line) => {
        const [session, pane, attached] = line.split(" ");
        return { session: session as string, pane: pane as string, attached: attached !== "0" };
      });
    const store = createFsRegistryStore({ home });
    const me = selfProcess();
    const now = new Date().toISOString();
    const agents: AgentRecord[] = CARDS.map((purpose, i) => ({
      schema: 1,
      instance_id: `${me.pid}-${me.startTime}x${i}`.replace(/[^0-9A-Za-z-]/g, ""),
      pid: me.pid,
      start_time: me.startTime,
      started_at: now,
      updated_at: now,
      oxtail_version: "bench",
      cwd: project,
      client: {
        type: "claude",
        name: "claude-code",
        version: null,
        session_id:
          i === 0
            ? "9868162b-3ae3-441b-bc19-4e87ab1c866a"
            : `${String(i).padStart(8, "0")}-0000-4000-8000-00000000000${i % 10}`,
        transcript_path: i === 0 ? TRANSCRIPT : null,
        cwd: project,
      },
      tmux: {
        socket,
        session: `agent-${i}`,
        window: "0",
        pane: panes.find((p) => p.session === `agent-${i}`)?.pane ?? null,
      },
      state: { v: 1, purpose, set_at: now },
    }));
    for (const agent of agents) await store.put(agent);
    const observer = await startServer(home, project, {
      TMUX: `${socket},0,0`,
      CLAUDECODE: "1",
      CLAUDE_CODE_SESSION_ID: OBSERVER,
      CLAUDE_CONFIG_DIR: claudeDir,
    });
    clients.push(observer);

    // Tool definitions: as listed by the built server, and the first version's, as a client sends them.
    const listed = await observer.listTools();
    const tooldefs = definitionBytes(listed.tools);
    const v1Tools = JSON.parse(fs.readFileSync(V1_TOOLDEFS, "utf8")) as Parameters<typeof definitionBytes>[0];
    const v1Tooldefs = definitionBytes(v1Tools);

    // A list row: the agents' rows of one answer, per agent.
    const list = (await observer.callTool({ name: "list_project_sessions", arguments: {} }))
      .structuredContent as {
      rows: { id?: string }[];
    };
    const agentRows = list.rows.filter((r) => r.id && r.id !== OBSERVER.slice(0, 8));
    if (agentRows.length !== agents.length)
      throw new Error(`listed ${agentRows.length} agents of ${agents.length}`);
    const listRow = agentRows.reduce((s, r) => s + bytes(r) + 1, 0) / agentRows.length;
    let v1ListRow = 0;
    for (const agent of agents) {
      const pane = panes.find((p) => p.session === agent.tmux?.session) as (typeof panes)[number];
      const l = await claude.liveness?.(agent).catch(() => null);
      const liveness = l ? { state: l.state, last_activity: l.lastActivity, reason: l.reason } : null;
      v1ListRow += bytes(v1Row(agent, pane, liveness)) + 1;
    }
    v1ListRow /= agents.length;

    // Messages: the envelope around each body, from a peer to the observer.
    const mailbox = createMailbox({ store: createFsMailboxStore({ home }) });
    const inbox = sessionMailboxKey(OBSERVER);
    const sender = agents[1] as AgentRecord;
    let previous: string | null = null;
    for (const body of BODIES) {
      const sent: Message = await mailbox.send({
        from: {
          session_id: sender.client.session_id,
          instance_id: sender.instance_id,
          client_type: "claude",
          display_name: `claude (pid ${me.pid})`,
        },
        fromMailbox: sessionMailboxKey(sender.client.session_id as string),
        to: inbox,
        toSessionId: OBSERVER,
        body,
        replyTo: previous,
      });
      previous = sent.id;
    }
    const waiting = await mailbox.peek(inbox);
    const v1Overhead =
      waiting.reduce((s, m) => s + bytes(v1Message(m)) + 1 - bytes(m.body), 0) / waiting.length;
    const read = (await observer.callTool({ name: "read_my_messages", arguments: {} })).structuredContent as {
      messages: { body: string }[];
    };
    if (read.messages.length !== BODIES.length) throw new Error(`read ${read.messages.length} messages`);
    const overhead =
      read.messages.reduce((s, m) => s + bytes(m) + 1 - bytes(m.body), 0) / read.messages.length;

    // read_session: 20 turns of a real transcript against the turns' own text.
    const session = (
      await observer.callTool({ name: "read_session", arguments: { name: "agent-0", limit: 20 } })
    ).structuredContent as Record<string, unknown>;
    const tail = await (claude.readTranscript as NonNullable<typeof claude.readTranscript>)(TRANSCRIPT, {
      limit: 20,
    });
    const own = ownText(tail.turns);
    const readBytes = bytes(session);
    const v1ReadBytes = bytes({
      ...V1_ENVELOPE,
      mode: "transcript",
      session_id: agents[0]?.client.session_id,
      client_type: "claude",
      worktree: project,
      turns: tail.turns.map(v1Turn),
      truncated: tail.truncated,
      total_messages: tail.totalTurns,
    });

    // The tools the first version did not have: a send's answer (with its delivery outlook), one
    // receipt of message_status, and one entry of a broadcast's answer, per peer.
    const sent = (
      await observer.callTool({
        name: "send_message",
        arguments: { target: sender.client.session_id?.slice(0, 8), body: BODIES[0] },
      })
    ).structuredContent as { message_id: string };
    const sendAnswer = bytes(sent);
    const status = (await observer.callTool({ name: "message_status", arguments: { id: sent.message_id } }))
      .structuredContent as { receipts: unknown[] };
    const receipt = bytes(status.receipts[0]);
    const broadcast = (
      await observer.callTool({ name: "send_message", arguments: { target: "*", body: BODIES[1] } })
    ).structuredContent as { messages: unknown[] };
    if (broadcast.messages.length !== agents.length)
      throw new Error(`broadcast reached ${broadcast.messages.length} of ${agents.length}`);
    const broadcastEntry = broadcast.messages.reduce<number>((s, m) => s + bytes(m) + 1, 0) / agents.length;

    const metric = (
      name: string,
      unit: Metric["unit"],
      value: number,
      baseline: number | null,
      target: number | null,
    ): Metric => ({
      bench: BENCH,
      metric: name,
      unit,
      value: Math.round(value * 100) / 100,
      baseline: baseline === null ? null : Math.round(baseline * 100) / 100,
      baseline_label: baseline === null ? "new since v1" : "v1 shape, same run",
      target,
    });
    const tokens = (n: number) => Math.ceil(n / BYTES_PER_TOKEN);
    return [
      metric("tooldefs_bytes", "bytes", tooldefs, v1Tooldefs, TARGETS.tooldefs),
      metric(
        "tooldefs_tokens",
        "tokens",
        tokens(tooldefs),
        tokens(v1Tooldefs),
        TARGETS.tooldefs / BYTES_PER_TOKEN,
      ),
      { ...metric("tools", "count", listed.tools.length, v1Tools.length, null), better: "higher" },
      metric("list_row_bytes", "bytes", listRow, v1ListRow, TARGETS.listRow),
      metric("message_overhead_bytes", "bytes", overhead, v1Overhead, TARGETS.messageOverhead),
      metric("read_session_20_bytes", "bytes", readBytes, v1ReadBytes, null),
      metric("read_session_20_tokens", "tokens", tokens(readBytes), tokens(v1ReadBytes), null),
      metric("read_session_20_ratio", "ratio", readBytes / own, v1ReadBytes / own, TARGETS.readSessionRatio),
      metric("send_answer_bytes", "bytes", sendAnswer, null, null),
      metric("message_status_receipt_bytes", "bytes", receipt, null, null),
      metric("broadcast_entry_bytes", "bytes", broadcastEntry, null, null),
    ];
  } finally {
    await Promise.all(clients.map((c) => c.close().catch(() => {})));
    try {
      tmux(["kill-server"]);
    } catch {
      // already gone
    }
    for (const dir of [home, project, claudeDir, tmuxDir]) fs.rmSync(dir, { recursive: true, force: true });
  }
}
