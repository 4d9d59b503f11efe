// The Codex adapter passes the whole conformance kit: every capability it declares, with the inputs
// the kit needs (hook payloads as Codex writes them, the user's own config.toml and hooks.json, agents
// and the states they are in, a stand-in daemon its app-server strategy is ready for).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { AgentRecord } from "@oxtail/core";
import { makeAgentRecord, runClientAdapterConformance } from "@oxtail/core/testing";
import { afterAll, describe, test } from "vitest";
import codexAdapter from "../src/index.ts";
import { fakeDaemon } from "./fake-daemon.ts";
import { CODEX_HOME, FIXTURES, recordedRollout } from "./fixtures.ts";

const { file, threadId } = recordedRollout();
/** A Codex home for the wake group, where the stand-in daemon listens (short: a unix socket path). */
const WAKE_HOME = fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-codex-kit-"));
afterAll(() => fs.rmSync(WAKE_HOME, { recursive: true, force: true }));

const context = (over: Record<string, unknown> = {}) => ({
  env: {},
  clientInfo: null,
  pid: process.pid,
  cwd: "/tmp",
  startedAt: Date.now(),
  ...over,
});
const agent = (client: Partial<AgentRecord["client"]>): AgentRecord =>
  makeAgentRecord({ client: { type: "codex", name: "codex-mcp-client", ...client } });

/**
 * Hook payloads in the shapes Codex 0.169.0 writes them (../shared/realclients §6.2: the thread id as
 * `session_id`, no session variable); PreToolUse and Stop with the fields of the shared hook format.
 */
const common = {
  session_id: threadId,
  turn_id: "01a20e4c-7da6-7460-ab9e-adc50c11d2b1",
  transcript_path: file,
  cwd: "/tmp/oxtail-fixture-proj-y5cfaY",
  model: "gpt-6.1-sol",
  permission_mode: "bypassPermissions",
};
const PAYLOADS = {
  PreToolUse: {
    ...common,
    hook_event_name: "PreToolUse",
    tool_name: "shell",
    tool_input: { command: ["ls"] },
  },
  Stop: { ...common, hook_event_name: "Stop", stop_hook_active: false },
  SessionStart: { ...common, hook_event_name: "SessionStart", source: "startup" },
  UserPromptSubmit: { ...common, hook_event_name: "UserPromptSubmit", prompt: "hello wake" },
};

/** A user's own Codex files: settings with comments, another MCP server, their own hooks. */
const USER_FILES = {
  ".codex/config.toml": '# mine\nmodel = "x"  # keep\n\n[mcp_servers.other]\ncommand = "o"\n',
  ".codex/hooks.json":
    '{\n  "hooks": {\n    "Stop": [{ "hooks": [{ "type": "command", "command": "notify-send done" }] }]\n  }\n}\n',
};

describe("Codex adapter: conformance", () => {
  runClientAdapterConformance(test, () => codexAdapter({ codexHome: CODEX_HOME }), {
    detection: {
      matching: context({
        clientInfo: { name: "codex-mcp-client", version: "0.169.0" },
        env: { CODEX_THREAD_ID: threadId },
      }),
      notMatching: context({ clientInfo: { name: "claude-code" } }),
      expectedSessionId: threadId,
    },
    transcripts: [
      { path: file, sessionId: threadId, minTurns: 6 },
      { path: path.join(FIXTURES, "edge", "compacted.jsonl"), minTurns: 7 },
      { path: path.join(FIXTURES, "edge", "ends-mid-turn.jsonl"), minTurns: 4 },
    ],
    liveness: [
      { agent: agent({ session_id: threadId, transcript_path: file }), states: ["idle"] },
      {
        agent: agent({ transcript_path: path.join(FIXTURES, "edge", "ends-mid-turn.jsonl") }),
        states: ["busy"],
      },
    ],
    hooks: { sessionId: threadId, payloads: PAYLOADS },
    onboarding: { make: () => codexAdapter(), homes: [USER_FILES] },
    wake: {
      make: () => codexAdapter({ codexHome: WAKE_HOME }),
      strategies: {
        "codex-app-server": {
          async ready() {
            const daemon = await fakeDaemon(WAKE_HOME);
            return {
              target: { agent: agent({ session_id: threadId }), adapter: null, options: {} },
              acted: () => daemon.connections() > 0,
              cleanup: () => daemon.close(),
            };
          },
        },
      },
    },
  });
});
