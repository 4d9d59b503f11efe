// The Gemini CLI adapter passes the whole conformance kit: every capability it declares, with the inputs
// the kit needs (hook payloads as Gemini CLI 0.61.0 writes them, the user's own settings.json, agents
// and the states they are in). Its wake is oxtail's tmux strategy only: no strategy of its own to test.
import type { AgentRecord } from "@oxtail/core";
import { makeAgentRecord, runClientAdapterConformance } from "@oxtail/core/testing";
import { describe, test } from "vitest";
import geminiAdapter from "../src/index.ts";
import { edge, GEMINI_HOME, recordedChat } from "./fixtures.ts";

const { file, sessionId } = recordedChat();

const context = (over: Record<string, unknown> = {}) => ({
  env: {},
  clientInfo: null,
  pid: process.pid,
  cwd: "/tmp",
  startedAt: Date.now(),
  ...over,
});
const agent = (client: Partial<AgentRecord["client"]>): AgentRecord =>
  makeAgentRecord({ client: { type: "gemini", name: "gemini-cli-mcp-client", ...client } });

/**
 * Hook payloads in the shapes Gemini CLI 0.61.0 writes them (logged from the real client, see
 * docs/adapters/gemini.md): `session_id`, `transcript_path`, `cwd`, `hook_event_name`, `timestamp`,
 * and each event's own fields.
 */
const common = {
  session_id: sessionId,
  transcript_path: file,
  cwd: "/tmp/oxtail-fixture-proj-zgnncm",
  timestamp: "2026-12-02T11:44:38.700Z",
};
const PAYLOADS = {
  AfterTool: {
    ...common,
    hook_event_name: "AfterTool",
    tool_name: "mcp_echo_echo",
    tool_input: { text: "fixture ping" },
    tool_response: { llmContent: "echo: fixture ping", returnDisplay: "echo: fixture ping" },
    mcp_context: { server_name: "echo", tool_name: "echo" },
  },
  AfterAgent: {
    ...common,
    hook_event_name: "AfterAgent",
    prompt: "Anything else?",
    prompt_response: "Done.",
    stop_hook_active: false,
  },
  SessionStart: { ...common, hook_event_name: "SessionStart", source: "startup" },
  BeforeAgent: { ...common, hook_event_name: "BeforeAgent", prompt: "Ping the echo tool." },
};

/** A user's own Gemini CLI settings: comments, auth, another MCP server, their own hooks. */
const USER_FILES = {
  ".gemini/settings.json":
    '{\n  // mine\n  "security": { "auth": { "selectedType": "gemini-api-key" } },\n  "mcpServers": {\n    "other": { "command": "o" }\n  },\n  "hooks": {\n    "AfterAgent": [{ "hooks": [{ "type": "command", "command": "notify-send done" }] }],\n    "BeforeTool": [\n      { "matcher": "run_shell_command", "hooks": [{ "type": "command", "command": "guard" }] }\n    ]\n  }\n}\n',
};

describe("Gemini CLI adapter: conformance", () => {
  runClientAdapterConformance(test, () => geminiAdapter({ geminiDir: GEMINI_HOME }), {
    detection: {
      matching: context({
        clientInfo: { name: "gemini-cli-mcp-client", version: "0.61.0" },
        env: { GEMINI_CLI: "1", TMUX_PANE: "%3" },
        oxtailHome: null,
      }),
      notMatching: context({ clientInfo: { name: "claude-code" } }),
    },
    transcripts: [
      { path: file, sessionId, minTurns: 6 },
      { path: edge("malformed-lines.jsonl"), minTurns: 6 },
      { path: edge("ends-mid-turn.jsonl"), minTurns: 4 },
      { path: edge("rewound.jsonl"), minTurns: 4 },
    ],
    liveness: [
      { agent: agent({ session_id: sessionId, transcript_path: file }), states: ["idle"] },
      { agent: agent({ transcript_path: edge("ends-mid-turn.jsonl") }), states: ["busy"] },
    ],
    hooks: { sessionId, payloads: PAYLOADS, env: { GEMINI_SESSION_ID: sessionId } },
    onboarding: { make: () => geminiAdapter(), homes: [USER_FILES] },
  });
});
