import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { type Metric, round } from "./metrics.ts";

const BENCH = "transcript";
const ROOT = path.resolve(import.meta.dirname, "..", "..", "..");
const TURNS = 50;

/** Options of the transcript bench. */
export interface TranscriptBenchOptions {
  /** Size of each generated transcript, in bytes. */
  bytes: number;
  /** Only these clients (default: all; `OXTAIL_BENCH_CLIENTS=gemini,codex`). */
  clients?: string[];
}

export const DEFAULTS: TranscriptBenchOptions = {
  bytes: 500 * 1000 * 1000,
  ...(process.env.OXTAIL_BENCH_CLIENTS ? { clients: process.env.OXTAIL_BENCH_CLIENTS.split(",") } : {}),
};

function findJsonl(dir: string): string {
  const walk = (d: string): string[] =>
    fs
      .readdirSync(d, { withFileTypes: true })
      .flatMap((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : [path.join(d, e.name)]));
  const hit = walk(dir).find((f) => f.endsWith(".jsonl") && !f.includes("subagents"));
  if (!hit) throw new Error(`no fixture transcript under ${dir}`);
  return hit;
}

/**
 * Write a transcript of about `bytes` by repeating the body of a real recorded one
 * (its first `keepHead` lines once, then the rest again and again).
 */
export function generateTranscript(
  source: string,
  target: string,
  bytes: number,
  keepHead: number,
  /** Rewrite each repetition of the body (e.g. fresh message ids: Gemini CLI de-duplicates by id). */
  vary?: (body: string, repetition: number) => string,
): number {
  const lines = fs.readFileSync(source, "utf8").trimEnd().split("\n");
  const head = `${lines.slice(0, keepHead).join("\n")}\n`;
  const text = `${lines.slice(keepHead).join("\n")}\n`;
  const body = Buffer.from(text);
  const fd = fs.openSync(target, "w");
  let repetition = 0;
  try {
    fs.writeSync(fd, head);
    let written = head.length;
    const copies = Math.max(1, Math.floor((4 << 20) / body.length));
    const fixed = vary ? null : Buffer.concat(Array.from({ length: copies }, () => body));
    const block = () =>
      fixed ??
      Buffer.from(
        Array.from({ length: copies }, () => (vary as NonNullable<typeof vary>)(text, repetition++)).join(""),
      );
    while (written < bytes) {
      const next = block();
      fs.writeSync(fd, next);
      written += next.length;
    }
    return written;
  } finally {
    fs.closeSync(fd);
  }
}

interface ReadResult {
  ms: number;
  maxRssMb: number;
  turns: number;
  error: string | null;
}

function measure(client: string, file: string, mode: "tail" | "whole" | "none"): ReadResult {
  // Plain node on the built packages (no source condition, no tsx), as a user's server runs.
  const out = execFileSync(
    process.execPath,
    [path.join(import.meta.dirname, "children", "transcript-read.mjs"), client, file, mode, String(TURNS)],
    {
      encoding: "utf8",
      maxBuffer: 1 << 20,
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  return JSON.parse(out.trim().split("\n").at(-1) as string) as ReadResult;
}

/** Run the transcript bench: last 50 turns of a generated transcript per client, tail-first vs whole-file. */
export async function runTranscriptBench(options: TranscriptBenchOptions = DEFAULTS): Promise<Metric[]> {
  execFileSync(
    "npx",
    [
      "nx",
      "run-many",
      "-t",
      "build",
      "--projects=@oxtail/core,@oxtail/client-claude,@oxtail/client-codex,@oxtail/client-gemini",
    ],
    {
      cwd: ROOT,
      stdio: "ignore",
    },
  );
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-bench-transcript-"));
  const metrics: Metric[] = [];
  try {
    const sources: Record<
      string,
      { file: string; head: number; vary?: (body: string, n: number) => string }
    > = {
      claude: { file: findJsonl(path.join(ROOT, "libs/client-claude/test/fixtures/claude-home")), head: 3 },
      codex: { file: findJsonl(path.join(ROOT, "libs/client-codex/test/fixtures/codex-home")), head: 1 },
      // The metadata line and the session-context history once; each repetition of the conversation
      // with its own message ids (a re-used id is a re-appended message, read once).
      gemini: {
        file: findJsonl(path.join(ROOT, "libs/client-gemini/test/fixtures/gemini-home")),
        head: 2,
        vary: (body, n) => body.replace(/"id":"([^"]+)"/g, `"id":"$1-${n}"`),
      },
    };
    for (const [client, source] of Object.entries(sources)) {
      if (options.clients && !options.clients.includes(client)) continue;
      const file = path.join(dir, `${client}.jsonl`);
      const size = generateTranscript(source.file, file, options.bytes, source.head, source.vary);
      measure(client, file, "tail"); // warm the page cache
      const floor = measure(client, file, "none");
      const tail = measure(client, file, "tail");
      const whole = measure(client, file, "whole");
      if (tail.error || tail.turns !== TURNS)
        throw new Error(`${client}: tail read failed: ${tail.error ?? `${tail.turns} turns`}`);
      const label = whole.error
        ? `whole-file read failed (${whole.error.slice(0, 60)})`
        : `whole-file read + parse of the same ${Math.round(size / 1e6)} MB file, same run`;
      metrics.push(
        {
          bench: BENCH,
          metric: `${client}_tail50_ms`,
          unit: "ms",
          value: round(tail.ms),
          baseline: whole.error ? null : round(whole.ms),
          baseline_label: label,
          target: 100,
        },
        {
          bench: BENCH,
          metric: `${client}_tail50_rss_mb`,
          unit: "MB",
          value: round(tail.maxRssMb),
          baseline: whole.error ? null : round(whole.maxRssMb),
          baseline_label: label,
          target: 64,
        },
        {
          bench: BENCH,
          metric: `${client}_process_floor_rss_mb`,
          unit: "MB",
          value: round(floor.maxRssMb),
          baseline: null,
          baseline_label: "same process, modules loaded, nothing read",
          target: null,
        },
      );
      fs.rmSync(file, { force: true });
    }
    return metrics;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
