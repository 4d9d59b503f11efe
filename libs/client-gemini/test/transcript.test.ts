// The chat reader on the recorded chat and on the file's update forms: re-appended messages, rewinds,
// a whole-history `$set`, hook context and the session context.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { makeAgentRecord } from "@oxtail/core/testing";
import { afterAll, describe, expect, it } from "vitest";
import { geminiLiveness } from "../src/liveness.ts";
import { findChat } from "../src/paths.ts";
import { readGeminiChat } from "../src/transcript.ts";
import { edge, GEMINI_HOME, recordedChat } from "./fixtures.ts";

const { file, sessionId } = recordedChat();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-gemini-chat-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const write = (name: string, records: unknown[]) => {
  const out = path.join(dir, name);
  fs.writeFileSync(out, `${records.map((r) => JSON.stringify(r)).join("\n")}\n`);
  return out;
};
const meta = { sessionId, projectHash: "x", startTime: "2026-12-02T11:44:21.811Z", kind: "main" };
const user = (id: string, text: string, extra: Record<string, unknown> = {}) => ({
  id,
  timestamp: "2026-12-02T11:44:30.000Z",
  type: "user",
  content: [{ text }],
  ...extra,
});
const model = (id: string, content: string, extra: Record<string, unknown> = {}) => ({
  id,
  timestamp: "2026-12-02T11:44:31.000Z",
  type: "gemini",
  content,
  ...extra,
});
const texts = async (f: string, limit = 20) =>
  (await readGeminiChat(f, { limit })).turns.map((t) => `${t.role}: ${t.text}`);

describe("the Gemini CLI chat reader", () => {
  it("reads the recorded chat: prompts, answers, each tool call once with its result; no session context", async () => {
    const tail = await readGeminiChat(file, { limit: 50 });
    expect(tail.truncated).toBe(false);
    expect(tail.turns.map((t) => t.role)).toEqual([
      "user",
      "assistant",
      "assistant",
      "assistant",
      "user",
      "assistant",
      "assistant",
      "user",
      "assistant",
    ]);
    const calls = tail.turns.flatMap((t) => t.toolCalls);
    expect(calls.map((c) => c.name)).toEqual(["run_shell_command", "read_file", "mcp_echo_echo"]);
    expect(calls[0]?.result).toContain("README.md");
    expect(calls[2]?.result).toBe("echo: fixture ping");
    expect(tail.turns.at(-1)).toMatchObject({ role: "assistant", text: "Done." });
    expect(findChat(GEMINI_HOME, sessionId)).toBe(file);
  });

  it("keeps each message once, in its newest version, and shows prompts without the context hooks appended", async () => {
    const f = write("reappended.jsonl", [
      meta,
      user("u1", "run it", { content: [{ text: "run it" }, { text: "<hook_context>mail</hook_context>" }] }),
      model("m1", ""),
      { $set: { lastUpdated: "x" } },
      model("m1", "", {
        toolCalls: [{ name: "run_shell_command", args: { command: "ls" }, resultDisplay: "a b" }],
      }),
      model("m2", "done"),
    ]);
    const tail = await readGeminiChat(f, { limit: 10 });
    expect(tail.turns.map((t) => `${t.role}: ${t.text} ${t.toolCalls.map((c) => c.result).join()}`)).toEqual([
      "user: run it ",
      "assistant:  a b",
      "assistant: done ",
    ]);
  });

  it("leaves out what a rewind dropped, and starts from a whole-history $set", async () => {
    expect(await texts(edge("rewound.jsonl"))).not.toContain("user: Anything else?");
    expect((await texts(edge("rewound.jsonl"))).at(-1)).toMatch(/^assistant: Echo said:/);
    const f = write("set-messages.jsonl", [
      meta,
      user("old", "forgotten"),
      model("old2", "forgotten too"),
      { $set: { messages: [user("a", "kept prompt"), model("b", "kept answer")] } },
      user("c", "after"),
    ]);
    expect(await texts(f)).toEqual(["user: kept prompt", "assistant: kept answer", "user: after"]);
  });

  it("tells busy from idle by the newest message", async () => {
    const agent = (transcript_path: string) =>
      makeAgentRecord({ client: { type: "gemini", transcript_path } });
    const none = () => null;
    expect((await geminiLiveness(agent(file), none)).state).toBe("idle");
    expect((await geminiLiveness(agent(edge("ends-mid-turn.jsonl")), none)).state).toBe("busy");
    const fresh = write("fresh.jsonl", [
      meta,
      { $set: { messages: [user("ctx", "<session_context>\nhi\n</session_context>")] } },
    ]);
    expect((await geminiLiveness(agent(fresh), none)).state).toBe("idle");
    const writing = write("writing.jsonl", [meta, user("u", "go"), model("m", "")]);
    expect((await geminiLiveness(agent(writing), none)).state).toBe("busy");
  });
});
