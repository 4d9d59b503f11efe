import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Agent, type PrivateTmux, until } from "@oxtail/agents";
import type { AgentRecord } from "@oxtail/core";
import tmuxWake, { WAKE_TEXT } from "@oxtail/wake-tmux";
import { type Metric, percentile, round } from "./metrics.ts";

const BENCH = "wake";

/** Options of the wake bench. */
export interface WakeBenchOptions {
  wakes: number;
  burstTries: number;
}
export const DEFAULTS: WakeBenchOptions = { wakes: 20, burstTries: 5 };

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

function record(tmux: PrivateTmux, pane: string): AgentRecord {
  const now = new Date().toISOString();
  return {
    schema: 1,
    instance_id: "1-1",
    pid: 1,
    start_time: null,
    started_at: now,
    updated_at: now,
    oxtail_version: "bench",
    cwd: "/",
    client: { type: null, name: null, version: null, session_id: null, transcript_path: null, cwd: null },
    tmux: {
      socket: path.join(`/tmp/tmux-${process.getuid?.() ?? 0}`, tmux.socket),
      session: null,
      window: null,
      pane,
    },
    state: null,
  };
}

/** One client: oxtail's wake N times (latency to a started turn), then the old burst recipe. */
async function benchClient(kind: "claude" | "codex", options: WakeBenchOptions) {
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
    const pane = agent.tmux.pane(agent.session).id;
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
      agent.tmux.run(["send-keys", "-t", pane, "-l", WAKE_TEXT]);
      agent.tmux.run(["send-keys", "-t", pane, "Enter"]);
      if ((await turnStarted(agent, before, started, 3000)) !== null) {
        burst += 1;
        await until("the turn to end", 30_000, () => agent.completedTurns() > turnsBefore);
      } else {
        agent.tmux.run(["send-keys", "-t", pane, "C-c"]); // clear what was left in the composer
        await sleep(300);
      }
    }
    return { latencies, burst };
  } finally {
    await agent.stop();
    fs.rmSync(project, { recursive: true, force: true });
  }
}

/** Run the wake bench on both real clients. */
export async function runWakeBench(options: WakeBenchOptions = DEFAULTS): Promise<Metric[]> {
  const metrics: Metric[] = [];
  for (const [kind, target] of [
    ["claude", 1000],
    ["codex", 1500],
  ] as const) {
    const { latencies, burst } = await benchClient(kind, options);
    const label = `old recipe (send-keys text, then Enter at once): ${burst} of ${options.burstTries} tries submitted, same run`;
    metrics.push(
      {
        bench: BENCH,
        metric: `${kind}_wake_p50_ms`,
        unit: "ms",
        value: round(percentile(latencies, 50)),
        baseline: null,
        baseline_label: "wake → the client's transcript shows the new turn",
        target,
      },
      {
        bench: BENCH,
        metric: `${kind}_wake_p99_ms`,
        unit: "ms",
        value: round(percentile(latencies, 99)),
        baseline: null,
        baseline_label: "wake → the client's transcript shows the new turn",
        target: null,
      },
      {
        bench: BENCH,
        metric: `${kind}_submitted`,
        unit: "count",
        value: latencies.length,
        baseline: burst,
        baseline_label: label,
        target: options.wakes,
      },
    );
  }
  return metrics;
}
