import { describe, expect, it } from "vitest";
import { offeredTools, toolResultsOf } from "../src/endpoint.ts";
import { findToolName, resolveStep, SCRIPT_EXHAUSTED_TEXT, ScriptCursor } from "../src/script.ts";

describe("script cursor", () => {
  it("hands out steps turn by turn, then reports exhaustion", () => {
    const cursor = new ScriptCursor([
      [{ say: "a" }],
      [],
      [{ tool: "t", server: "s", args: {} }, { say: "b" }],
    ]);
    expect(cursor.remaining).toBe(3);
    expect(cursor.next()).toEqual({ say: "a" });
    expect(cursor.next()).toMatchObject({ tool: "t" });
    expect(cursor.remaining).toBe(1);
    expect(cursor.next()).toEqual({ say: "b" });
    expect(cursor.next()).toBeNull();
    expect(resolveStep(null, [], null)).toEqual({ kind: "text", text: SCRIPT_EXHAUSTED_TEXT });
  });
});

describe("tool names", () => {
  it("finds a client's name for an MCP tool (Claude prefixes, Codex namespaces)", () => {
    expect(findToolName(["Bash", "mcp__oxtail__send_message"], "oxtail", "send_message")).toBe(
      "mcp__oxtail__send_message",
    );
    expect(findToolName(["mcp__echo__echo"], "echo", "echo")).toBe("mcp__echo__echo");
    expect(findToolName(["Bash"], "echo", "echo")).toBeNull();
  });

  it("resolves a tool step, or says plainly that the tool is not offered", () => {
    expect(
      resolveStep({ tool: "echo", server: "echo", args: { text: "x" } }, ["mcp__echo__echo"], null),
    ).toEqual({
      kind: "tool",
      name: "mcp__echo__echo",
      args: { text: "x" },
    });
    const missing = resolveStep({ tool: "echo", server: "echo", args: {} }, ["Bash"], null);
    expect(missing).toMatchObject({ kind: "text" });
    expect((missing as { text: string }).text).toContain("not offered");
    expect(resolveStep({ sayLastToolResult: true, prefix: "got: " }, [], "42")).toEqual({
      kind: "text",
      text: "got: 42",
    });
  });

  it("flattens Responses-API namespaces", () => {
    const body = {
      tools: [
        { type: "function", name: "exec_command" },
        { type: "namespace", name: "mcp__echo", tools: [{ type: "function", name: "echo" }] },
      ],
    };
    expect(offeredTools("openai", body)).toEqual(["exec_command", "mcp__echo__echo"]);
  });
});

describe("tool results in requests", () => {
  it("reads Anthropic tool_result blocks (string or text blocks)", () => {
    const body = {
      messages: [
        { role: "user", content: "hi" },
        { role: "assistant", content: [{ type: "tool_use", id: "1" }] },
        {
          role: "user",
          content: [{ type: "tool_result", tool_use_id: "1", content: [{ type: "text", text: "one" }] }],
        },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "2", content: "two" }] },
      ],
    };
    expect(toolResultsOf("anthropic", body)).toEqual(["one", "two"]);
  });

  it("reads Responses-API function_call_output items", () => {
    const body = {
      input: [{ type: "message" }, { type: "function_call_output", call_id: "c", output: "Output:echo: x" }],
    };
    expect(toolResultsOf("openai", body)).toEqual(["Output:echo: x"]);
  });
});
