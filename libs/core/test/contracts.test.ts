import { describe, expect, it } from "vitest";
import { ERROR_CODES } from "../src/errors.ts";
import { TOOL_CONTRACTS, TOOL_NAMES, ToolErrorSchema } from "../src/tools/contracts.ts";

const SPEC_TOOLS = [
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
];

describe("tool contracts", () => {
  it("cover every tool of SPEC §3, in order", () => {
    expect(TOOL_NAMES).toEqual(SPEC_TOOLS);
  });

  it.each(SPEC_TOOLS)("%s has a description, a title and all four annotations", (name) => {
    const contract = TOOL_CONTRACTS[name as keyof typeof TOOL_CONTRACTS];
    expect(contract.name).toBe(name);
    // One sentence that says when to use the tool (the budget of docs/tokens.md keeps it short).
    expect(contract.description.length).toBeGreaterThan(40);
    expect(contract.title.length).toBeGreaterThan(0);
    expect(Object.keys(contract.annotations).sort()).toEqual([
      "destructiveHint",
      "idempotentHint",
      "openWorldHint",
      "readOnlyHint",
    ]);
  });

  it("send_message says it does not wait, and points to ask_peer", () => {
    expect(TOOL_CONTRACTS.send_message.description).toMatch(/does NOT wait/);
    expect(TOOL_CONTRACTS.send_message.description).toMatch(/ask_peer/);
  });

  it('send_message takes one target, a list or "*"; ask_peer refuses both plainly', () => {
    const send = TOOL_CONTRACTS.send_message.input;
    expect(send.safeParse({ target: ["a", "b"], body: "x" }).success).toBe(true);
    expect(send.safeParse({ target: "*", body: "x" }).success).toBe(true);
    expect(send.safeParse({ target: [], body: "x" }).success).toBe(false);
    const ask = TOOL_CONTRACTS.ask_peer.input;
    for (const target of [["a", "b"], "*"]) {
      const parsed = ask.safeParse({ target, body: "x" });
      expect(parsed.success).toBe(false);
      expect(parsed.error?.issues[0]?.message).toMatch(/ask_peer asks exactly one peer/);
    }
  });

  it("message_status takes either id or ids", () => {
    const input = TOOL_CONTRACTS.message_status.input;
    expect(input.safeParse({ id: "x" }).success).toBe(true);
    expect(input.safeParse({ ids: ["x", "y"] }).success).toBe(true);
    expect(input.safeParse({}).success).toBe(false);
    expect(input.safeParse({ id: "x", ids: ["y"] }).success).toBe(false);
  });

  it("read-only tools are marked read-only; consuming mail is not", () => {
    expect(TOOL_CONTRACTS.list_project_sessions.annotations.readOnlyHint).toBe(true);
    expect(TOOL_CONTRACTS.read_session.annotations.readOnlyHint).toBe(true);
    expect(TOOL_CONTRACTS.read_my_messages.annotations.readOnlyHint).toBe(false);
  });

  it("apply input defaults and refuse bad inputs", () => {
    expect(TOOL_CONTRACTS.read_session.input.parse({ name: "peer" })).toEqual({
      name: "peer",
      mode: "auto",
      limit: 20,
      pane_lines: 80,
    });
    expect(TOOL_CONTRACTS.read_session.input.safeParse({ name: "peer", mode: "shell" }).success).toBe(false);
    expect(TOOL_CONTRACTS.send_message.input.safeParse({ target: "", body: "x" }).success).toBe(false);
    expect(TOOL_CONTRACTS.ask_peer.input.safeParse({ target: "p", body: "x", timeout_ms: -1 }).success).toBe(
      false,
    );
  });

  it("an error result carries one of the contract's codes", () => {
    for (const code of ERROR_CODES) {
      expect(ToolErrorSchema.parse({ ok: false, error: code, message: "m" }).error).toBe(code);
    }
    expect(ToolErrorSchema.safeParse({ ok: false, error: "made-up", message: "m" }).success).toBe(false);
  });
});
