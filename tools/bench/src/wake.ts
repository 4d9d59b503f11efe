import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Agent, oxtailInHome, type PrivateTmux, until } from "@oxtail/agents";
import openCodeAdapter, { sessionUuid } from "@oxtail/client-opencode";
import { type AgentRecord, processStartTime, readSleeper } from "@oxtail/core";
import { createFsMailboxStore, createMailbox, sessionMailboxKey } from "@oxtail/core/runtime";
import tmuxWake, { WAKE_TEXT } from "@oxtail/wake-tmux";
import { latencyMetrics, type Metric } from "./metrics.ts";

const BENCH = "wake";
const ROOT = path.resolve(import.meta.dirname, "..", "..", "..");

/** Options of the wake bench. */
export interface WakeBenchOptions {
  wakes: number;
  burstTries: number;
  /** Only these clients (default: all; `OXTAIL_BENCH_CLIENTS=gemini`). */
  clients?: string[];
}
export const DEFAULTS: WakeBenchOptions = {
  wakes: 20,
  burstTries: 5,
  ...(process.env.OXTAIL_BENCH_CLIENTS ? { clients: process.env.OXTAIL_BENCH_CLIENTS.split(",") } : {}),
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function size(file: string | null): number {
  try {
    return file ? fs.statSync(file).size : 0;
  } catch {
    return 0;
  }
}

/** Wait until the client's transcript grows (a turn started): ms, or null within `limitMs`. */
async function turnStarted(
  agent: Agent,
  before: number,
  started: number,
  limitMs: number,
): Promise<number | null> {
  while (performance.now() - started < limitMs) {
    if (size(agent.transcriptPath()) > before) return performance.now() - started;
    await sleep(10);
  }
  return null;
}

/**
 * The agent as the registry would have it: the tmux wake types only into a pane whose processes
 * include the agent's (checked by pid and start time), so the pane's own process stands in.
 */
function record(tmux: PrivateTmux, pane: { id: string; pid: number }): AgentRecord {
  const now = new Date().toISOString();
  return {
    schema: 1,
    instance_id: "1-1",
    pid: pane.pid,
    start_time: processStartTime(pane.pid),
    started_at: now,
    updated_at: now,
    oxtail_version: "bench",
    cwd: "/",
    client: { type: null, name: null, version: null, session_id: null, transcript_path: null, cwd: null },
    tmux: {
      socket: path.join(`/tmp/tmux-${process.getuid?.() ?? 0}`, tmux.socket),
      session: null,
      window: null,
      pane: pane.id,
    },
    state: null,
  };
}

/** One client: oxtail's wake N times (latency to a started turn), then the old burst recipe. */
async function benchClient(kind: "claude" | "codex" | "gemini", options: WakeBenchOptions) {
  const project = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-bench-wake-")));
  fs.mkdirSync(path.join(project, ".git"));
  const turns = options.wakes + options.burstTries + 2;
  const agent = await Agent.start({
    kind,
    projectDir: project,
    script: Array.from({ length: turns }, () => [{ say: "ok" }]),
  });
  try {
    await agent.prompt("hello"); // the transcript exists from here on
    const pane = agent.tmux.pane(agent.session);
    const wake = tmuxWake();
    const latencies: number[] = [];
    for (let i = 0; i < options.wakes; i++) {
      const turnsBefore = agent.completedTurns();
      const before = size(agent.transcriptPath());
      const started = performance.now();
      await wake.wake({ agent: record(agent.tmux, pane), adapter: null, options: {} });
      const ms = await turnStarted(agent, before, started, 5000);
      if (ms !== null) {
        latencies.push(ms);
        await until("the woken turn to end", 30_000, () => agent.completedTurns() > turnsBefore);
      }
    }
    // The old way: text and Enter typed at once (two send-keys calls, no delay).
    let burst = 0;
    for (let i = 0; i < options.burstTries; i++) {
      const turnsBefore = agent.completedTurns();
      const before = size(agent.transcriptPath());
      const started = performance.now();
      agent.tmux.run(["send-keys", "-t", pane.id, "-l", WAKE_TEXT]);
      agent.tmux.run(["send-keys", "-t", pane.id, "Enter"]);
      if ((await turnStarted(agent, before, started, 3000)) !== null) {
        burst += 1;
        await until("the turn to end", 30_000, () => agent.completedTurns() > turnsBefore);
      } else {
        agent.tmux.run(["send-keys", "-t", pane.id, "C-c"]); // clear what was left in the composer
        await sleep(300);
      }
    }
    return { latencies, burst };
  } finally {
    await agent.stop();
    fs.rmSync(project, { recursive: true, force: true });
  }
}

/**
 * Claude Code woken by oxtail's asyncRewake sleeper (no typing): after `oxtail setup`, a peer's
 * message lands in the idle session's mailbox, the sleeper exits 2 with it, and Claude Code starts
 * a turn. Latency: message sent → the transcript shows the new turn.
 */
async function benchClaudeRewake(options: WakeBenchOptions): Promise<number[]> {
  execFileSync(
    "npx",
    ["nx", "run-many", "-t", "build", "--projects=oxtail,@oxtail/hook", "--outputStyle=static"],
    {
      cwd: ROOT,
      stdio: "ignore",
    },
  );
  const project = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-bench-rewake-")));
  fs.mkdirSync(path.join(project, ".git"));
  const agent = await Agent.start({
    kind: "claude",
    projectDir: project,
    beforeStart: oxtailInHome("setup", "--claude"),
    script: Array.from({ length: options.wakes + 1 }, () => [{ say: "ok" }]),
  });
  try {
    await agent.prompt("hello"); // the sleeper starts after a turn
    const home = path.join(agent.home, ".oxtail");
    const sessionsDir = path.join(agent.home, ".claude", "sessions");
    const sessionFile = fs.readdirSync(sessionsDir).find((f) => f.endsWith(".json")) as string;
    const session = JSON.parse(fs.readFileSync(path.join(sessionsDir, sessionFile), "utf8"))
      .sessionId as string;
    const mailbox = createMailbox({ store: createFsMailboxStore({ home }) });
    const peer = "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb";
    const from = { session_id: peer, instance_id: "1-1", client_type: "codex", display_name: "bench peer" };
    const latencies: number[] = [];
    for (let i = 0; i < options.wakes; i++) {
      await until("the sleeper to wait", 30_000, () => readSleeper(home, session).waiting);
      const turnsBefore = agent.completedTurns();
      const before = size(agent.transcriptPath());
      const started = performance.now();
      await mailbox.send({
        from,
        fromMailbox: sessionMailboxKey(peer),
        to: sessionMailboxKey(session),
        toSessionId: session,
        body: `wake ${i}`,
      });
      const ms = await turnStarted(agent, before, started, 8000);
      if (ms === null) continue;
      latencies.push(ms);
      await until("the woken turn to end", 30_000, () => agent.completedTurns() > turnsBefore);
    }
    return latencies;
  } finally {
    await agent.stop();
    fs.rmSync(project, { recursive: true, force: true });
  }
}

/**
 * OpenCode woken through its TUI's own server (`prompt_async`, nothing typed), N times, against
 * oxtail's tmux wake of the same OpenCode in the same run (paste, then Enter: its ladder's second
 * rung). Latency: the wake → the scripted model gets the woken turn's first request.
 */
async function benchOpenCode(options: WakeBenchOptions): Promise<{ prompt: number[]; tmux: number[] }> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-bench-opencode-home-"));
  const project = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-bench-opencode-")));
  fs.mkdirSync(path.join(project, ".git"));
  const agent = await Agent.start({
    kind: "opencode",
    projectDir: project,
    env: { OXTAIL_HOME: home },
    beforeStart: oxtailInHome("setup", "--opencode"),
    script: Array.from({ length: 2 * options.wakes + 2 }, () => [{ say: "ok" }]),
  });
  try {
    await agent.prompt("hello"); // the session exists from here on; the plugin has logged it
    const sessions = (await (await fetch(new URL("session", agent.openCodeServer as string))).json()) as {
      id: string;
    }[];
    const uuid = sessionUuid((sessions[0] as { id: string }).id);
    const stateLog = path.join(home, "opencode", `${uuid}.jsonl`);
    const pane = agent.tmux.pane(agent.session);
    const peer: AgentRecord = {
      ...record(agent.tmux, pane),
      client: {
        type: "opencode",
        name: "opencode",
        version: null,
        session_id: uuid,
        transcript_path: stateLog,
        cwd: project,
      },
    };
    const adapter = openCodeAdapter();
    const promptAsync = adapter.wakeStrategies?.find((s) => s.name === "opencode-prompt-async");
    if (!promptAsync) throw new Error("the OpenCode adapter has no opencode-prompt-async strategy");
    const tmux = tmuxWake();
    const once = async (wake: () => Promise<unknown>): Promise<number | null> => {
      const turnsBefore = await agent.turnsDone();
      const requests = agent.endpoint.mainRequests().length;
      // The plugin logs idle when the last turn ended: prompt_async is ready only then.
      await until(
        "OpenCode idle",
        30_000,
        async () => (await promptAsync.readiness({ agent: peer, adapter, options: {} })).ready,
      );
      const started = performance.now();
      await wake();
      while (performance.now() - started < 8000) {
        if (agent.endpoint.mainRequests().length > requests) {
          const ms = performance.now() - started;
          await until("the woken turn to end", 30_000, async () => (await agent.turnsDone()) > turnsBefore);
          return ms;
        }
        await sleep(5);
      }
      return null;
    };
    const prompt: number[] = [];
    const typed: number[] = [];
    for (let i = 0; i < options.wakes; i++) {
      const a = await once(() => promptAsync.wake({ agent: peer, adapter, options: {} }, {}));
      if (a !== null) prompt.push(a);
      const b = await once(() => tmux.wake({ agent: peer, adapter, options: { recipe: "paste-enter" } }));
      if (b !== null) typed.push(b);
    }
    return { prompt, tmux: typed };
  } finally {
    await agent.stop();
    fs.rmSync(project, { recursive: true, force: true });
    fs.rmSync(home, { recursive: true, force: true });
  }
}

/** Run the wake bench on the real clients. */
export async function runWakeBench(options: WakeBenchOptions = DEFAULTS): Promise<Metric[]> {
  const metrics: Metric[] = [];
  const label = "wake → the client's transcript shows the new turn";
  let tmuxClaude: number[] = [];
  for (const [kind, target] of [
    ["claude", 1000],
    ["codex", 1500],
    ["gemini", 1500],
  ] as const) {
    if (options.clients && !options.clients.includes(kind)) continue;
    const { latencies, burst } = await benchClient(kind, options);
    if (kind === "claude") tmuxClaude = latencies;
    metrics.push(
      ...latencyMetrics(BENCH, `${kind}_wake`, latencies, { baseline: null, label, targetP50: target }),
      {
        bench: BENCH,
        metric: `${kind}_submitted`,
        unit: "count",
        better: "higher",
        value: latencies.length,
        baseline: burst,
        baseline_label: `old recipe (send-keys text, then Enter at once): ${burst} of ${options.burstTries} tries submitted, same run`,
        target: options.wakes,
      },
    );
  }
  if (!options.clients || options.clients.includes("opencode")) {
    const { prompt, tmux } = await benchOpenCode(options);
    metrics.push(
      ...latencyMetrics(BENCH, "opencode_prompt_async", prompt, {
        baseline: tmux,
        label: "oxtail's tmux wake (paste, then Enter) of the same OpenCode, same run",
        targetP50: 1500,
      }),
      {
        bench: BENCH,
        metric: "opencode_prompt_async_submitted",
        unit: "count",
        better: "higher",
        value: prompt.length,
        baseline: tmux.length,
        baseline_label: `tmux wakes that started a turn: ${tmux.length} of ${options.wakes}, same run`,
        target: options.wakes,
      },
    );
  }
  if (options.clients && !options.clients.includes("claude")) return metrics;
  const rewake = await benchClaudeRewake(options);
  metrics.push(
    ...latencyMetrics(BENCH, "claude_rewake", rewake, {
      baseline: tmuxClaude,
      label: "oxtail's tmux wake of Claude Code, same run",
      targetP50: 1000,
    }),
    {
      bench: BENCH,
      metric: "claude_rewake_submitted",
      unit: "count",
      better: "higher",
      value: rewake.length,
      baseline: null,
      baseline_label: "wakes by the asyncRewake sleeper that started a turn (nothing typed)",
      target: options.wakes,
    },
  );
  return metrics;
}
