import type { ClientHooks, HookEventSpec } from "@oxtail/core";
import { TOOL_AFTER_EVENT } from "./plugin.js";

/**
 * OpenCode runs no command hooks: oxtail's plugin (plugin.ts) runs the hook program itself, after
 * each tool call of a session (`tool.execute.after`, which OpenCode 1.18.33 triggers for its own and
 * MCP tools; the plugin may change the tool's `output`, and the model reads the changed one). The
 * payload is the plugin's `{ session_id, hook_event_name }`, the session id being the UUID oxtail
 * names an OpenCode session by (ids.ts). The answer is the framed mail as plain text on stdout, which
 * the plugin appends to the tool's output. OpenCode has no event that runs before a turn ends and can
 * continue it, nor one that adds to a typed prompt: mail that comes while it sits idle waits for a
 * wake (`prompt_async`) or for `read_my_messages`.
 */
export const OPENCODE_HOOK_EVENTS: readonly HookEventSpec[] = [
  { event: TOOL_AFTER_EVENT, role: "mid-turn", state: "busy" },
];

const uuid = (value: unknown): string | null =>
  typeof value === "string" && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(value)
    ? value
    : null;

/** OpenCode's part of the hook contract, as its plugin speaks it. */
export const openCodeHooks: ClientHooks = {
  events: OPENCODE_HOOK_EVENTS,
  sessionId: (payload) => uuid(payload.session_id),
  answer: (_event, delivery) => (delivery ? { stdout: delivery.text, exitCode: 0 } : { exitCode: 0 }),
};
