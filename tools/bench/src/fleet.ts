// npm run bench -- fleet: the fleet view (SPEC §11) under a big fleet. 50 agents (simulated: live
// registry records with real transcripts the built-in adapter reads for busy/idle) and 10 000
// messages sent through the real mailbox with receipts (all but a few per agent delivered). Then a
// message is sent and timed until it is on screen: in the real `oxtail top` in a private tmux
// (capture-pane), and in the real `oxtail dashboard`'s event stream (the SSE event the page renders).
// CPU time is in clock ticks (10 ms on Linux): an idle figure of 0 means under one tick.
// Baseline, same run: the same measurement with 2 agents and no backlog. Also the dashboard's RSS,
// and the idle CPU of both (no event for 10 s).
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import type { AgentRecord } from "@oxtail/core";
import {
  createFsMailboxStore,
  createFsReceiptStore,
  createFsRegistryStore,
  createMailbox,
  createReceipts,
  createRegistry,
  type Mailbox,
  type MailboxKey,
  mailboxKeyOf,
} from "@oxtail/core/runtime";
import { makeAgentRecord } from "@oxtail/core/testing";
import { latencyMetrics, type Metric, round, wallNow } from "./metrics.ts";
import { OXTAIL_SERVER } from "./startup.ts";

export interface FleetBenchOptions {
  agents: number;
  messages: number;
  /** Messages left waiting per agent (the rest are delivered). */
  waiting: number;
  samples: number;
  idleSeconds: number;
}

export const DEFAULTS: FleetBenchOptions = {
  agents: 50,
  messages: 10_000,
  waiting: 4,
  samples: 40,
  idleSeconds: 10,
};

const BENCH = "fleet";
/** The built-in adapter that reads the simulated transcripts (its name is the client type). */
const CLIENT_TYPE = "claude";

interface Fleet {
  home: string;
  root: string;
  claudeDir: string;
  agents: AgentRecord[];
  mailbox: Mailbox;
  dirs: string[];
}

const line = (record: unknown) => `${JSON.stringify(record)}\n`;

async function makeFleet(agents: number, messages: number, waiting: number): Promise<Fleet> {
  const dirs: string[] = [];
  const tmp = (p: string) => {
    const d = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), p)));
    dirs.push(d);
    return d;
  };
  const home = tmp("oxtail-bench-fleet-home-");
  const root = tmp("oxtail-bench-fleet-proj-");
  fs.mkdirSync(path.join(root, ".git"));
  const claudeDir = tmp("oxtail-bench-fleet-client-");
  const transcripts = path.join(claudeDir, "projects", root.replace(/[^A-Za-z0-9]/g, "-"));
  fs.mkdirSync(transcripts, { recursive: true });
  const registry = createRegistry({ store: createFsRegistryStore({ home }) });
  const receipts = createReceipts({ store: createFsReceiptStore({ home }) });
  const mailbox = createMailbox({ store: createFsMailboxStore({ home }), receipts });
  const records: AgentRecord[] = [];
  for (let i = 0; i < agents; i++) {
    const session = randomUUID();
    const transcript = path.join(transcripts, `${session}.jsonl`);
    const turns = [
      line({ type: "user", message: { content: "work" }, timestamp: new Date().toISOString() }),
      ...(i % 2 === 0
        ? [
            line({
              type: "assistant",
              message: { content: [{ type: "text", text: "done" }], stop_reason: "end_turn" },
              timestamp: new Date().toISOString(),
            }),
          ]
        : []),
    ];
    fs.writeFileSync(transcript, turns.join(""));
    const now = new Date().toISOString();
    const record = makeAgentRecord({
      cwd: root,
      client: {
        type: CLIENT_TYPE,
        name: "bench",
        session_id: session,
        transcript_path: transcript,
        cwd: root,
      },
      tmux: { socket: null, session: `agent-${String(i).padStart(2, "0")}`, window: "0", pane: `%${i}` },
      state: { v: 1, purpose: `works on part ${i} of the bench`, set_at: now },
    } as Parameters<typeof makeAgentRecord>[0]);
    await registry.register(record);
    records.push(record);
  }
  const send = (n: number) => {
    const from = records[n % records.length] as AgentRecord;
    const to = records[(n * 7 + 1) % records.length] as AgentRecord;
    const target = to === from ? (records[(n + 1) % records.length] as AgentRecord) : to;
    return mailbox.send({
      from: {
        session_id: from.client.session_id,
        instance_id: from.instance_id,
        client_type: CLIENT_TYPE,
        display_name: from.tmux?.session ?? "?",
      },
      fromMailbox: mailboxKeyOf(from),
      to: mailboxKeyOf(target) as MailboxKey,
      toSessionId: target.client.session_id,
      body: `backlog message ${n}: ${"x".repeat(200)}`,
      project: null,
    });
  };
  const delivered = Math.max(0, messages - waiting * agents);
  for (let n = 0; n < delivered; n++) await send(n);
  for (const r of records)
    for (;;) {
      const claim = await mailbox.claim(mailboxKeyOf(r) as MailboxKey, { via: "read_my_messages" });
      if (claim.messages.length === 0) break;
      await claim.ack();
    }
  for (let n = delivered; n < messages; n++) await send(n);
  return { home, root, claudeDir, agents: records, mailbox, dirs };
}

/** Time from a message written to disk until `seen(body)` says it is on screen, for each sample. */
async function sampleLatency(
  fleet: Fleet,
  samples: number,
  seen: (body: string) => Promise<void>,
): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < samples; i++) {
    const from = fleet.agents[i % fleet.agents.length] as AgentRecord;
    const to = fleet.agents[(i + 1) % fleet.agents.length] as AgentRecord;
    const body = `probe-${randomUUID()}`;
    const start = wallNow();
    const shown = seen(body);
    await fleet.mailbox.send({
      from: {
        session_id: from.client.session_id,
        instance_id: from.instance_id,
        client_type: CLIENT_TYPE,
        display_name: "probe",
      },
      fromMailbox: mailboxKeyOf(from),
      to: mailboxKeyOf(to) as MailboxKey,
      toSessionId: to.client.session_id,
      body,
      project: null,
    });
    await shown;
    out.push(wallNow() - start);
    await new Promise((r) => setTimeout(r, 100));
  }
  return out;
}

function env(fleet: Fleet, tmuxDir?: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: fleet.root,
    OXTAIL_HOME: fleet.home,
    CLAUDE_CONFIG_DIR: fleet.claudeDir,
    ...(tmuxDir ? { TMUX_TMPDIR: tmuxDir } : {}),
  };
}

/** CPU time (utime + stime) of a process, ms. */
function cpuMs(pid: number, ticks: number): number {
  const f = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = f.slice(f.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[11]) + Number(fields[12])) / ticks) * 1000;
}

function rssMb(pid: number): number {
  const kb = /^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
  return kb ? Number(kb) / 1024 : 0;
}

/** CPU time a process spends in `seconds` without any event, ms. */
async function idleCpuMs(pid: number, seconds: number): Promise<number> {
  const ticks = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  const before = cpuMs(pid, ticks);
  await new Promise((r) => setTimeout(r, seconds * 1000));
  return cpuMs(pid, ticks) - before;
}

/** The real `oxtail dashboard`, with its event stream read as the page reads it. */
async function withDashboard<T>(
  fleet: Fleet,
  use: (d: { pid: number; seen: (body: string) => Promise<void> }) => Promise<T>,
): Promise<T> {
  const child: ChildProcess = spawn(process.execPath, [OXTAIL_SERVER, "dashboard"], {
    cwd: fleet.root,
    env: env(fleet),
    stdio: ["ignore", "pipe", "pipe"],
  });
  try {
    let out = "";
    child.stdout?.on("data", (d) => (out += d));
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setInterval(() => {
        const m = /http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+/.exec(out)?.[0];
        if (m) {
          clearInterval(timer);
          resolve(m);
        }
      }, 10);
      child.once("exit", () => reject(new Error(`the dashboard exited: ${out}`)));
    });
    const { origin, searchParams } = new URL(url);
    let buffer = "";
    const waiters: { body: string; resolve: () => void }[] = [];
    const req = http.get(`${origin}/events?token=${searchParams.get("token")}`, (res) => {
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        buffer += chunk;
        let end = buffer.indexOf("\n\n");
        while (end >= 0) {
          const event = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          for (const w of waiters.splice(0)) {
            if (event.includes(w.body)) w.resolve();
            else waiters.push(w);
          }
          end = buffer.indexOf("\n\n");
        }
      });
    });
    req.on("error", () => {});
    const seen = (body: string) => new Promise<void>((resolve) => waiters.push({ body, resolve }));
    const result = await use({ pid: child.pid as number, seen });
    req.destroy();
    return result;
  } finally {
    child.kill("SIGTERM");
  }
}

/** The real `oxtail top` in a private tmux, its screen read with capture-pane. */
async function withTop<T>(
  fleet: Fleet,
  use: (t: { pid: number; seen: (body: string) => Promise<void> }) => Promise<T>,
): Promise<T> {
  const tmuxDir = fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-bench-fleet-tmux-"));
  const tmux = (args: string[]) =>
    execFileSync("tmux", args, {
      env: { ...process.env, TMUX_TMPDIR: tmuxDir, TMUX: "" },
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
  const quote = (v: string) => `'${v.replace(/'/g, "'\\''")}'`;
  const assignments = Object.entries({ ...env(fleet, tmuxDir), TERM: "xterm-256color" })
    .map(([k, v]) => `${k}=${quote(v)}`)
    .join(" ");
  try {
    tmux([
      "new-session",
      "-d",
      "-s",
      "top",
      "-x",
      "200",
      "-y",
      String(fleet.agents.length + 20),
      "-c",
      fleet.root,
      `exec env -i ${assignments} ${quote(process.execPath)} ${quote(OXTAIL_SERVER)} top`,
    ]);
    const pid = Number(tmux(["display-message", "-p", "-t", "top", "#{pane_pid}"]).trim());
    const seen = async (body: string) => {
      for (;;) {
        if (tmux(["capture-pane", "-p", "-t", "top"]).includes(body)) return;
        await new Promise((r) => setTimeout(r, 2));
      }
    };
    // Up once the agents are on screen.
    const last = fleet.agents.at(-1)?.tmux?.session ?? "";
    for (let i = 0; i < 3000 && !tmux(["capture-pane", "-p", "-t", "top"]).includes(last); i++)
      await new Promise((r) => setTimeout(r, 10));
    return await use({ pid, seen });
  } finally {
    try {
      tmux(["kill-server"]);
    } catch {
      // already gone
    }
    fs.rmSync(tmuxDir, { recursive: true, force: true });
  }
}

export async function runFleetBench(options: FleetBenchOptions = DEFAULTS): Promise<Metric[]> {
  const big = await makeFleet(options.agents, options.messages, options.waiting);
  const small = await makeFleet(2, 0, 0);
  try {
    const label = "2 agents, no backlog (same run)";
    const topBase = await withTop(small, (t) => sampleLatency(small, options.samples, t.seen));
    const { top, topIdle } = await withTop(big, async (t) => ({
      top: await sampleLatency(big, options.samples, t.seen),
      topIdle: await idleCpuMs(t.pid, options.idleSeconds),
    }));
    const dashBase = await withDashboard(small, (d) => sampleLatency(small, options.samples, d.seen));
    const { dash, rss, dashIdle } = await withDashboard(big, async (d) => {
      const dash = await sampleLatency(big, options.samples, d.seen);
      return { dash, rss: rssMb(d.pid), dashIdle: await idleCpuMs(d.pid, options.idleSeconds) };
    });
    const scale = `${options.agents} agents, ${options.messages} messages`;
    return [
      // SPEC §8: an event on disk is on screen within 100 ms (p50).
      ...latencyMetrics(BENCH, "top_event_to_screen", top, { baseline: topBase, label, targetP50: 100 }),
      ...latencyMetrics(BENCH, "dashboard_event_to_sse", dash, {
        baseline: dashBase,
        label,
        targetP50: 100,
      }),
      {
        bench: BENCH,
        metric: "dashboard_rss_mb",
        unit: "MB",
        value: round(rss),
        baseline: null,
        baseline_label: scale,
        target: null,
      },
      {
        bench: BENCH,
        metric: "top_idle_cpu_ms",
        unit: "ms",
        value: round(topIdle),
        baseline: null,
        baseline_label: `${options.idleSeconds} s without an event, ${scale}`,
        target: null,
      },
      {
        bench: BENCH,
        metric: "dashboard_idle_cpu_ms",
        unit: "ms",
        value: round(dashIdle),
        baseline: null,
        baseline_label: `${options.idleSeconds} s without an event, ${scale}`,
        target: null,
      },
    ];
  } finally {
    for (const d of [...big.dirs, ...small.dirs]) fs.rmSync(d, { recursive: true, force: true });
  }
}
