// Adversarial table: huge and malformed requests, every tool's limits, escape sequences (SPEC §9
// "Bounded requests", "Identity cannot be taken": peer-supplied text is data). Raw JSON-RPC lines go
// to a real built server over its stdin; tool calls go through the SDK's client.
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect } from "vitest";
import type { RawServer } from "../harness.ts";
import { Arena, B, type Case, type Result, table, tempDir } from "./arena.ts";

const D = "dddddddd-dddd-4ddd-8ddd-dddddddddddd";
/** Terminal controls, an OSC title, NUL, a bidi override and a line separator. */
const HOSTILE = "\u001b]0;pwned\u0007\u001b[2J\u001b[31mred\u0000\u202eevil\u2028\u009b1m";

let arena: Arena;
let raw: RawServer;
let nextId = 1000;
beforeAll(async () => {
  arena = await new Arena().start();
  raw = arena.world.raw({ cwd: arena.project, claudeSession: D });
  await raw.initialize();
  arena.alsoServing(async () => {
    const id = nextId++;
    const answer = await raw.request(id, "tools/list");
    expect(
      (answer.result as { tools: unknown[] }).tools.length,
      "the raw server still serves",
    ).toBeGreaterThan(5);
  });
});
afterAll(async () => {
  try {
    await arena.drain();
  } finally {
    await arena.dispose();
  }
});

/** An answer as a case result: a tool result's JSON, or `rpc:<code>` for a JSON-RPC error. */
function asResult(answer: Record<string, unknown>, tool?: string, args: Result = {}): Result {
  const error = answer.error as { code: number; message: string } | undefined;
  if (error) return { ok: false, error: `rpc:${error.code}`, message: error.message };
  const result = answer.result as {
    isError?: boolean;
    content?: { text: string }[];
    structuredContent?: Result;
  };
  const out = result.isError
    ? (JSON.parse(result.content?.[0]?.text ?? "{}") as Result)
    : (result.structuredContent ?? { ok: true, ...result });
  if (tool) arena.record(tool, args, out);
  return out;
}

/** Write `line` (a newline is added) and wait for the answer to `id`. */
async function line(text: string | Buffer, id: number | null): Promise<Result> {
  const answer = raw.answer(id as number);
  await raw.write(Buffer.concat([Buffer.from(text), Buffer.from("\n")]));
  return asResult(await answer);
}

/** A tools/call line for the raw server. */
function callLine(id: number, name: string, args: unknown): string {
  return JSON.stringify({ jsonrpc: "2.0", id, method: "tools/call", params: { name, arguments: args } });
}
const rawCall = async (name: string, args: unknown) => {
  const id = nextId++;
  const answer = raw.answer(id);
  await raw.write(`${callLine(id, name, args)}\n`);
  return asResult(await answer, name, (args ?? {}) as Result);
};
const send = (a: Arena, args: Result) => a.call(a.a, "send_message", { target: B, ...args });

/** B's newest waiting or read message body, by reading it through B's server. */
async function readBodies(a: Arena): Promise<string[]> {
  const out = await a.call(a.b, "read_my_messages");
  return (out.messages as { body: string }[]).map((m) => m.body);
}

const wire: Case[] = [
  {
    name: "a 12 MiB tools/call line: body-too-large, skipped as it streams, the server keeps serving",
    act: async () => {
      const id = nextId++;
      const big = callLine(id, "send_message", { target: B, body: "x".repeat(12 * 1024 * 1024) });
      return line(big, id);
    },
    expect: "body-too-large",
  },
  {
    name: "a 2 MiB tools/list line: a JSON-RPC error, not a crash",
    act: async () => {
      const id = nextId++;
      const big = JSON.stringify({
        jsonrpc: "2.0",
        id,
        method: "tools/list",
        params: { pad: "y".repeat(2 << 20) },
      });
      return line(big, id);
    },
    expect: "rpc:-32600",
  },
  {
    name: "a 12 MiB line with no id (a notification): no answer, nothing breaks",
    act: async () => {
      await raw.write(
        `${JSON.stringify({ jsonrpc: "2.0", method: "notifications/x", params: { p: "z".repeat(12 << 20) } })}\n`,
      );
      return line(JSON.stringify({ jsonrpc: "2.0", id: nextId, method: "ping" }), nextId++);
    },
    expect: "ok",
  },
  {
    name: "a line that is not JSON: parse error -32700",
    act: () => line("this is { not json", null),
    expect: "rpc:-32700",
  },
  {
    name: "bytes that are not UTF-8 and a raw NUL on the line: parse error -32700",
    act: () => line(Buffer.from([0x7b, 0xff, 0xfe, 0x00, 0x22, 0x7d]), null),
    expect: "rpc:-32700",
  },
  {
    name: "JSON that is not JSON-RPC (an array, an object id): invalid request -32600",
    act: async () => {
      const batch = await line(JSON.stringify([{ jsonrpc: "2.0", id: 1, method: "ping" }]), null);
      expect(batch).toMatchObject({ ok: false, error: "rpc:-32600" });
      return line(JSON.stringify({ jsonrpc: "2.0", id: { a: 1 }, method: "ping" }), null);
    },
    expect: "rpc:-32600",
  },
  {
    name: "an unknown method: -32601",
    act: () => line(JSON.stringify({ jsonrpc: "2.0", id: nextId, method: "tools/destroy" }), nextId++),
    expect: "rpc:-32601",
  },
  {
    name: "a tools/call with no tool name: invalid-input in the contract's shape",
    act: async () => {
      const id = nextId++;
      return line(
        JSON.stringify({ jsonrpc: "2.0", id, method: "tools/call", params: { arguments: {} } }),
        id,
      );
    },
    expect: "invalid-input",
  },
  {
    name: "arguments that are a string, an array or null: invalid-input",
    act: async () => {
      for (const args of ["target=x", [B, "body"]]) {
        const out = await rawCall("send_message", args);
        expect(out, JSON.stringify(args)).toMatchObject({ ok: false, error: "invalid-input" });
      }
      return rawCall("send_message", null);
    },
    expect: "invalid-input",
  },
  {
    name: "arguments nested 50 000 levels deep: answered, not a stack overflow",
    act: async (a) => {
      const id = nextId++;
      const args = `{"target":"${B}","body":"deep","x":${"[".repeat(50_000)}${"]".repeat(50_000)}}`;
      const out = await line(
        `{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":{"name":"send_message","arguments":${args}}}`,
        id,
      );
      a.record("send_message", { target: B }, out);
      return out;
    },
    expect: "ok",
  },
  {
    name: "__proto__ and constructor keys in arguments: ignored, nothing polluted",
    act: async () => {
      const out = await rawCall(
        "send_message",
        JSON.parse(
          `{"__proto__":{"ok":false,"polluted":true},"constructor":{"x":1},"target":"${B}","body":"proto"}`,
        ),
      );
      const again = await rawCall("get_my_session", JSON.parse('{"__proto__":{"record":null}}'));
      expect(again).toMatchObject({ ok: true });
      return out;
    },
    expect: "ok",
  },
  {
    name: "1 000 requests pipelined in one write, with CRLF endings and a cancel for an unknown id: all answered",
    act: async () => {
      const first = nextId;
      nextId += 1000;
      const answers = Array.from({ length: 1000 }, (_, i) => raw.answer(first + i));
      const lines = Array.from({ length: 1000 }, (_, i) =>
        JSON.stringify({ jsonrpc: "2.0", id: first + i, method: "ping" }),
      );
      await raw.write(
        `${JSON.stringify({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 987654321 } })}\r\n${lines.join("\r\n")}\r\n`,
      );
      const all = await Promise.all(answers);
      expect(all.filter((a) => a.result).length).toBe(1000);
      return { ok: true };
    },
    expect: "ok",
  },
];

const limits: Case[] = [
  {
    name: "a body of exactly 8 KiB (2 048 four-byte characters) is sent; one byte more is body-too-large",
    act: async (a) => {
      const out = await send(a, { body: "😀".repeat(2048) });
      expect(out).toMatchObject({ ok: true });
      return send(a, { body: `${"😀".repeat(2047)}xxxxx` });
    },
    expect: "body-too-large",
  },
  {
    name: "ask_peer with a 9 KiB question: body-too-large, nothing sent",
    act: (a) => a.call(a.a, "ask_peer", { target: B, body: "q".repeat(9000), timeout_ms: 100 }),
    expect: "body-too-large",
  },
  {
    name: "reply_to with a path trick: invalid-input",
    act: (a) => send(a, { body: "x", reply_to: "../../../etc/passwd" }),
    expect: "invalid-input",
  },
  {
    name: "an idempotency_key of 201 characters: invalid-input",
    act: (a) => send(a, { body: "x", idempotency_key: "k".repeat(201) }),
    expect: "invalid-input",
  },
  {
    name: "an idempotency_key made of path tricks and controls: a key like any other, the retry replays",
    act: async (a) => {
      const args = { body: "keyed", idempotency_key: `../../${HOSTILE}/..` };
      const first = await send(a, args);
      const again = await send(a, args);
      expect(again).toMatchObject({ ok: true, replayed: true, message_id: first.message_id });
      return first;
    },
    expect: "ok",
  },
  {
    name: "a target of 513 characters: invalid-input",
    act: (a) => send(a, { target: "t".repeat(513), body: "x" }),
    expect: "invalid-input",
  },
  {
    name: "a project_root of 5 000 characters: invalid-input",
    act: (a) => a.call(a.a, "list_project_sessions", { project_root: `/${"p".repeat(4999)}` }),
    expect: "invalid-input",
  },
  {
    name: "ask_peer timeout_ms of zero, of ten days, and not a number: invalid-input",
    act: async (a) => {
      for (const timeout_ms of [0, 864_000_000])
        expect(await a.call(a.a, "ask_peer", { target: B, body: "x", timeout_ms })).toMatchObject({
          error: "invalid-input",
        });
      return a.call(a.a, "ask_peer", { target: B, body: "x", timeout_ms: "soon" });
    },
    expect: "invalid-input",
  },
  {
    name: "read_session with pane_lines of a billion: invalid-input",
    act: (a) => a.call(a.a, "read_session", { name: B, pane_lines: 1e9 }),
    expect: "invalid-input",
  },
  {
    name: "read_my_messages with max_bytes below one message: still at least one message, the rest waits",
    act: (a) => a.call(a.b, "read_my_messages", { max_messages: 1, max_bytes: 1024 }),
    expect: "ok",
    check: (out) => {
      expect((out.messages as unknown[]).length).toBe(1);
    },
  },
  {
    name: "wake_status with no target: invalid-input",
    act: (a) => a.call(a.a, "wake_status", {}),
    expect: "invalid-input",
  },
];

const escapes: Case[] = [
  {
    name: "a body full of escape sequences, NUL and bidi is data: delivered byte for byte",
    act: async (a) => {
      const out = await send(a, { body: HOSTILE });
      expect(await readBodies(a)).toContain(HOSTILE);
      return out;
    },
    expect: "ok",
  },
  {
    name: "the hook delivers a hostile body as JSON: no raw control byte on its stdout",
    act: async (a) => {
      await send(a, { body: HOSTILE });
      return a.hook("PreToolUse", { session_id: B }, { CLAUDE_CODE_SESSION_ID: B });
    },
    expect: "ok",
    check: (out) => {
      // JSON escapes every C0 control; the body itself is data and arrives whole.
      const stdout = String(out.stdout).trimEnd();
      // biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to find raw controls
      expect(stdout).not.toMatch(/[\u0000-\u001f]/);
      expect(JSON.parse(stdout).hookSpecificOutput.additionalContext).toContain(HOSTILE);
    },
  },
  ...[
    ["an ESC sequence", "working\u001b[2J"],
    ["an OSC title", "\u001b]0;pwned\u0007"],
    ["a bidi override", "refactor \u202eredocne"],
    ["a zero-width space", "pla\u200bin"],
    ["a line separator", "one\u2028two"],
  ].map(
    ([what, purpose]): Case => ({
      name: `set_my_state with ${what}: invalid-state, the old card stays`,
      act: async (a) => {
        const out = await a.call(a.a, "set_my_state", { purpose });
        const rows = (await a.call(a.b, "list_project_sessions")).rows as { card?: string }[];
        expect(JSON.stringify(rows)).not.toContain(purpose);
        return out;
      },
      expect: "invalid-state",
    }),
  ),
  {
    name: "register_my_session with an OSC client_type: invalid-input",
    act: (a) =>
      a.call(a.a, "register_my_session", {
        session_id: "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa",
        client_type: "\u001b]0;x\u0007",
      }),
    expect: "invalid-input",
  },
  {
    name: "the Claude sleeper wakes with a hostile body: nothing raw on the client's stderr",

    act: async (a) => {
      await send(a, { body: HOSTILE });
      const claudeDir = tempDir("oxtail-claude-");
      fs.mkdirSync(path.join(claudeDir, "sessions"));
      fs.writeFileSync(
        path.join(claudeDir, "sessions", `${process.pid}.json`),
        JSON.stringify({ pid: process.pid, sessionId: B, cwd: a.project, status: "idle" }),
      );
      a.plants.onUndo(() => fs.rmSync(claudeDir, { recursive: true, force: true }));
      return a.hook("Sleep", { session_id: B }, { CLAUDE_CODE_SESSION_ID: B, CLAUDE_CONFIG_DIR: claudeDir });
    },
    expect: "ok",
    check: (out) => {
      expect(out.code).toBe(2);
      // biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to find raw controls
      expect(String(out.stderr)).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e]/);
    },
  },
];

describe("requests", () => table([...wire, ...limits, ...escapes], () => arena));
