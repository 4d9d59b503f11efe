// The example passes the whole conformance kit, like the built-in adapters: every capability it
// declares, with the inputs the kit needs.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { makeAgentRecord, runClientAdapterConformance } from "@oxtail/core/testing";
import { afterAll, test } from "vitest";
import plainlog from "../src/index.ts";

const FIXTURES = path.join(import.meta.dirname, "fixtures");
/** An idle session (its last turn was answered) and a busy one (a turn started and has not ended). */
const IDLE = "0c0c0c0c-0c0c-4c0c-8c0c-0c0c0c0c0c0c";
const BUSY = "0d0d0d0d-0d0d-4d0d-8d0d-0d0d0d0d0d0d";
const transcript = (session: string) => path.join(FIXTURES, `${session}.jsonl`);
const agent = (session: string, file: string | null = transcript(session)) =>
  makeAgentRecord({
    client: { type: "plainlog", name: "plainlog", session_id: session, transcript_path: file },
  });
const context = (env: Record<string, string>, name: string | null) => ({
  env,
  clientInfo: name ? { name, version: "1.4.2" } : null,
  pid: process.pid,
  cwd: "/work/project",
  startedAt: Date.now(),
});

/** Plainlog's hook stdin: the event, the session, where it runs and its transcript. */
const payload = (event: string, extra: Record<string, unknown> = {}) => ({
  event,
  session: IDLE,
  cwd: "/work/project",
  transcript: transcript(IDLE),
  ...extra,
});

/** Sessions folders the wake fixtures made, removed at the end. */
const made: string[] = [];
afterAll(() => {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

runClientAdapterConformance(test, () => plainlog({ dir: FIXTURES }), {
  detection: {
    matching: context({ PLAINLOG_SESSION_ID: IDLE, PLAINLOG_DIR: FIXTURES }, "plainlog"),
    notMatching: context({}, "another-client"),
    expectedSessionId: IDLE,
  },
  transcripts: [
    { path: transcript(IDLE), sessionId: IDLE, minTurns: 4 },
    { path: transcript(BUSY), sessionId: BUSY, minTurns: 3 },
  ],
  liveness: [
    { agent: agent(IDLE), states: ["idle"] },
    { agent: agent(BUSY), states: ["busy"] },
    { agent: agent(IDLE, null), states: ["unknown"] },
  ],
  hooks: {
    sessionId: IDLE,
    env: { PLAINLOG_SESSION_ID: IDLE, PLAINLOG_DIR: FIXTURES },
    payloads: {
      session_start: payload("session_start", { source: "startup" }),
      prompt: payload("prompt", { prompt: "hello" }),
      tool: payload("tool", { tool: "shell", input: { command: "ls" } }),
      turn_end: payload("turn_end"),
    },
  },
  onboarding: {
    // The adapter as a user has it: its home from $PLAINLOG_HOME or ~/.plainlog.
    make: () => plainlog(),
    homes: [
      {
        ".plainlog/config.json":
          '{\n  // my Plainlog\n  "theme": "dark",\n  "mcpServers": {\n    "search": { "command": "search-mcp", "args": ["--fast"] }\n  }\n}\n',
        ".plainlog/hooks.json":
          '{\n  "hooks": [\n    { "on": "turn_end", "run": "notify-send \\"turn over\\"" } // mine\n  ]\n}\n',
      },
      { ".plainlog/config.json": '{"theme":"light"}' },
    ],
  },
  wake: {
    strategies: {
      "plainlog-wake": {
        // A running Plainlog session: its transcript (idle) and its wake inbox, in a sessions folder.
        ready() {
          const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plainlog-sessions-"));
          made.push(dir);
          fs.copyFileSync(transcript(IDLE), path.join(dir, `${IDLE}.jsonl`));
          const inbox = path.join(dir, `${IDLE}.wake`);
          fs.writeFileSync(inbox, "");
          return {
            target: {
              agent: agent(IDLE, path.join(dir, `${IDLE}.jsonl`)),
              adapter: plainlog({ dir }),
              options: {},
            },
            acted: () => fs.readFileSync(inbox, "utf8") !== "",
            cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
          };
        },
      },
    },
  },
});
