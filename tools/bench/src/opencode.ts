// The OpenCode transcript read: the newest 50 turns of a session whose store holds ≥ 100 000 messages,
// read through the real OpenCode server (`opencode serve`, pinned, from the agents harness cache), by the
// adapter (tail: `?limit=`) against the whole session through the same server (same run).
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ensureClient } from "@oxtail/agents";
import { type Metric, round } from "./metrics.ts";

const BENCH = "opencode";
const ROOT = path.resolve(import.meta.dirname, "..", "..", "..");
const TURNS = 50;
const SESSION = "ses_0benchoxtail00000000000001";

/** Options of the OpenCode bench. */
export interface OpenCodeBenchOptions {
  /** Messages in the session (half user, half assistant, one text part each). */
  messages: number;
}

export const DEFAULTS: OpenCodeBenchOptions = { messages: 100_000 };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function serve(bin: string, home: string, port: number): Promise<() => Promise<void>> {
  const child = spawn(bin, ["serve", "--port", String(port), "--hostname", "127.0.0.1"], {
    env: {
      HOME: home,
      PATH: process.env.PATH,
      OPENCODE_DISABLE_AUTOUPDATE: "1",
      OPENCODE_DISABLE_MODELS_FETCH: "1",
    },
    stdio: "ignore",
  });
  const deadline = Date.now() + 180_000;
  for (;;) {
    const ok = await fetch(`http://127.0.0.1:${port}/global/health`, { signal: AbortSignal.timeout(2000) })
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) break;
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill("SIGKILL");
      throw new Error("opencode serve did not answer within 180 s");
    }
    await sleep(250);
  }
  return async () => {
    child.kill("SIGTERM");
    await new Promise((resolve) => {
      const t = setTimeout(() => {
        child.kill("SIGKILL");
        resolve(null);
      }, 5000);
      child.once("exit", () => {
        clearTimeout(t);
        resolve(null);
      });
    });
  };
}

/** Fill OpenCode's store with one session of `messages` messages (sqlite3 CLI, a Debian package). */
function fill(db: string, messages: number, cwd: string): void {
  const now = Date.now() - messages * 1000;
  const sql = `
PRAGMA journal_mode=WAL;
INSERT INTO session (id, project_id, slug, directory, title, version, time_created, time_updated)
  VALUES ('${SESSION}', 'global', 'bench', '${cwd}', 'oxtail bench', '1.18.33', ${now}, ${now});
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ${messages})
INSERT INTO message (id, session_id, time_created, time_updated, data)
  SELECT printf('msg_bench%012d', i), '${SESSION}', ${now} + i * 1000, ${now} + i * 1000,
    CASE WHEN i % 2 = 0
      THEN json_object('role', 'user', 'time', json_object('created', ${now} + i * 1000), 'agent', 'build', 'model', json_object('providerID', 'scripted', 'modelID', 'scripted-model'))
      ELSE json_object('role', 'assistant', 'parentID', printf('msg_bench%012d', i - 1), 'mode', 'build', 'agent', 'build', 'path', json_object('cwd', '${cwd}', 'root', '/'), 'cost', 0, 'tokens', json_object('input', 0, 'output', 0, 'reasoning', 0, 'cache', json_object('read', 0, 'write', 0)), 'modelID', 'scripted-model', 'providerID', 'scripted', 'time', json_object('created', ${now} + i * 1000, 'completed', ${now} + i * 1000 + 500), 'finish', 'stop')
    END
  FROM n;
INSERT INTO part (id, message_id, session_id, time_created, time_updated, data)
  SELECT printf('prt_bench%012d', rowid), id, session_id, time_created, time_updated,
    json_object('type', 'text', 'text', printf('message %s: %s', id, substr(hex(randomblob(150)), 1, 300)))
  FROM message WHERE session_id = '${SESSION}';
`;
  execFileSync("sqlite3", [db], { input: sql, stdio: ["pipe", "ignore", "pipe"] });
}

interface ReadResult {
  ms: number;
  maxRssMb: number;
  turns: number;
  error: string | null;
}

function measure(file: string, mode: "tail" | "whole" | "raw"): ReadResult {
  const out = execFileSync(
    process.execPath,
    [path.join(import.meta.dirname, "children", "opencode-read.mjs"), file, mode, String(TURNS)],
    { encoding: "utf8", maxBuffer: 1 << 20, stdio: ["ignore", "pipe", "pipe"] },
  );
  return JSON.parse(out.trim().split("\n").at(-1) as string) as ReadResult;
}

/** Run the OpenCode bench. */
export async function runOpenCodeBench(options: OpenCodeBenchOptions = DEFAULTS): Promise<Metric[]> {
  execFileSync("npx", ["nx", "run-many", "-t", "build", "--projects=@oxtail/core,@oxtail/client-opencode"], {
    cwd: ROOT,
    stdio: "ignore",
  });
  const bin = ensureClient("opencode");
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-bench-opencode-"));
  const port = 20000 + Math.floor(Math.random() * 20000);
  try {
    // A first start creates the store (its migrations); then it is filled while no server runs.
    await (await serve(bin, home, port))();
    const db = path.join(home, ".local", "share", "opencode", "opencode.db");
    fill(db, options.messages, home);
    const stop = await serve(bin, home, port);
    try {
      const log = path.join(home, "state.jsonl");
      fs.writeFileSync(
        log,
        `${JSON.stringify({ v: 1, session: SESSION, status: "idle", event: "bench", server_url: `http://127.0.0.1:${port}/`, pid: null, cwd: home, at: new Date().toISOString() })}\n`,
      );
      measure(log, "tail"); // warm the server's page cache
      const tail = measure(log, "tail");
      const raw = measure(log, "raw");
      const whole = measure(log, "whole");
      if (tail.error || tail.turns !== TURNS)
        throw new Error(`tail read failed: ${tail.error ?? `${tail.turns} turns`}`);
      const label = whole.error
        ? `whole-session read failed (${whole.error.slice(0, 60)})`
        : `the whole ${options.messages}-message session through the same server, same run`;
      return [
        {
          bench: BENCH,
          metric: "opencode_tail50_ms",
          unit: "ms",
          value: round(tail.ms),
          baseline: whole.error ? null : round(whole.ms),
          baseline_label: label,
          target: 100,
        },
        {
          bench: BENCH,
          metric: "opencode_server_alone_ms",
          unit: "ms",
          value: round(raw.ms),
          baseline: null,
          baseline_label:
            "the adapter's own request, sent by plain node:http and not parsed: OpenCode's server's time",
          target: null,
        },
        {
          bench: BENCH,
          metric: "opencode_tail50_rss_mb",
          unit: "MB",
          value: round(tail.maxRssMb),
          baseline: whole.error ? null : round(whole.maxRssMb),
          baseline_label: label,
          target: 64,
        },
      ];
    } finally {
      await stop();
    }
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
}
