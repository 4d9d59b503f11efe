import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { readIdentityDrops, readSleeper } from "@oxtail/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  HOOK,
  hookArgs,
  ME,
  mail as mailIn,
  nodeWrapper,
  PEER,
  pending as pendingIn,
  processesUsingHome,
  until,
} from "./helpers.ts";

let home: string;
let marker: string;
beforeEach(() => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-hook-home-"));
  marker = path.join(home, "node-started");
});
afterEach(async () => {
  // Nothing a test started may outlive it.
  expect(await until(() => processesUsingHome(home).length === 0, 10_000)).toBe(true);
  fs.rmSync(home, { recursive: true, force: true });
});

/** Run the real hook program: the shell front, and Node only when it decides to. */
function runHook(client: string, event: string, payload: unknown, env: Record<string, string> = {}) {
  // OXTAIL_NODE is a wrapper that records that Node was started, then runs the real node.
  const wrapper = nodeWrapper(home, marker);
  const result = spawnSync(HOOK, hookArgs(client, event), {
    input: typeof payload === "string" ? payload : `${JSON.stringify(payload)}\n`,
    env: { PATH: process.env.PATH ?? "", HOME: home, OXTAIL_HOME: home, OXTAIL_NODE: wrapper, ...env },
    encoding: "utf8",
  });
  const nodeStarted = fs.existsSync(marker);
  fs.rmSync(marker, { force: true });
  return {
    code: result.status,
    stdout: result.stdout.trim(),
    json: result.stdout.trim() ? JSON.parse(result.stdout) : null,
    nodeStarted,
  };
}

const mail = (to: string, body: string, replyTo: string | null = null) => mailIn(home, to, body, replyTo);
const pending = (session: string) => pendingIn(home, session);

const base = { session_id: ME, transcript_path: "/t/x.jsonl", cwd: "/proj" };

describe("PreToolUse", () => {
  it("with an empty mailbox: no output, exit 0, and Node is never started", () => {
    for (const env of [{ CLAUDE_CODE_SESSION_ID: ME }, {}] as Record<string, string>[]) {
      const r = runHook(
        "claude",
        "PreToolUse",
        { ...base, hook_event_name: "PreToolUse", tool_name: "Bash" },
        env,
      );
      expect(r).toEqual({ code: 0, stdout: "", json: null, nodeStarted: false });
    }
  });

  it("delivers waiting mail as additionalContext, framed as facts, and consumes it", async () => {
    const m = await mail(ME, "Please rerun the parser tests.");
    const r = runHook(
      "claude",
      "PreToolUse",
      { ...base, hook_event_name: "PreToolUse", tool_name: "Bash" },
      { CLAUDE_CODE_SESSION_ID: ME },
    );
    expect(r.code).toBe(0);
    expect(r.nodeStarted).toBe(true);
    expect(r.json.hookSpecificOutput.hookEventName).toBe("PreToolUse");
    expect(r.json).not.toHaveProperty("hookSpecificOutput.permissionDecision");
    const context = r.json.hookSpecificOutput.additionalContext as string;
    expect(context).toContain("Please rerun the parser tests.");
    expect(context).toContain(`message ${m.id} (sender session ${PEER})`);
    expect(context).toContain("reply_to = the message id");
    expect(await pending(ME)).toEqual([]);
  });

  it("Codex: finds the session in stdin only (its hooks get the daemon's environment)", async () => {
    await mail(ME, "codex mail");
    const r = runHook("codex", "PreToolUse", { ...base, turn_id: "t1", hook_event_name: "PreToolUse" });
    expect(r.json.hookSpecificOutput.additionalContext).toContain("codex mail");
  });

  it("keeps what does not fit in one delivery for the next", async () => {
    for (let i = 0; i < 3; i++) await mail(ME, `${i}:${"x".repeat(4000)}`);
    const first = runHook("claude", "PreToolUse", base, { CLAUDE_CODE_SESSION_ID: ME });
    expect((first.json.hookSpecificOutput.additionalContext as string).length).toBeLessThan(10_000);
    expect((await pending(ME)).length).toBe(1);
    const second = runHook("claude", "PreToolUse", base, { CLAUDE_CODE_SESSION_ID: ME });
    expect(second.json.hookSpecificOutput.additionalContext).toContain("2:xxxx");
    expect(await pending(ME)).toEqual([]);
  });
});

describe("Stop", () => {
  it("blocks the stop with waiting mail, and never twice for the same messages", async () => {
    await mail(ME, "Answer me before you stop.");
    const first = runHook("claude", "Stop", { ...base, hook_event_name: "Stop", stop_hook_active: false });
    expect(first.json.decision).toBe("block");
    expect(first.json.reason).toContain("Answer me before you stop.");
    const again = runHook("claude", "Stop", { ...base, hook_event_name: "Stop", stop_hook_active: true });
    expect(again).toMatchObject({ code: 0, stdout: "", nodeStarted: false });
    await mail(ME, "one more");
    const third = runHook("claude", "Stop", { ...base, hook_event_name: "Stop", stop_hook_active: true });
    expect(third.json).toMatchObject({ decision: "block" });
    expect(third.json.reason).toContain("one more");
    expect(third.json.reason).not.toContain("Answer me before you stop.");
  });
});

describe("SessionStart and UserPromptSubmit", () => {
  it("drop the session's identity where the server finds it, and deliver mail at the prompt", async () => {
    const start = runHook(
      "claude",
      "SessionStart",
      { ...base, hook_event_name: "SessionStart", source: "startup" },
      { TMUX: "/tmp/tmux-0/x,1,0", TMUX_PANE: "%4" },
    );
    expect(start).toMatchObject({ code: 0, stdout: "" });
    const [drop] = readIdentityDrops(home);
    expect(drop).toMatchObject({
      client_type: "claude",
      session_id: ME,
      transcript_path: "/t/x.jsonl",
      cwd: "/proj",
      tmux_pane: "%4",
      tmux_socket: "/tmp/tmux-0/x",
      event: "SessionStart",
    });
    expect(drop?.ancestor_pids.length).toBeGreaterThan(0);
    expect((fs.statSync(path.join(home, "identity")).mode & 0o777).toString(8)).toBe("700");
    await mail(ME, "at your next prompt");
    const prompt = runHook("codex", "UserPromptSubmit", {
      ...base,
      hook_event_name: "UserPromptSubmit",
      prompt: "hi",
    });
    expect(prompt.json.hookSpecificOutput).toMatchObject({ hookEventName: "UserPromptSubmit" });
    expect(prompt.json.hookSpecificOutput.additionalContext).toContain("at your next prompt");
    expect(readIdentityDrops(home)[0]).toMatchObject({ client_type: "codex", event: "UserPromptSubmit" });
  });
});

describe("bad input never breaks the client", () => {
  it.each([
    ["a session id like a path", { session_id: "../../etc/passwd" }],
    ["no session id", { cwd: "/x" }],
    ["non-JSON stdin", "this is not json"],
    ["an empty stdin", ""],
  ])("%s: exit 0, no output, nothing written", (_label, payload) => {
    for (const event of ["PreToolUse", "Stop", "SessionStart", "UserPromptSubmit"]) {
      const r = runHook("claude", event, payload);
      expect(r, event).toMatchObject({ code: 0, stdout: "" });
    }
    expect(fs.readdirSync(home).filter((n) => !n.startsWith("node-wrapper"))).toEqual([]);
  });

  it("a corrupt or missing OXTAIL_HOME: exit 0, no output", async () => {
    const file = path.join(home, "not-a-dir");
    fs.writeFileSync(file, "x");
    for (const bad of [file, path.join(home, "missing", "deeper")]) {
      for (const event of ["PreToolUse", "SessionStart", "Stop"]) {
        const r = runHook("claude", event, base, { OXTAIL_HOME: bad, CLAUDE_CODE_SESSION_ID: ME });
        expect(r, `${event} ${bad}`).toMatchObject({ code: 0, stdout: "" });
      }
    }
  });

  it("a broken Node install: exit 0, no output", async () => {
    await mail(ME, "x");
    const r = spawnSync(HOOK, hookArgs("claude", "PreToolUse"), {
      input: `${JSON.stringify(base)}\n`,
      env: {
        PATH: process.env.PATH ?? "",
        OXTAIL_HOME: home,
        OXTAIL_NODE: "/nonexistent/node",
        CLAUDE_CODE_SESSION_ID: ME,
      },
      encoding: "utf8",
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe("");
  });
});

describe("wake mode (a sleeper hands the mail over)", () => {
  it("prints the mail on stderr and exits 2, records the wake, and takes the mail; with none, exit 0", async () => {
    const empty = spawnSync(HOOK, hookArgs("claude", "Sleep"), {
      input: `${JSON.stringify({ session_id: ME, hook_event_name: "Sleep" })}\n`,
      env: { PATH: process.env.PATH ?? "", HOME: home, OXTAIL_HOME: home },
      encoding: "utf8",
    });
    expect(empty).toMatchObject({ status: 0, stdout: "", stderr: "" });
    const m = await mail(ME, "wake up \u001b]0;title\u0007 now");
    const r = spawnSync(HOOK, hookArgs("claude", "Sleep"), {
      input: `${JSON.stringify({ session_id: ME, hook_event_name: "Sleep" })}\n`,
      env: { PATH: process.env.PATH ?? "", HOME: home, OXTAIL_HOME: home },
      encoding: "utf8",
    });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(`--- message ${m.id} (sender session ${PEER})`);
    expect(r.stderr).toContain(
      "Message from peer agent codex (beta) — this is information from another agent",
    );
    // The body reaches the client's stderr inert: no raw escape or bell character.
    expect(r.stderr).toContain("wake up \\u{001b}]0;title\\u{0007} now");
    expect(r.stderr.includes("\u001b") || r.stderr.includes("\u0007")).toBe(false);
    expect(await pending(ME)).toEqual([]);
    expect(readSleeper(home, ME).lastWake?.messages).toEqual([m.id]);
  });
});

describe("started through a symlink (npm's .bin link)", () => {
  it("finds its Node part and delivers", async () => {
    const bin = path.join(home, "node_modules", ".bin");
    fs.mkdirSync(bin, { recursive: true });
    fs.symlinkSync(HOOK, path.join(bin, "oxtail-hook"));
    await mail(ME, "through the link");
    const r = spawnSync(path.join(bin, "oxtail-hook"), hookArgs("claude", "PreToolUse"), {
      input: `${JSON.stringify(base)}\n`,
      env: { PATH: process.env.PATH ?? "", HOME: home, OXTAIL_HOME: home, CLAUDE_CODE_SESSION_ID: ME },
      encoding: "utf8",
    });
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).hookSpecificOutput.additionalContext).toContain("through the link");
  });
});

it("the shell front runs under a plain POSIX sh (dash)", () => {
  expect(execFileSync("sh", ["-n", HOOK]).toString()).toBe("");
});
