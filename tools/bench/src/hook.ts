import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { latencyMetrics, type Metric, percentile, round } from "./metrics.ts";

const BENCH = "hook";
const ROOT = path.resolve(import.meta.dirname, "..", "..", "..");
const HOOK = path.join(ROOT, "apps/hook/bin/oxtail-hook");
const SESSION = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa";

/** Options of the hook bench. */
export interface HookBenchOptions {
  runs: number;
}
export const DEFAULTS: HookBenchOptions = { runs: 300 };

/** Wall time of one whole process run (spawn → exit), in ms. */
function timeRun(command: string, args: string[], input: string, env: NodeJS.ProcessEnv): number {
  const started = process.hrtime.bigint();
  const result = spawnSync(command, args, { input, env, stdio: ["pipe", "ignore", "ignore"] });
  if (result.status !== 0) throw new Error(`${command} exited ${result.status}`);
  return Number(process.hrtime.bigint() - started) / 1e6;
}

function sample(runs: number, run: () => number): number[] {
  for (let i = 0; i < 10; i++) run(); // warm the page cache
  return Array.from({ length: runs }, run);
}

/** PreToolUse with an empty mailbox, whole process, against `true` and a bare `node -e 0`. */
export async function runHookBench(options: HookBenchOptions = DEFAULTS): Promise<Metric[]> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-bench-hook-"));
  try {
    fs.mkdirSync(path.join(home, "mailboxes", SESSION, "new"), { recursive: true });
    const input = `${JSON.stringify({ session_id: SESSION, transcript_path: "/t.jsonl", cwd: "/p", hook_event_name: "PreToolUse", tool_name: "Bash", tool_input: { command: "ls" } })}\n`;
    const env = { PATH: process.env.PATH, HOME: home, OXTAIL_HOME: home, CLAUDE_CODE_SESSION_ID: SESSION };
    const hook = sample(options.runs, () => timeRun(HOOK, ["claude", "PreToolUse"], input, env));
    const trueRuns = sample(options.runs, () => timeRun("true", [], input, env));
    const nodeRuns = sample(Math.min(options.runs, 100), () =>
      timeRun(process.execPath, ["-e", "0"], input, env),
    );
    const pTrue = round(percentile(trueRuns, 50));
    const pNode = round(percentile(nodeRuns, 50));
    return [
      ...latencyMetrics(BENCH, "pretooluse_empty", hook, {
        baseline: trueRuns,
        label: "`true`, same run",
        targetP50: 3,
      }),
      {
        bench: BENCH,
        metric: "node_e0_p50_ms",
        unit: "ms",
        value: pNode,
        baseline: pTrue,
        baseline_label: "`true`, same run (what starting Node would cost)",
        target: null,
      },
    ];
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
}
