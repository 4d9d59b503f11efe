import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { AgentRecord } from "@oxtail/core";
import {
  type Claim,
  createFsMailboxStore,
  createFsRegistryStore,
  createMailbox,
  type MailboxStore,
  selfProcess,
  sessionMailboxKey,
} from "@oxtail/core/runtime";
import { latencyMetrics, type Metric, percentile, round, wallNow } from "./metrics.ts";

const BENCH = "server";
const ROOT = path.resolve(import.meta.dirname, "..", "..", "..");
const SERVER = path.join(ROOT, "apps/server/dist/main.mjs");
const ASKER = "a0a0a0a0-a0a0-4a0a-8a0a-a0a0a0a0a0a0";
const PEER = "b0b0b0b0-b0b0-4b0b-8b0b-b0b0b0b0b0b0";

/** Options of the server bench. */
export interface ServerBenchOptions {
  samples: number;
  pollSamples: number;
  records: number;
  tmuxSessions: number;
  listRuns: number;
}

export const DEFAULTS: ServerBenchOptions = {
  samples: 60,
  pollSamples: 15,
  records: 500,
  tmuxSessions: 50,
  listRuns: 15,
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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

/**
 * ask_peer: from the moment the peer's reply starts being written to the moment the
 * asker's tool call returns (through the real server over stdio). The peer is played by
 * this process, writing the reply with core's mailbox.
 */
async function askReplyLatency(samples: number): Promise<number[]> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-bench-server-"));
  const project = fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-bench-proj-"));
  fs.mkdirSync(path.join(project, ".git"));
  const asker = await startServer(home, project, { CLAUDECODE: "1", CLAUDE_CODE_SESSION_ID: ASKER });
  const peer = await startServer(home, project, { CLAUDECODE: "1", CLAUDE_CODE_SESSION_ID: PEER });
  const mailbox = createMailbox({ store: createFsMailboxStore({ home }) });
  const peerInbox = sessionMailboxKey(PEER);
  const from = { session_id: PEER, instance_id: "1-1", client_type: "claude", display_name: "bench peer" };
  const latencies: number[] = [];
  try {
    for (let i = 0; i < samples; i++) {
      const asked = asker.callTool(
        { name: "ask_peer", arguments: { target: PEER, body: `question ${i}?`, timeout_ms: 10_000 } },
        undefined,
        {
          timeout: 30_000,
        },
      );
      const claim = (await mailbox.waitFor(peerInbox, () => true, { timeoutMs: 10_000 })) as Claim;
      const question = claim.messages[0];
      await claim.ack();
      await sleep(5 + Math.random() * 20); // the peer "thinks"; the asker is waiting
      const writtenAt = wallNow();
      await mailbox.send({
        from,
        fromMailbox: peerInbox,
        to: sessionMailboxKey(ASKER),
        toSessionId: ASKER,
        body: `answer ${i}`,
        replyTo: question?.id ?? null,
      });
      const result = await asked;
      const returnedAt = wallNow();
      if ((result.structuredContent as { timed_out?: boolean }).timed_out !== false)
        throw new Error(`ask ${i} did not get its reply`);
      latencies.push(returnedAt - writtenAt);
    }
    return latencies;
  } finally {
    await asker.close();
    await peer.close();
    fs.rmSync(home, { recursive: true, force: true });
    fs.rmSync(project, { recursive: true, force: true });
  }
}

/** The v0.6.1 way of waiting for a reply, for the same mailbox operations: look every 200 ms. */
async function pollReplyLatency(samples: number): Promise<number[]> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-bench-poll-"));
  const store: MailboxStore = createFsMailboxStore({ home });
  const mailbox = createMailbox({ store });
  const inbox = sessionMailboxKey(ASKER);
  const from = { session_id: PEER, instance_id: "1-1", client_type: "claude", display_name: "bench peer" };
  const latencies: number[] = [];
  try {
    for (let i = 0; i < samples; i++) {
      const waiting = (async () => {
        for (;;) {
          const claim = await store.claimFirst(inbox, () => true);
          if (claim) return claim;
          await sleep(200);
        }
      })();
      await sleep(5 + Math.random() * 200);
      const writtenAt = wallNow();
      await mailbox.send({
        from,
        fromMailbox: sessionMailboxKey(PEER),
        to: inbox,
        toSessionId: ASKER,
        body: `answer ${i}`,
      });
      await (await waiting).ack();
      latencies.push(wallNow() - writtenAt);
    }
    return latencies;
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
}

/** list_project_sessions with many registry records and tmux sessions (median of several calls). */
async function listLatency(records: number, sessions: number, runs: number): Promise<number> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-bench-list-"));
  const project = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-bench-proj-")));
  fs.mkdirSync(path.join(project, ".git"));
  const tmuxDir = fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-bench-tmux-"));
  const tmux = (args: string[]) =>
    execFileSync("tmux", args, { env: { ...process.env, TMUX_TMPDIR: tmuxDir, TMUX: "" }, encoding: "utf8" });
  const socket = path.join(tmuxDir, `tmux-${process.getuid?.() ?? 0}`, "default");
  try {
    for (let i = 0; i < sessions; i++)
      tmux(["new-session", "-d", "-s", `s${i}`, "-c", project, "sleep 3600"]);
    const panes = tmux(["list-panes", "-a", "-F", "#{pane_id}"]).trim().split("\n");
    // Live records (this process's pid and start time), each its own agent.
    const store = createFsRegistryStore({ home });
    const me = selfProcess();
    const now = new Date().toISOString();
    for (let i = 0; i < records; i++) {
      const session = `${String(i).padStart(8, "0")}-0000-4000-8000-000000000000`;
      const record: AgentRecord = {
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
          session_id: session,
          transcript_path: null,
          cwd: project,
        },
        tmux: { socket, session: `s${i % sessions}`, window: "0", pane: panes[i % panes.length] ?? null },
        state: { v: 1, purpose: `agent ${i}`, set_at: now },
      };
      await store.put(record);
    }
    const observer = await startServer(home, project, { TMUX: `${socket},0,0` });
    try {
      const times: number[] = [];
      for (let i = 0; i < runs; i++) {
        const started = wallNow();
        const result = await observer.callTool({ name: "list_project_sessions", arguments: {} });
        times.push(wallNow() - started);
        const rows = (result.structuredContent as { rows: unknown[] }).rows.length;
        if (rows < records) throw new Error(`listed ${rows} rows, expected ≥ ${records}`);
      }
      return percentile(times, 50);
    } finally {
      await observer.close();
    }
  } finally {
    try {
      tmux(["kill-server"]);
    } catch {
      // not running
    }
    for (const d of [home, project, tmuxDir]) fs.rmSync(d, { recursive: true, force: true });
  }
}

/** Run the server bench. */
export async function runServerBench(options: ServerBenchOptions = DEFAULTS): Promise<Metric[]> {
  execFileSync("npx", ["nx", "run", "oxtail:build", "--outputStyle=static"], { cwd: ROOT, stdio: "ignore" });
  const ask = await askReplyLatency(options.samples);
  const poll = await pollReplyLatency(options.pollSamples);
  const list = await listLatency(options.records, options.tmuxSessions, options.listRuns);
  const listEmpty = await listLatency(0, 1, options.listRuns);
  const pollLabel = "a 200 ms poll loop waiting on the same mailbox (v0.6.1), same run";
  return [
    ...latencyMetrics(BENCH, "ask_reply", ask, { baseline: poll, label: pollLabel, targetP50: 10 }),
    {
      bench: BENCH,
      metric: "list_500_ms",
      unit: "ms",
      value: round(list),
      baseline: round(listEmpty),
      baseline_label: `the same call with no records and 1 tmux session (fixed cost), same run; p50 of ${options.listRuns}`,
      target: 100,
    },
  ];
}
