import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { readIdentityDrops } from "@oxtail/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  HOOK,
  hookArgs,
  ME,
  mailboxFiles,
  mail as mailIn,
  nodeWrapper,
  pending as pendingIn,
  processesUsingHome,
  until,
} from "./helpers.ts";

const UPPER = ME.toUpperCase();

let home: string;
let marker: string;
beforeEach(() => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-hook-delivery-"));
  marker = path.join(home, "node-started");
});
afterEach(async () => {
  expect(await until(() => processesUsingHome(home).length === 0, 10_000)).toBe(true);
  fs.rmSync(home, { recursive: true, force: true });
});

const mail = (to: string, body: string) => mailIn(home, to, body);
const pending = (session: string) => pendingIn(home, session);

interface RunOptions {
  env?: Record<string, string>;
  /** Leave stdin open after writing the payload (a client that never sends EOF). */
  keepStdinOpen?: boolean;
  /** A shell pipeline tail for stdout, e.g. a reader that closes its end at once. */
  gate?: string;
}

/** Run the real hook program; resolves when it exits. */
function run(event: string, input: string, options: RunOptions = {}) {
  const env = {
    PATH: process.env.PATH ?? "",
    HOME: home,
    OXTAIL_HOME: home,
    OXTAIL_NODE: nodeWrapper(home, marker, options.gate),
    ...options.env,
  };
  const child = spawn(HOOK, hookArgs("claude", event), { env, stdio: ["pipe", "pipe", "pipe"] });
  child.stdin.on("error", () => {}); // a hook that does not read its stdin closes it
  child.stdin.write(input);
  if (!options.keepStdinOpen) child.stdin.end();
  let stdout = "";
  child.stdout.on("data", (d) => (stdout += d));
  return new Promise<{ code: number | null; stdout: string; nodeStarted: boolean }>((resolve) =>
    child.on("close", (code) => {
      child.stdin.destroy();
      const nodeStarted = fs.existsSync(marker);
      fs.rmSync(marker, { force: true });
      resolve({ code, stdout, nodeStarted });
    }),
  );
}

const payload = (fields: Record<string, unknown>) => `${JSON.stringify({ session_id: ME, ...fields })}\n`;
/** A payload with no line end, written to a stdin that stays open: only a reader that stops early returns. */
const unterminated = (fields: Record<string, unknown>) => JSON.stringify({ session_id: ME, ...fields });
const big = "x".repeat(1 << 20);
const context = (stdout: string) => JSON.parse(stdout).hookSpecificOutput.additionalContext as string;

describe("stdin: bounded on the empty path, whole for Node", () => {
  it("with the session in the environment and no mail, never waits on stdin (a 1 MiB payload, no EOF)", async () => {
    const r = await run("PreToolUse", unterminated({ tool_input: { content: big } }), {
      env: { CLAUDE_CODE_SESSION_ID: ME },
      keepStdinOpen: true,
    });
    expect(r).toEqual({ code: 0, stdout: "", nodeStarted: false });
  });

  it("with the session only on stdin (Codex) and no mail, reads a bounded prefix (a 1 MiB payload, no EOF)", async () => {
    const r = await run("PreToolUse", unterminated({ tool_input: { content: big } }), {
      keepStdinOpen: true,
    });
    expect(r).toEqual({ code: 0, stdout: "", nodeStarted: false });
  });

  it("Node gets the whole payload: a session id after 1 MiB is still found and its mail delivered", async () => {
    await mail(ME, "found past the prefix");
    const input = `${JSON.stringify({ turn_id: "t1", tool_input: { content: big }, session_id: ME })}\n`;
    const r = await run("PreToolUse", input);
    expect(r.nodeStarted).toBe(true);
    expect(context(r.stdout)).toContain("found past the prefix");
  });

  it("an identity drop records fields that come after 1 MiB of payload", async () => {
    const input = payload({ prompt: big, hook_event_name: "UserPromptSubmit", cwd: "/late/cwd" });
    expect((await run("UserPromptSubmit", input)).code).toBe(0);
    expect(readIdentityDrops(home)[0]).toMatchObject({ session_id: ME, cwd: "/late/cwd" });
  });
});

describe("session ids and payload shapes", () => {
  it("an upper-case session id gets its mail, from the environment or from stdin; Node stays out when none waits", async () => {
    expect(await run("PreToolUse", payload({}), { env: { CLAUDE_CODE_SESSION_ID: UPPER } })).toEqual({
      code: 0,
      stdout: "",
      nodeStarted: false,
    });
    await mail(ME, "for the upper-case env");
    const fromEnv = await run("PreToolUse", payload({}), { env: { CLAUDE_CODE_SESSION_ID: UPPER } });
    expect(context(fromEnv.stdout)).toContain("for the upper-case env");
    await mail(ME, "for the upper-case stdin");
    const fromStdin = await run("PreToolUse", `${JSON.stringify({ session_id: UPPER })}\n`);
    expect(context(fromStdin.stdout)).toContain("for the upper-case stdin");
    expect(await pending(ME)).toEqual([]);
  });

  it("pretty-printed JSON: the identity drop is written and mail is delivered", async () => {
    const pretty = (fields: Record<string, unknown>) =>
      `${JSON.stringify({ session_id: ME, ...fields }, null, 2)}\n`;
    const start = await run("SessionStart", pretty({ cwd: "/pretty", transcript_path: "/t/p.jsonl" }));
    expect(start.code).toBe(0);
    expect(readIdentityDrops(home)[0]).toMatchObject({
      session_id: ME,
      cwd: "/pretty",
      transcript_path: "/t/p.jsonl",
    });
    await mail(ME, "pretty mail");
    const codex = await run("PreToolUse", pretty({ hook_event_name: "PreToolUse" }));
    expect(context(codex.stdout)).toContain("pretty mail");
  });
});

describe("bounded delivery", () => {
  it("a large backlog: one delivery takes one bounded batch, oldest first, says how many remain, leaves the rest untouched", async () => {
    for (let i = 0; i < 120; i++) await mail(ME, `${String(i).padStart(3, "0")}:${"m".repeat(200)}`);
    const r = await run("PreToolUse", payload({}), { env: { CLAUDE_CODE_SESSION_ID: ME } });
    const text = context(r.stdout);
    const shown = [...text.matchAll(/\n(\d{3}):m/g)].map((m) => Number(m[1]));
    expect(shown.length).toBeGreaterThan(0);
    expect(shown).toEqual(shown.map((_, i) => i)); // the oldest, in order
    const left = 120 - shown.length;
    expect(text).toContain(`${left} more messages wait in your mailbox`);
    expect(mailboxFiles(home, ME, "new")).toHaveLength(left);
    expect(mailboxFiles(home, ME, "cur")).toEqual([]);
  });

  it("tells the model when a message is redelivered (its earlier delivery was interrupted)", async () => {
    const m = await mail(ME, "maybe seen");
    // The mark recovery leaves for a message whose reader died (docs/protocol.md).
    fs.mkdirSync(path.join(home, "mailboxes", ME, "redelivered"), { mode: 0o700 });
    fs.writeFileSync(path.join(home, "mailboxes", ME, "redelivered", m.id), "{}", { mode: 0o600 });
    const r = await run("PreToolUse", payload({}), { env: { CLAUDE_CODE_SESSION_ID: ME } });
    expect(context(r.stdout)).toMatch(new RegExp(`message ${m.id} .*redelivered.*may have seen it`));
    expect(mailboxFiles(home, ME, "redelivered")).toEqual([]); // acknowledged: the mark goes too
  });
});

describe("acknowledged only once written", () => {
  it("stdout closed before the hook writes: exit 0, and the mail goes back to the mailbox", async () => {
    await mail(ME, "nobody is listening");
    const gate = path.join(home, "stdout-closed");
    const wrapper = nodeWrapper(home, marker, gate);
    // The reader of the hook's stdout closes it, then opens the gate that lets Node start.
    const child = spawn(
      "sh",
      ["-c", `"$0" "$@" | { exec 0<&-; touch "${gate}"; }`, HOOK, ...hookArgs("claude", "PreToolUse")],
      {
        env: {
          PATH: process.env.PATH ?? "",
          HOME: home,
          OXTAIL_HOME: home,
          OXTAIL_NODE: wrapper,
          CLAUDE_CODE_SESSION_ID: ME,
          MCP_TRACE_FILE: path.join(home, "trace.ndjson"),
        },
        stdio: ["pipe", "ignore", "ignore"],
      },
    );
    child.stdin.end(payload({}));
    const code = await new Promise((resolve) => child.on("close", resolve));
    expect(code).toBe(0);
    // Put back by the hook itself (not left to crash recovery, which would mark it redelivered).
    expect([mailboxFiles(home, ME, "new").length, mailboxFiles(home, ME, "cur")]).toEqual([1, []]);
    expect((await pending(ME)).map((m) => m.body)).toEqual(["nobody is listening"]);
    expect(mailboxFiles(home, ME, "redelivered")).toEqual([]);
    expect(fs.readFileSync(path.join(home, "trace.ndjson"), "utf8")).toContain("hook.undelivered");
  });

  it("a wake whose stderr is closed before it writes: exit 0 (no wake), and the mail goes back", async () => {
    await mail(ME, "wake with no one to read it");
    const gate = path.join(home, "stderr-closed");
    const wrapper = nodeWrapper(home, marker, gate);
    const child = spawn(
      "sh",
      [
        "-c",
        `{ "$0" "$@" 2>&1 >/dev/null; echo "exit $?" >&3; } | { exec 0<&-; touch "${gate}"; }`,
        HOOK,
        ...hookArgs("claude", "Sleep"),
      ],
      {
        env: { PATH: process.env.PATH ?? "", HOME: home, OXTAIL_HOME: home, OXTAIL_NODE: wrapper },
        stdio: ["pipe", "ignore", "ignore", "pipe"],
      },
    );
    let status = "";
    child.stdio[3]?.on("data", (d) => (status += d));
    child.stdin?.end(payload({ hook_event_name: "Stop" }));
    await new Promise((resolve) => child.on("close", resolve));
    expect(status.trim()).toBe("exit 0");
    expect([mailboxFiles(home, ME, "new").length, mailboxFiles(home, ME, "cur")]).toEqual([1, []]);
    expect((await pending(ME)).map((m) => m.body)).toEqual(["wake with no one to read it"]);
    expect(mailboxFiles(home, ME, "redelivered")).toEqual([]);
  });
});
