import fs from "node:fs";
import path from "node:path";
import type { Tool } from "@modelcontextprotocol/sdk/types.js";

/** The tools, in the order `tools/list` shows them (SPEC §3). */
export const TOOL_ORDER = [
  "list_project_sessions",
  "read_session",
  "claim_session",
  "set_my_state",
  "send_message",
  "read_my_messages",
  "ask_peer",
  "register_my_session",
  "get_my_session",
  "wake_status",
  "message_status",
] as const;

/** The server's instructions to the client (shown to the model by some clients). */
export const INSTRUCTIONS =
  "oxtail: see and talk to the other coding agents working in this project. Start with list_project_sessions.";

/** Where the build writes the tool definitions (next to the bundle): `tools/list` needs no schema work. */
export const TOOL_DEFINITIONS_FILE = "tool-definitions.json";

/**
 * The definitions `tools/list` answers with: from the build's JSON file when there is one (so the
 * answer costs no import of the contracts), else made from core's contracts.
 */
export async function loadToolList(): Promise<Tool[]> {
  try {
    return JSON.parse(
      fs.readFileSync(path.join(import.meta.dirname, TOOL_DEFINITIONS_FILE), "utf8"),
    ) as Tool[];
  } catch {
    const { toolDefinitions } = await import("./tool-definitions.js");
    return toolDefinitions();
  }
}
