import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  createFsMailboxStore,
  createMailbox,
  type MailboxKey,
  sessionMailboxKey,
} from "@oxtail/core/runtime";
import { latencyMetrics, type Metric, percentile, round } from "./metrics.ts";

const BENCH = "hook";
const ROOT = path.resolve(import.meta.dirname, "..", "..", "..");
const SESSION = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa";

/** Options of the hook bench. */
export interface HookBenchOptions {
  /** Runs of the small-payload empty path. */
  runs: number;
  /** Runs with a 1 MiB stdin. */
  bigRuns: number;
  /** Messages waiting in the backlog row. */
  backlog: number;
  /** Deliveries timed in the backlog row. */
  deliveries: number;
  /** The hook program (default: this checkout's apps/hook/bin/oxtail-hook). */
  hook?: string;
}
export const DEFAULTS: HookBenchOptions = { runs: 300, bigRuns: 30, backlog: 30_000, deliveries: 10 };

/** Wall time of one whole process run (spawn → exit), in ms. */
function timeRun(command: string, args: string[], input: string, env: NodeJS.ProcessEnv): number {
  const started = process.hrtime.bigint();
  const result = spawnSync(command, args, {
    input,
    env,
    stdio: ["pipe", "ignore", "ignore"],
    maxBuffer: 1 << 30,
  });
  if (result.status !== 0) throw new Error(`${command} exited ${result.status}`);
  return Number(process.hrtime.bigint() - started) / 1e6;
}

function sample(runs: number, run: () => number): number[] {
  for (let i = 0; i < Math.min(10, runs); i++) run(); // warm the page cache
  return Array.from({ length: runs }, run);
}

function payload(toolInput: unknown): string {
  return `${JSON.stringify({ session_id: SESSION, transcript_path: "/t.jsonl", cwd: "/p", hook_event_name: "PreToolUse", tool_name: "Write", tool_input: toolInput })}\n`;
}

/** Fill the session's mailbox with `count` messages of ~200 bytes of body. */
async function fill(home: string, count: number): Promise<void> {
  const mailbox = createMailbox({ store: createFsMailboxStore({ home }) });
  const from = { session_id: null, instance_id: "1-1", client_type: "bench", display_name: "peer" };
  for (let i = 0; i < count; i++) {
    await mailbox.send({
      from,
      fromMailbox: "instance-1-1" as MailboxKey,
      to: sessionMailboxKey(SESSION),
      toSessionId: SESSION,
      body: `${i}:${"m".repeat(200)}`,
    });
  }
  await new Promise((r) => setTimeout(r, 3)); // past the last message's millisecond
}

/**
 * PreToolUse with an empty mailbox, whole process (a small and a 1 MiB stdin, with the session
 * in the environment as Claude Code passes it, and only on stdin as Codex does), against `true`
 * and a bare `node -e 0`; then one delivery with a large backlog waiting, against one with a
 * single delivery's worth waiting.
 */
export async function runHookBench(options: HookBenchOptions = DEFAULTS): Promise<Metric[]> {
  const hook = options.hook ?? path.join(ROOT, "apps/hook/bin/oxtail-hook");
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-bench-hook-"));
  try {
    fs.mkdirSync(path.join(home, "mailboxes", SESSION, "new"), { recursive: true });
    const small = payload({ command: "ls" });
    const big = payload({ file_path: "/p/big.txt", content: "x".repeat(1 << 20) });
    const base = { PATH: process.env.PATH, HOME: home, OXTAIL_HOME: home };
    const claude = { ...base, CLAUDE_CODE_SESSION_ID: SESSION };
    const run = (input: string, env: NodeJS.ProcessEnv) => () =>
      timeRun(hook, ["claude", "PreToolUse"], input, env);
    const hookRuns = sample(options.runs, run(small, claude));
    const trueRuns = sample(options.runs, () => timeRun("true", [], small, claude));
    const nodeRuns = sample(Math.min(options.runs, 100), () =>
      timeRun(process.execPath, ["-e", "0"], small, claude),
    );
    const bigRuns = sample(options.bigRuns, run(big, claude));
    const bigCodexRuns = sample(options.bigRuns, run(big, base));
    const bigTrue = sample(options.bigRuns, () => timeRun("true", [], big, claude));
    const pTrue = round(percentile(trueRuns, 50));
    const pNode = round(percentile(nodeRuns, 50));
    const bigLabel = "`true` fed the same 1 MiB, same run";

    // One delivery: with a single delivery's worth waiting, then with the whole backlog waiting.
    const deliver = () => timeRun(hook, ["claude", "PreToolUse"], small, claude);
    const few: number[] = [];
    for (let i = 0; i < options.deliveries; i++) {
      await fill(home, 45);
      few.push(deliver());
    }
    fs.rmSync(path.join(home, "mailboxes"), { recursive: true, force: true });
    await fill(home, options.backlog);
    const many = Array.from({ length: options.deliveries }, deliver);
    const row = (
      metric: string,
      runs: number[],
      baseline: number[],
      label: string,
      target: number | null,
    ) => ({
      bench: BENCH,
      metric,
      unit: "ms" as const,
      value: round(percentile(runs, 50)),
      baseline: round(percentile(baseline, 50)),
      baseline_label: label,
      target,
    });
    return [
      ...latencyMetrics(BENCH, "pretooluse_empty", hookRuns, {
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
      row("pretooluse_empty_1mib_p50_ms", bigRuns, bigTrue, bigLabel, null),
      row("pretooluse_empty_1mib_stdin_session_p50_ms", bigCodexRuns, bigTrue, bigLabel, null),
      row(
        `deliver_${options.backlog}_waiting_p50_ms`,
        many,
        few,
        "one delivery with 45 waiting, same run",
        null,
      ),
    ];
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
}
