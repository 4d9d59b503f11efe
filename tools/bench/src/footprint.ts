// npm run bench -- footprint: the resident cost of one idle agent (SPEC §8: its oxtail server plus
// whatever oxtail leaves waiting for it ≤ 1.15× a no-op MCP SDK server started the same way). The
// agent is a Claude Code session: the built server started as Claude Code starts it, and Claude's
// asyncRewake sleeper (the real script, waiting for a stand-in Claude Code). Memory is VmRSS from
// /proc, summed over each process's whole tree, read 3 s into the idle time and again once V8 has
// settled (its memory reducer gives pages back some time after activity stops).
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { readSleeper } from "@oxtail/core";
import { type Metric, percentile, round } from "./metrics.ts";
import { NOOP_SERVER, OXTAIL_SERVER, type StartedServer, startMeasured } from "./startup.ts";

const BENCH = "footprint";
const ROOT = path.resolve(import.meta.dirname, "..", "..", "..");
const SLEEPER = path.join(ROOT, "libs/client-claude/bin/oxtail-claude-sleeper");
const HOOK = path.join(ROOT, "apps/hook/bin/oxtail-hook");
const IMPORTS_CHILD = path.join(import.meta.dirname, "children", "footprint-imports.mjs");
/** The session id of the i-th agent. */
const sessionOf = (i: number) => `aaaaaaaa-aaaa-4aaa-8aaa-${String(i).padStart(12, "0")}`;

/** Options of the footprint bench. */
export interface FootprintBenchOptions {
  /** Agents (server + sleeper) and no-op servers measured side by side; the medians are reported. */
  agents: number;
  /** The early reading, ms into the idle time. */
  earlyMs: number;
  /**
   * The settled reading, ms into the idle time: V8's memory reducer gives pages back once a process is
   * idle; the no-op server settles within 10 s, oxtail's took
   * 30–50 s in trials.
   */
  settledMs: number;
  /** The idle wait over which the first agent's sleeper's CPU time is read, ms. */
  cpuWindowMs: number;
  /** Fresh processes per layer in the import breakdown. */
  importRounds: number;
}

export const DEFAULTS: FootprintBenchOptions = {
  agents: 3,
  earlyMs: 3000,
  settledMs: 60_000,
  cpuWindowMs: 10_000,
  importRounds: 3,
};

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (values: number[]) => percentile(values, 50);

/** VmRSS of one process in MB (0 once it is gone). */
function rssMb(pid: number): number {
  try {
    const kb = /^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
    return kb ? Number(kb) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** Memory only this process holds (Private_Clean + Private_Dirty of its mappings), MB. */
function privateMb(pid: number): number {
  try {
    const rollup = fs.readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(rollup)?.[1] ?? 0);
    return (kb("Private_Clean") + kb("Private_Dirty")) / 1024;
  } catch {
    return Number.NaN;
  }
}

/**
 * Proportional set size of one process in MB (smaps_rollup `Pss`): its private pages plus its share of
 * every page it maps with other processes. The resident cost a process adds to the machine: shared
 * code (libc, bash's text) is counted once across its sharers, not once per process. NaN without /proc.
 */
function pssMb(pid: number): number {
  try {
    const kb = /^Pss:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/smaps_rollup`, "utf8"))?.[1];
    return kb ? Number(kb) / 1024 : 0;
  } catch {
    return Number.NaN;
  }
}

/** `pid` and all its live descendants. */
function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
    } catch {
      // gone
    }
  }
  const out: number[] = [];
  const visit = (p: number) => {
    out.push(p);
    for (const c of children.get(p) ?? []) visit(c);
  };
  visit(pid);
  return out;
}

const treeRssMb = (pid: number) => processTree(pid).reduce((sum, p) => sum + rssMb(p), 0);
const treePssMb = (pid: number) => processTree(pid).reduce((sum, p) => sum + pssMb(p), 0);

/** CPU time of a process and its reaped children, from /proc/<pid>/stat (utime+stime+cutime+cstime), ms. */
function statCpuMs(pid: number, ticksPerSecond: number): number {
  const f = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  // The fields after ") ": state is [0], utime [11], stime [12], cutime [13], cstime [14].
  const fields = f.slice(f.lastIndexOf(")") + 2).split(" ");
  return ([11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0) * 1000) / ticksPerSecond;
}

/** Time on CPU from /proc/<pid>/schedstat (ns resolution), ms; null where the kernel keeps none. */
function schedCpuMs(pid: number): number | null {
  try {
    return Number(fs.readFileSync(`/proc/${pid}/schedstat`, "utf8").split(" ")[0]) / 1e6;
  } catch {
    return null;
  }
}

/** A stand-in Claude Code (a process named `claude`) with its session file, and the sleeper waiting for it. */
async function startSleeper(dir: string, env: Record<string, string>) {
  const sessionId = env.CLAUDE_CODE_SESSION_ID as string;
  const bin = path.join(dir, "bin");
  fs.mkdirSync(bin, { recursive: true });
  if (!fs.existsSync(path.join(bin, "claude"))) fs.symlinkSync("/bin/sleep", path.join(bin, "claude"));
  const client = spawn(path.join(bin, "claude"), ["3600"], { stdio: "ignore" });
  const sessions = path.join(env.CLAUDE_CONFIG_DIR as string, "sessions");
  fs.mkdirSync(sessions, { recursive: true });
  const session = { pid: client.pid, sessionId, cwd: dir, status: "idle", updatedAt: Date.now() };
  fs.writeFileSync(path.join(sessions, `${client.pid}.json`), JSON.stringify(session));
  const sleeper = spawn(SLEEPER, [HOOK], { env, stdio: "ignore" });
  const ended = new Promise((resolve) => sleeper.on("exit", resolve));
  const waiting = () => readSleeper(env.OXTAIL_HOME as string, sessionId).waiting?.pid === sleeper.pid;
  for (let i = 0; i < 200 && !waiting(); i++) await pause(25);
  if (!waiting()) {
    client.kill("SIGKILL");
    sleeper.kill("SIGKILL");
    throw new Error("the sleeper did not start waiting");
  }
  return {
    pid: sleeper.pid as number,
    /** Its client goes: the sleeper ends by itself within a second. */
    async stop() {
      client.kill("SIGKILL");
      await Promise.race([ended, pause(5000)]);
      sleeper.kill("SIGKILL");
    },
  };
}

/** Start `script` as Claude Code starts an MCP server and make the calls an agent makes at its start. */
async function startAgentServer(script: string, tool: string, env: Record<string, string>, cwd: string) {
  const server = await startMeasured(script, env, cwd);
  await server.client.callTool({ name: tool, arguments: {} });
  return server;
}

/** The layers of modules the server loads, cumulative, as the import breakdown measures them. */
const LAYERS: { name: string; specifiers: string[] }[] = [
  { name: "node", specifiers: [] },
  {
    name: "sdk_protocol",
    specifiers: ["@modelcontextprotocol/sdk/shared/protocol.js", "@modelcontextprotocol/sdk/types.js"],
  },
  { name: "core", specifiers: ["@oxtail/core", "@oxtail/core/runtime"] },
  {
    name: "adapters",
    specifiers: [
      "@oxtail/client-claude",
      "@oxtail/client-codex",
      "@oxtail/client-gemini",
      "@oxtail/client-opencode",
    ],
  },
  { name: "wake_tmux", specifiers: ["@oxtail/wake-tmux"] },
];

/** A fresh Node that imported `specifiers` (and does nothing else), once it has. */
function startImporter(specifiers: string[]): Promise<{ pid: number; stop(): void }> {
  const child = spawn(process.execPath, [IMPORTS_CHILD, ...specifiers], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    child.stdout?.on("data", (chunk) => {
      if (String(chunk).includes("ready"))
        resolve({ pid: child.pid as number, stop: () => child.kill("SIGKILL") });
    });
    child.on("exit", (code) => reject(new Error(`footprint-imports exited ${code}`)));
  });
}

/**
 * Where the server's memory goes: the RSS of fresh processes that import each cumulative layer of
 * modules (all layers side by side, read after `earlyMs`, median of `importRounds`), each against the
 * layer before, and the running server's early reading against all of them (what its own code and its
 * runtime state hold). Processes that only import never run V8's memory reducer: they compare with the
 * server's early reading, not its settled one.
 */
async function importBreakdown(options: FootprintBenchOptions, server: number): Promise<Metric[]> {
  const samples: number[][] = LAYERS.map(() => []);
  for (let round_ = 0; round_ < options.importRounds; round_++) {
    const started = await Promise.all(
      LAYERS.map((_, i) => startImporter(LAYERS.slice(0, i + 1).flatMap((l) => l.specifiers))),
    );
    try {
      await pause(options.earlyMs);
      for (const [i, p] of started.entries()) samples[i]?.push(rssMb(p.pid));
    } finally {
      for (const p of started) p.stop();
    }
  }
  const rss = samples.map(median);
  const out: Metric[] = LAYERS.map((layer, i) => ({
    bench: BENCH,
    metric: i === 0 ? "node_alone_rss_mb" : `import_${layer.name}_rss_mb`,
    unit: "MB",
    value: round(rss[i] as number),
    baseline: i === 0 ? null : round(rss[i - 1] as number),
    baseline_label: i === 0 ? "" : `the layers up to ${LAYERS[i - 1]?.name}, same run`,
    target: null,
  }));
  out.push({
    bench: BENCH,
    metric: "server_3s_beyond_imports_rss_mb",
    unit: "MB",
    value: round(server),
    baseline: round(rss[rss.length - 1] as number),
    baseline_label: `all the layers it imports, loaded, ${options.earlyMs / 1000} s later, same run`,
    target: null,
  });
  return out;
}

/**
 * The resident memory of an idle Claude Code agent's oxtail parts (server + sleeper) against a
 * no-op MCP SDK server started the same way in the same run, the sleeper's own cost, and where
 * the server's memory goes.
 */
export async function runFootprintBench(options: FootprintBenchOptions = DEFAULTS): Promise<Metric[]> {
  // Measure this checkout's server as users run it: built.
  execFileSync("npx", ["nx", "run", "oxtail:build", "--outputStyle=static"], { cwd: ROOT, stdio: "ignore" });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-bench-footprint-"));
  const project = path.join(dir, "project");
  execFileSync("git", ["init", "-q", project]);
  const base: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    HOME: dir,
    OXTAIL_HOME: path.join(dir, ".oxtail"),
    CLAUDE_CONFIG_DIR: path.join(dir, ".claude"),
    TMUX_TMPDIR: path.join(dir, "tmux"), // no tmux server of the user's is asked anything
    CLAUDECODE: "1", // what Claude Code gives its MCP servers, with the session id
  };
  fs.mkdirSync(base.TMUX_TMPDIR as string);
  type Reading = {
    server: number;
    noop: number;
    sleeper: number;
    serverPss: number;
    noopPss: number;
    sleeperPss: number;
  };
  const early: Reading[] = [];
  const settled: Reading[] = [];
  const counts = { server: 0, sleeper: 0 };
  const sleeperPrivate: number[] = [];
  let cpu: { stat: number; sched: number | null } | null = null;
  // The agents (and as many no-op servers) idle side by side: each agent its own session, sleeper and
  // stand-in Claude Code.
  const sleepers: Awaited<ReturnType<typeof startSleeper>>[] = [];
  const servers: StartedServer[] = [];
  const noops: StartedServer[] = [];
  try {
    for (let i = 0; i < options.agents; i++) {
      const env = { ...base, CLAUDE_CODE_SESSION_ID: sessionOf(i) };
      sleepers.push(await startSleeper(dir, env));
      servers.push(await startAgentServer(OXTAIL_SERVER, "list_project_sessions", env, project));
      noops.push(await startAgentServer(NOOP_SERVER, "noop", env, project));
    }
    const idleSince = performance.now();
    const read = (): Reading[] =>
      servers.map((server, i) => ({
        server: treeRssMb(server.pid),
        noop: treeRssMb(noops[i]?.pid as number),
        sleeper: treeRssMb(sleepers[i]?.pid as number),
        serverPss: treePssMb(server.pid),
        noopPss: treePssMb(noops[i]?.pid as number),
        sleeperPss: treePssMb(sleepers[i]?.pid as number),
      }));
    await pause(options.earlyMs);
    early.push(...read());
    const first = sleepers[0]?.pid as number;
    const ticks = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    const stat0 = statCpuMs(first, ticks);
    const sched0 = schedCpuMs(first);
    await pause(options.cpuWindowMs);
    const sched1 = schedCpuMs(first);
    cpu = {
      stat: statCpuMs(first, ticks) - stat0,
      sched: sched0 === null || sched1 === null ? null : sched1 - sched0,
    };
    await pause(Math.max(0, options.settledMs - (performance.now() - idleSince)));
    settled.push(...read());
    sleeperPrivate.push(...sleepers.map((s) => privateMb(s.pid)));
    counts.server = Math.max(...servers.map((s) => processTree(s.pid).length));
    counts.sleeper = Math.max(...sleepers.map((s) => processTree(s.pid).length));
  } finally {
    for (const server of [...servers, ...noops]) await server.close();
    for (const sleeper of sleepers) await sleeper.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }

  const metric = (
    name: string,
    unit: Metric["unit"],
    value: number,
    extra: Partial<Metric> = {},
  ): Metric => ({
    bench: BENCH,
    metric: name,
    unit,
    value: round(value),
    baseline: null,
    baseline_label: "",
    target: null,
    ...extra,
  });
  const pick = (readings: Reading[], key: keyof Reading) => median(readings.map((r) => r[key]));
  const against = (readings: Reading[], when: string) => {
    const noop = round(pick(readings, "noop"));
    return { baseline: noop, baseline_label: `no-op MCP SDK server started the same way, ${when}, same run` };
  };
  const agent = (readings: Reading[]) => pick(readings, "server") + pick(readings, "sleeper");
  const settledNoop = against(settled, "settled");
  const earlyNoop = against(early, `${options.earlyMs / 1000} s idle`);
  const privately = (readings: Reading[]) => pick(readings, "server") + median(sleeperPrivate);
  const settledTarget = { ...settledNoop, target: round(settledNoop.baseline * 1.15) };
  const earlyTarget = { ...earlyNoop, target: round(earlyNoop.baseline * 1.15) };
  // SPEC §8's resident cost: proportional set sizes (shared pages counted once across their sharers).
  const pss = (readings: Reading[], when: string) => {
    const noop = round(pick(readings, "noopPss"));
    return {
      baseline: noop,
      baseline_label: `no-op MCP SDK server started the same way, PSS, ${when}, same run`,
      target: round(noop * 1.15),
    };
  };
  const agentPss = (readings: Reading[]) => pick(readings, "serverPss") + pick(readings, "sleeperPss");
  return [
    metric("idle_agent_pss_mb", "MB", agentPss(settled), pss(settled, "settled")),
    metric("idle_agent_pss_3s_mb", "MB", agentPss(early), pss(early, `${options.earlyMs / 1000} s idle`)),
    metric("sleeper_pss_mb", "MB", pick(settled, "sleeperPss")),
    metric("idle_agent_rss_mb", "MB", agent(settled), settledTarget),
    metric("idle_agent_rss_3s_mb", "MB", agent(early), earlyTarget),
    // The sleeper's shared pages (bash's and libc's code, shared with every process that maps them,
    // the server included) left out: what the sleeper adds to the machine.
    metric("idle_agent_sleeper_private_mb", "MB", privately(settled), settledTarget),
    metric("idle_agent_sleeper_private_3s_mb", "MB", privately(early), earlyTarget),
    metric("server_rss_mb", "MB", pick(settled, "server"), settledNoop),
    metric("server_rss_3s_mb", "MB", pick(early, "server"), earlyNoop),
    metric("sleeper_rss_mb", "MB", pick(settled, "sleeper")),
    metric("sleeper_private_mb", "MB", median(sleeperPrivate)),
    metric("sleeper_processes", "count", counts.sleeper),
    metric("server_processes", "count", counts.server),
    metric("sleeper_cpu_10s_ms", "ms", cpu?.stat ?? Number.NaN),
    ...(cpu?.sched != null ? [metric("sleeper_oncpu_10s_ms", "ms", cpu.sched)] : []),
    ...(await importBreakdown(options, pick(early, "server"))),
  ];
}
