import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { summarizeArguments } from "@oxtail/core";
import { afterEach, describe, expect, it } from "vitest";
import { readCodexRollout } from "../src/transcript.ts";
import { FIXTURES, recordedRollout } from "./fixtures.ts";

const { file } = recordedRollout();
const EXPECTED: [string, string][] = [
  ["user", "Give me an overview of this project."],
  ["assistant", "The project has a README describing a fixture project."],
  ["user", "Ping the echo tool."],
  ["assistant", "Echo said: Wall time: 0.0045 seconds\nOutput:echo: fixture ping"],
  ["user", "Anything else?"],
  ["assistant", "Done."],
];

describe("Codex rollout reader, on a real rollout", () => {
  it("extracts the typed prompts and assistant answers, leaving Codex's own context out", async () => {
    const tail = await readCodexRollout(file, { limit: 100 });
    expect(tail.turns.map((t) => [t.role, t.text])).toEqual(EXPECTED);
    expect(tail.truncated).toBe(false);
    expect(tail.totalTurns).toBe(6);
    expect(JSON.stringify(tail.turns)).not.toContain("environment_context");
  });

  it("attaches tool calls to the answer they led to, with their outputs", async () => {
    const { turns } = await readCodexRollout(file, { limit: 100 });
    expect(turns[1]?.toolCalls.map((c) => [c.name, c.summary])).toEqual([
      ["exec_command", 'cmd="ls -a"'],
      ["exec_command", 'cmd="cat README.md"'],
    ]);
    expect(turns[1]?.toolCalls[1]?.result).toContain("# fixture project");
    expect(turns[3]?.toolCalls).toEqual([
      {
        name: "mcp__echo__echo",
        summary: 'text="fixture ping"',
        result: expect.stringContaining("echo: fixture ping"),
      },
    ]);
    expect(turns.every((t) => t.timestamp && !Number.isNaN(Date.parse(t.timestamp)))).toBe(true);
  });

  it("returns only the newest turns and says it was truncated", async () => {
    const tail = await readCodexRollout(file, { limit: 2 });
    expect(tail.turns.map((t) => t.text)).toEqual(["Anything else?", "Done."]);
    expect(tail.truncated).toBe(true);
    expect(tail.totalTurns).toBeNull();
  });
});

describe("Codex rollout reader, on damaged and compacted files", () => {
  it("skips malformed, partial and unknown lines", async () => {
    const tail = await readCodexRollout(path.join(FIXTURES, "edge", "malformed-lines.jsonl"), { limit: 100 });
    expect(tail.turns.map((t) => [t.role, t.text])).toEqual(EXPECTED);
  });

  it("reads a file without a final newline", async () => {
    const tail = await readCodexRollout(path.join(FIXTURES, "edge", "no-final-newline.jsonl"), { limit: 1 });
    expect(tail.turns.map((t) => t.text)).toEqual(["Done."]);
  });

  it("reads a rollout that ends mid-turn: the pending call has no output yet", async () => {
    const tail = await readCodexRollout(path.join(FIXTURES, "edge", "ends-mid-turn.jsonl"), { limit: 2 });
    expect(tail.turns.map((t) => [t.role, t.text])).toEqual([
      ["user", "Ping the echo tool."],
      ["assistant", ""],
    ]);
    expect(tail.turns[1]?.toolCalls).toEqual([
      { name: "mcp__echo__echo", summary: 'text="fixture ping"', result: null },
    ]);
  });

  it("shows a compaction as a system turn with its summary", async () => {
    const tail = await readCodexRollout(path.join(FIXTURES, "edge", "compacted.jsonl"), { limit: 3 });
    expect(tail.turns.map((t) => [t.role, t.text])).toEqual([
      ["system", "Conversation compacted. Summary: The user asked for an overview and pinged the echo tool."],
      ["user", "Anything else?"],
      ["assistant", "Done."],
    ]);
  });

  it("a missing file is no-transcript", async () => {
    await expect(readCodexRollout(path.join(FIXTURES, "none.jsonl"), { limit: 1 })).rejects.toMatchObject({
      code: "no-transcript",
    });
  });
});

describe("argument summaries", () => {
  it("parse JSON-string arguments, and keep unparsable ones as text", () => {
    expect(summarizeArguments('{"cmd":"ls","login":false}')).toBe('cmd="ls" login=false');
    expect(summarizeArguments("not json")).toBe("not json");
  });
});

describe("Codex rollout reader, on a public sample (Codex 0.77)", () => {
  it("finds the one typed prompt, leaving AGENTS.md instructions and environment context out", async () => {
    const tail = await readCodexRollout(path.join(FIXTURES, "public", "codex-0.77-session.jsonl"), {
      limit: 10,
    });
    expect(tail.turns).toEqual([
      {
        role: "user",
        text: "can you analyse the MD files in this directory and determine if the info we have is clear enough to start planning the migration?",
        timestamp: "2025-12-28T12:21:44.491Z",
        toolCalls: [],
      },
    ]);
    expect(tail.totalTurns).toBe(1);
  });
});

describe("Codex rollout reader: a tool call after the last assistant message", () => {
  const line = (ts: string, payload: Record<string, unknown>) =>
    JSON.stringify({ timestamp: ts, type: "response_item", payload });
  const rollout = (lines: string[]) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-codex-tail-"));
    made.push(dir);
    const file = path.join(dir, "rollout.jsonl");
    fs.writeFileSync(file, `${lines.join("\n")}\n`);
    return file;
  };
  const made: string[] = [];
  afterEach(() => {
    for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });
  const prompt = line("2026-11-01T10:00:00.000Z", {
    type: "message",
    role: "user",
    content: [{ type: "input_text", text: "Do it." }],
  });
  const answer = line("2026-11-01T10:00:01.000Z", {
    type: "message",
    role: "assistant",
    content: [{ type: "output_text", text: "Working on it." }],
  });
  const call = line("2026-11-01T10:00:02.000Z", {
    type: "function_call",
    name: "exec_command",
    arguments: '{"cmd":"ls"}',
    call_id: "c1",
  });

  it("is its own turn, with its own time, when the rollout ends right after it", async () => {
    const tail = await readCodexRollout(rollout([prompt, answer, call]), { limit: 10 });
    expect(tail.turns.map((t) => [t.role, t.text, t.timestamp, t.toolCalls.length])).toEqual([
      ["user", "Do it.", "2026-11-01T10:00:00.000Z", 0],
      ["assistant", "Working on it.", "2026-11-01T10:00:01.000Z", 0],
      ["assistant", "", "2026-11-01T10:00:02.000Z", 1],
    ]);
  });

  it("is its own turn when the turn is aborted right after it", async () => {
    const aborted = JSON.stringify({
      timestamp: "2026-11-01T10:00:03.000Z",
      type: "event_msg",
      payload: { type: "turn_aborted", reason: "interrupted" },
    });
    const tail = await readCodexRollout(rollout([prompt, answer, call, aborted]), { limit: 2 });
    expect(tail.turns.map((t) => [t.text, t.toolCalls.map((c) => c.name)])).toEqual([
      ["Working on it.", []],
      ["", ["exec_command"]],
    ]);
  });
});
