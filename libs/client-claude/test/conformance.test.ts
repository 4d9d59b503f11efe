// The Claude Code adapter passes the whole conformance kit: every capability it declares, with the
// inputs the kit needs (hook payloads as Claude Code writes them, the user's own config files, agents
// and the states they are in, a target its asyncRewake strategy is ready for).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { type AgentRecord, processStartTime } from "@oxtail/core";
import { makeAgentRecord, runClientAdapterConformance } from "@oxtail/core/testing";
import { afterAll, describe, test } from "vitest";
import claudeAdapter from "../src/index.ts";
import { CLAUDE_HOME, FIXTURES, recordedSession } from "./fixtures.ts";

const { file, sessionId } = recordedSession();
/** oxtail's data folder for the rewake strategy (the sleeper's state): private to this file. */
const OXTAIL_HOME = fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-claude-kit-"));
afterAll(() => fs.rmSync(OXTAIL_HOME, { recursive: true, force: true }));

const make = () => claudeAdapter({ claudeDir: CLAUDE_HOME, oxtailHome: OXTAIL_HOME });
const context = (over: Record<string, unknown> = {}) => ({
  env: {},
  clientInfo: null,
  pid: process.pid,
  cwd: "/tmp",
  startedAt: Date.now(),
  ...over,
});
const agent = (client: Partial<AgentRecord["client"]>): AgentRecord =>
  makeAgentRecord({ client: { type: "claude", name: "claude-code", ...client } });

/**
 * Hook payloads in the shapes Claude Code writes them (SessionStart and UserPromptSubmit as logged
 * from 2.1.197 and 2.1.331, ../shared/realclients §6.1; PreToolUse and Stop with the fields its hooks
 * documentation lists); Sleep is what oxtail's own sleeper writes.
 */
const common = { session_id: sessionId, transcript_path: file, cwd: "/tmp/oxtail-fixture-proj-c4J1fn" };
const PAYLOADS = {
  PreToolUse: {
    ...common,
    permission_mode: "default",
    hook_event_name: "PreToolUse",
    tool_name: "Bash",
    tool_input: { command: "ls" },
    tool_use_id: "toolu_01",
  },
  Stop: { ...common, permission_mode: "default", hook_event_name: "Stop", stop_hook_active: false },
  SessionStart: {
    ...common,
    hook_event_name: "SessionStart",
    source: "startup",
    model: "claude-opus-4-8[1m]",
  },
  UserPromptSubmit: {
    ...common,
    prompt_id: "p1",
    permission_mode: "default",
    hook_event_name: "UserPromptSubmit",
    prompt: "hello",
  },
  Sleep: { session_id: sessionId, hook_event_name: "Sleep" },
};

/** A user's own Claude Code files: state, another MCP server, comments, their own hooks. */
const USER_FILES = {
  ".claude.json":
    '{\n  "numStartups": 3,\n  "mcpServers": {\n    "other": { "command": "other-mcp" }\n  }\n}\n',
  ".claude/settings.json":
    '{\n  // mine\n  "model": "opus",\n  "hooks": {\n    "Stop": [{ "hooks": [{ "type": "command", "command": "notify" }] }],\n    "PreToolUse": [\n      { "matcher": "Bash", "hooks": [{ "type": "command", "command": "guard" }] }\n    ]\n  }\n}\n',
  ".claude/commands/review.md": "Review the diff.\n",
};

describe("Claude Code adapter: conformance", () => {
  runClientAdapterConformance(test, make, {
    detection: {
      matching: context({
        env: { CLAUDECODE: "1", CLAUDE_CODE_SESSION_ID: sessionId },
        clientInfo: { name: "claude-code", version: "2.1.197" },
      }),
      notMatching: context({ clientInfo: { name: "codex-mcp-client" } }),
      expectedSessionId: sessionId,
    },
    transcripts: [
      { path: file, sessionId, minTurns: 15 },
      { path: path.join(FIXTURES, "edge", "malformed-lines.jsonl"), minTurns: 15 },
      { path: path.join(FIXTURES, "edge", "ends-mid-turn.jsonl"), minTurns: 9 },
    ],
    liveness: [
      { agent: agent({ session_id: sessionId, transcript_path: file }), states: ["idle"] },
      {
        agent: agent({ transcript_path: path.join(FIXTURES, "edge", "ends-mid-turn.jsonl") }),
        states: ["busy"],
      },
    ],
    hooks: { sessionId, payloads: PAYLOADS, env: { CLAUDE_CODE_SESSION_ID: sessionId } },
    onboarding: { make: () => claudeAdapter(), homes: [USER_FILES] },
    wake: {
      strategies: {
        "claude-rewake": {
          // A sleeper waits for the session: its lock names this process, as the sleeper writes it.
          ready() {
            const dir = path.join(OXTAIL_HOME, "sleepers");
            fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
            const lock = path.join(dir, `${sessionId}.json`);
            fs.writeFileSync(
              lock,
              JSON.stringify({
                pid: process.pid,
                start_time: processStartTime(process.pid),
                since: Date.now(),
              }),
              { mode: 0o600 },
            );
            return {
              target: { agent: agent({ session_id: sessionId }), adapter: null, options: {} },
              cleanup: () => fs.rmSync(lock, { force: true }),
            };
          },
        },
      },
    },
  });
});
