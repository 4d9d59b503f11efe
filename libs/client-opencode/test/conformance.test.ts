// The OpenCode adapter passes the whole conformance kit: every capability it declares, with the inputs
// the kit needs (the plugin's state logs and identity drop under a temporary OXTAIL_HOME, a stand-in
// for the TUI's server answering with a recorded session, the user's own opencode.json).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { AgentRecord } from "@oxtail/core";
import { makeAgentRecord, runClientAdapterConformance } from "@oxtail/core/testing";
import { afterAll, describe, test } from "vitest";
import { sessionUuid } from "../src/ids.ts";
import openCodeAdapter from "../src/index.ts";
import { RECORDED_SESSION, standInServer, stateLine } from "./stand-in-server.ts";

const HOME = fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-opencode-kit-"));
process.env.OXTAIL_HOME = HOME;
const server = await standInServer();
afterAll(async () => {
  await server.close();
  fs.rmSync(HOME, { recursive: true, force: true });
});

const UUID = sessionUuid(RECORDED_SESSION);
const logs = path.join(HOME, "opencode");
fs.mkdirSync(logs, { recursive: true, mode: 0o700 });
const IDLE_LOG = path.join(logs, `${UUID}.jsonl`);
fs.writeFileSync(
  IDLE_LOG,
  stateLine({ status: "busy", serverUrl: server.url }) + stateLine({ status: "idle", serverUrl: server.url }),
  { mode: 0o600 },
);
const BUSY_LOG = path.join(HOME, "busy.jsonl");
fs.writeFileSync(BUSY_LOG, stateLine({ status: "busy", serverUrl: server.url }), { mode: 0o600 });
fs.mkdirSync(path.join(HOME, "identity"), { recursive: true, mode: 0o700 });
fs.writeFileSync(
  path.join(HOME, "identity", `${UUID}.json`),
  `${JSON.stringify({
    v: 1,
    client_type: "opencode",
    session_id: UUID,
    transcript_path: IDLE_LOG,
    cwd: "/tmp/oc-exp/proj",
    ancestor_pids: [process.pid],
    tmux_pane: null,
    tmux_socket: null,
    event: "session.status",
    at: new Date().toISOString(),
  })}\n`,
  { mode: 0o600 },
);

const context = (over: Record<string, unknown> = {}) => ({
  env: {},
  clientInfo: null,
  pid: process.pid,
  cwd: "/tmp",
  startedAt: Date.now(),
  oxtailHome: HOME,
  ...over,
});
const agent = (client: Partial<AgentRecord["client"]>): AgentRecord =>
  makeAgentRecord({ client: { type: "opencode", name: "opencode", ...client } });

/** A user's own OpenCode config: comments, another MCP server, a setting. */
const USER_FILES = {
  ".config/opencode/opencode.json":
    '{\n  // mine\n  "$schema": "https://opencode.ai/config.json",\n  "theme": "dark",\n  "mcp": {\n    "other": { "type": "local", "command": ["o"] }\n  }\n}\n',
};

describe("OpenCode adapter: conformance", () => {
  runClientAdapterConformance(test, () => openCodeAdapter(), {
    detection: {
      matching: context({
        clientInfo: { name: "opencode", version: "1.18.33" },
        env: { OPENCODE_PID: String(process.pid), OPENCODE: "1" },
      }),
      notMatching: context({ clientInfo: { name: "claude-code" } }),
      expectedSessionId: UUID,
    },
    transcripts: [{ path: IDLE_LOG, sessionId: UUID, minTurns: 4 }],
    liveness: [
      { agent: agent({ session_id: UUID, transcript_path: IDLE_LOG }), states: ["idle"] },
      { agent: agent({ transcript_path: BUSY_LOG }), states: ["busy"] },
    ],
    // The payload oxtail's plugin writes on the hook program's stdin (plugin.ts).
    hooks: {
      sessionId: UUID,
      payloads: { "tool.execute.after": { session_id: UUID, hook_event_name: "tool.execute.after" } },
    },
    onboarding: { make: () => openCodeAdapter(), homes: [USER_FILES] },
    wake: {
      strategies: {
        "opencode-prompt-async": {
          async ready() {
            const live = await standInServer();
            const dir = fs.mkdtempSync(path.join(HOME, "wake-"));
            const log = path.join(dir, "state.jsonl");
            fs.writeFileSync(log, stateLine({ status: "idle", serverUrl: live.url }), { mode: 0o600 });
            return {
              target: {
                agent: agent({ session_id: UUID, transcript_path: log }),
                adapter: null,
                options: {},
              },
              acted: () => live.prompts.length > 0,
              cleanup: async () => {
                await live.close();
                fs.rmSync(dir, { recursive: true, force: true });
              },
            };
          },
        },
      },
    },
  });
});
