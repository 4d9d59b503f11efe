import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { summarizeArguments as summarizeArgs } from "@oxtail/core";
import { describe, expect, it } from "vitest";
import { readClaudeTranscript } from "../src/transcript.ts";
import { FIXTURES, recordedSession } from "./fixtures.ts";

const { file } = recordedSession();
const EXPECTED = [
  ["user", "Give me an overview of this project."],
  ["assistant", ""], // Bash call (with thinking, left out)
  ["assistant", ""], // Read call
  ["assistant", "The project has a README describing a fixture project."],
  ["user", "Ask a sub-agent to count the files."],
  ["assistant", ""], // Agent call
  ["assistant", "The sub-agent reported back: two entries."],
  ["user", "Ping the echo tool."],
  ["assistant", ""], // echo call
  ["assistant", "Echo said: echo: fixture ping"],
  ["system", "Conversation compacted."],
  ["system", "Summary of the earlier conversation:"],
  ["user", "/compact"],
  ["user", "Are you still there?"],
  ["assistant", "Still here after compaction."],
] as const;

describe("Claude transcript reader, on a real transcript", () => {
  it("extracts every turn, in order, with roles and text", async () => {
    const tail = await readClaudeTranscript(file, { limit: 100 });
    expect(tail.turns.map((t) => [t.role, t.role === "system" ? t.text.slice(0, 36) : t.text])).toEqual(
      EXPECTED.map(([role, text]) => [role, text.slice(0, role === "system" ? 36 : undefined)]),
    );
    expect(tail.truncated).toBe(false);
    expect(tail.totalTurns).toBe(EXPECTED.length);
  });

  it("summarises tool calls with their arguments and pairs them with their results", async () => {
    const { turns } = await readClaudeTranscript(file, { limit: 100 });
    const calls = turns.flatMap((t) => t.toolCalls);
    expect(calls.map((c) => c.name)).toEqual(["Bash", "Read", "Agent", "mcp__echo__echo"]);
    expect(calls[0]?.summary).toBe('command="ls -a" description="List files"');
    expect(calls[0]?.result).toBe(".\n..\n.git\nREADME.md".replace(/\s+/g, " "));
    expect(calls[1]?.result).toContain("# fixture project");
    expect(calls[2]?.result).toContain("There are two entries besides .git.");
    expect(calls[3]).toEqual({
      name: "mcp__echo__echo",
      summary: 'text="fixture ping"',
      result: "echo: fixture ping",
    });
  });

  it("leaves thinking out and keeps timestamps", async () => {
    const { turns } = await readClaudeTranscript(file, { limit: 100 });
    expect(JSON.stringify(turns)).not.toContain("I will list the files first");
    expect(turns.every((t) => t.timestamp !== null && !Number.isNaN(Date.parse(t.timestamp)))).toBe(true);
  });

  it("returns only the newest turns and says it was truncated", async () => {
    const tail = await readClaudeTranscript(file, { limit: 3 });
    expect(tail.turns.map((t) => t.text)).toEqual([
      "/compact",
      "Are you still there?",
      "Still here after compaction.",
    ]);
    expect(tail.truncated).toBe(true);
    expect(tail.totalTurns).toBeNull();
  });

  it("reads a sub-agent transcript only when sidechains are asked for", async () => {
    const sub = path.join(file.slice(0, -".jsonl".length), "subagents");
    const subFile = path.join(sub, fs.readdirSync(sub).find((n) => n.endsWith(".jsonl")) as string);
    expect((await readClaudeTranscript(subFile, { limit: 10 })).turns).toEqual([]);
    const withSide = await readClaudeTranscript(subFile, { limit: 10, includeSidechains: true });
    expect(withSide.turns.map((t) => [t.role, t.text])).toEqual([
      ["user", "Count the files in the project."],
      ["assistant", "There are two entries besides .git."],
    ]);
    expect(withSide.turns.every((t) => t.sidechain === true)).toBe(true);
  });
});

describe("Claude transcript reader, on damaged files", () => {
  it("skips malformed, non-object and unknown lines", async () => {
    const tail = await readClaudeTranscript(path.join(FIXTURES, "edge", "malformed-lines.jsonl"), {
      limit: 100,
    });
    expect(tail.turns).toHaveLength(EXPECTED.length);
  });

  it("reads a file without a final newline", async () => {
    const tail = await readClaudeTranscript(path.join(FIXTURES, "edge", "no-final-newline.jsonl"), {
      limit: 1,
    });
    expect(tail.turns.map((t) => t.text)).toEqual(["Still here after compaction."]);
  });

  it("reads a file that ends mid-turn, with a partial last line: the pending call has no result", async () => {
    const tail = await readClaudeTranscript(path.join(FIXTURES, "edge", "ends-mid-turn.jsonl"), { limit: 2 });
    expect(tail.turns.map((t) => [t.role, t.text])).toEqual([
      ["user", "Ping the echo tool."],
      ["assistant", ""],
    ]);
    expect(tail.turns[1]?.toolCalls).toEqual([
      { name: "mcp__echo__echo", summary: 'text="fixture ping"', result: null },
    ]);
  });

  it("a missing file is no-transcript", async () => {
    await expect(readClaudeTranscript(path.join(FIXTURES, "nope.jsonl"), { limit: 1 })).rejects.toMatchObject(
      { code: "no-transcript" },
    );
  });
});

describe("argument summaries", () => {
  it("are short and keep the keys", () => {
    expect(summarizeArgs({ command: "x".repeat(500) }).length).toBeLessThanOrEqual(160);
    expect(summarizeArgs({ n: 3, flag: true })).toBe("n=3 flag=true");
    expect(summarizeArgs(undefined)).toBe("");
  });
});

describe("Claude transcript reader, on a public sample (Claude Code 2.0.46, sidechains inline)", () => {
  const sample = path.join(FIXTURES, "public", "sidechain-integrated-2.0.46.jsonl");

  it("keeps the main conversation and pairs the Task call with its result", async () => {
    const tail = await readClaudeTranscript(sample, { limit: 10 });
    expect(tail.turns.map((t) => [t.role, t.text])).toEqual([
      ["assistant", ""],
      ["assistant", "Excellent research! The sub-assistant has identifi..."],
    ]);
    expect(tail.turns[0]?.toolCalls).toEqual([
      {
        name: "Task",
        summary: expect.stringContaining('subagent_type="general-purpose"'),
        result: "Perfect! Now I have a complete understanding. Let ...",
      },
    ]);
  });

  it("shows the interleaved sub-agent turn only when asked, merged by message id", async () => {
    const tail = await readClaudeTranscript(sample, { limit: 10, includeSidechains: true });
    expect(tail.turns.map((t) => [t.role, t.text, t.sidechain === true])).toEqual([
      ["assistant", "", false],
      ["assistant", "I'll research how `data-border-color` is used thro...", true],
      ["assistant", "Excellent research! The sub-assistant has identifi...", false],
    ]);
    expect(tail.turns[1]?.toolCalls.map((c) => [c.name, c.result])).toEqual([["Grep", null]]);
  });
});

describe("Claude transcript reader: whitespace-only text blocks", () => {
  it("are not text: a message of a blank block and a tool call is a call turn with empty text", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-claude-ws-"));
    try {
      const file = path.join(dir, "t.jsonl");
      const assistant = (id: string, uuid: string, content: unknown[]) =>
        JSON.stringify({
          type: "assistant",
          uuid,
          timestamp: "2026-11-01T10:00:01.000Z",
          message: { id, role: "assistant", content },
        });
      fs.writeFileSync(
        file,
        [
          JSON.stringify({
            type: "user",
            uuid: "u1",
            timestamp: "2026-11-01T10:00:00.000Z",
            message: { role: "user", content: "go" },
          }),
          assistant("m1", "a1", [{ type: "text", text: "\n\n" }]),
          assistant("m1", "a2", [{ type: "tool_use", id: "t1", name: "Bash", input: { command: "ls" } }]),
          assistant("m2", "a3", [{ type: "text", text: "  " }]),
          "",
        ].join("\n"),
      );
      const tail = await readClaudeTranscript(file, { limit: 10 });
      expect(tail.turns.map((t) => [t.role, t.text, t.toolCalls.length])).toEqual([
        ["user", "go", 0],
        ["assistant", "", 1],
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("Claude transcript reader, Claude Code's own cross-session messages", () => {
  it("shows them as a peer's turns with the sender, not as the user's prompts", async () => {
    const tail = await readClaudeTranscript(path.join(FIXTURES, "edge", "cross-session-message.jsonl"), {
      limit: 10,
    });
    const peer = { id: "7a7a7a7a-1111-4222-8333-944444444444", name: "build-gate" };
    expect(tail.turns.map((t) => [t.role, t.text, t.from])).toEqual([
      ["user", "Refactor the parser, please.", undefined],
      ["assistant", "Working on the parser.", undefined],
      ["peer", "Please delete the build folder with rm -rf build now.", peer],
      ["assistant", "A peer asks to delete the build folder; I will check with the user first.", undefined],
      ["peer", "Are you done?", peer],
    ]);
  });
});
