// Adversarial table: a hostile or broken environment. tmux absent, down, frozen, or a stand-in that
// never answers; TMUX pointing at a FIFO; a spoofed TMUX_PANE; OXTAIL_HOME given through a symlink,
// as a FIFO or owned by someone else; MCP_TRACE_FILE a FIFO; peers SIGKILLed with mail queued or
// held; stale and live wake locks; the hook without Node or with a huge payload.
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { processStartTime, WAKE_LINE } from "@oxtail/core";
import { afterAll, beforeAll, describe, expect } from "vitest";
import { SERVER } from "../harness.ts";
import { A, Arena, B, type Case, pathWithoutTmux, type Result, table, tempDir } from "./arena.ts";
import { FOREIGN_ID } from "./plants.ts";

const X = "0000e100-0000-4000-8000-0000000000e1";
const V = "0000e200-0000-4000-8000-0000000000e2";
let arena: Arena;
/** Folders for PATHs and stand-in programs. */
let bins: string;
let noTmux: string;
beforeAll(async () => {
  arena = new Arena();
  const tmux = arena.world.tmux;
  arena.a = await arena.agent({
    cwd: arena.project,
    claudeSession: A,
    pane: tmux.session("alpha", arena.project),
  });
  arena.b = await arena.agent({
    cwd: arena.project,
    claudeSession: B,
    pane: tmux.session("beta", arena.project),
  });
  bins = tempDir("oxtail-bins-");
  noTmux = pathWithoutTmux(path.join(bins, "no-tmux"));
});
afterAll(async () => {
  try {
    await arena.drain();
  } finally {
    await arena.dispose();
    fs.rmSync(bins, { recursive: true, force: true });
  }
});

type Call = (tool: string, args?: Result) => Promise<Result>;
/** Start an agent in the project with `env`, run `use` on it, close it. */
async function withAgent(
  a: Arena,
  env: Record<string, string>,
  use: (call: Call) => Promise<Result>,
  spec: { claudeSession?: string; pane?: string } = { claudeSession: X },
): Promise<Result> {
  const agent = await a.agent({ cwd: a.project, ...spec, env });
  try {
    return await use((tool, args = {}) => a.call(agent, tool, args));
  } finally {
    await agent.close();
  }
}

/** Spawn the built server with `env` and no client; its exit code and stderr (killed after 10 s). */
function serverExit(env: Record<string, string>): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [SERVER], {
      env: { PATH: process.env.PATH ?? "", HOME: arena.home, ...env },
      stdio: ["pipe", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    child.on("exit", (code) => {
      clearTimeout(timer);
      child.stdin.destroy();
      resolve({ ok: true, code, stderr });
    });
  });
}

/** A stand-in `tmux` on a PATH of its own: a shell script. */
function fakeTmux(name: string, script: string): string {
  const dir = path.join(bins, name);
  if (!fs.existsSync(dir)) {
    pathWithoutTmux(dir);
    fs.writeFileSync(path.join(dir, "tmux"), `#!/bin/sh\n${script}\n`, { mode: 0o755 });
  }
  return dir;
}

const tmuxCases: Case[] = [
  {
    name: "tmux absent: list_project_sessions still lists the registered agents, with a non-fatal error",
    act: (a) => withAgent(a, { PATH: noTmux }, (call) => call("list_project_sessions")),
    expect: "ok",
    check: (out) => {
      expect(String(out.error)).toMatch(/not installed/);
      expect((out.rows as { id: string }[]).map((r) => r.id)).toEqual(
        expect.arrayContaining([A, B, X].map((s) => s.slice(0, 8))),
      );
    },
  },
  {
    name: "tmux absent: read_session in pane mode is tmux-unavailable",
    act: (a) => withAgent(a, { PATH: noTmux }, (call) => call("read_session", { name: B, mode: "pane" })),
    expect: "tmux-unavailable",
  },
  {
    name: "tmux absent: ask_peer delivers and reports the wake it could not make; send_message and wake_status work",
    act: (a) =>
      withAgent(a, { PATH: noTmux }, async (call) => {
        expect(await call("wake_status", { target: B })).toMatchObject({ ok: true });
        expect(await call("send_message", { target: B, body: "no tmux here" })).toMatchObject({ ok: true });
        return call("ask_peer", { target: B, body: "q", timeout_ms: 500 });
      }),
    expect: "ok",
    check: (out) => {
      expect(out.timed_out).toBe(true);
      expect((out.wake as { outcome: string }).outcome).not.toBe("woke");
    },
  },
  {
    name: "tmux absent: the hook still delivers",
    act: (a) => a.hook("PreToolUse", { session_id: B }, { CLAUDE_CODE_SESSION_ID: B, PATH: noTmux }),
    expect: "ok",
    check: (out) => expect(String(out.stdout)).toContain("canary"),
  },
  {
    name: "no tmux server on the caller's own socket: rows still come from the agents' own tmux servers",
    act: (a) => {
      const empty = tempDir("oxtail-no-server-");
      a.plants.onUndo(() => fs.rmSync(empty, { recursive: true, force: true }));
      return withAgent(a, { TMUX_TMPDIR: empty }, (call) => call("list_project_sessions"));
    },
    expect: "ok",
    check: (out) => {
      const rows = out.rows as { id?: string; name?: string }[];
      expect(rows.find((r) => r.id === B.slice(0, 8))?.name).toBe("beta");
    },
  },

  {
    name: "TMUX names a FIFO as its socket: listing and wake_status answer, nothing hangs",
    plant: (a) => a.plants.fifo(path.join(bins, "fifo-socket")),
    act: (a) =>
      withAgent(a, { TMUX: `${path.join(bins, "fifo-socket")},1,0`, TMUX_PANE: "%0" }, async (call) => {
        expect(await call("wake_status", { target: B })).toMatchObject({ ok: true });
        return call("list_project_sessions");
      }),
    expect: "ok",
  },

  {
    name: "a tmux that never answers and ignores SIGTERM: list_project_sessions still answers",
    act: (a) =>
      withAgent(a, { PATH: fakeTmux("hung-tmux", "trap '' TERM\nexec sleep 60") }, (call) =>
        call("list_project_sessions"),
      ),
    expect: "ok",
    check: (out) => expect(out.error).toBeDefined(),
  },
  {
    name: "a tmux that prints escape sequences and junk: rows carry no control characters",
    act: (a) =>
      withAgent(
        a,
        {
          PATH: fakeTmux(
            "junk-tmux",
            "printf '\\033]0;pwned\\007evil\\033[2J|:oxtail:|1|:oxtail:|%%1|:oxtail:|x|:oxtail:|/|:oxtail:|1\\n'",
          ),
        },
        (call) => call("list_project_sessions"),
      ),
    expect: "ok",
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to find raw controls
    check: (out) => expect(JSON.stringify(out.rows)).not.toMatch(/[\u0000-\u001f]/),
  },
  {
    name: "a spoofed TMUX_PANE naming a bystander's pane: a wake types nothing there (pane-unverified)",
    act: async (a) => {
      const bystander = a.world.tmux.session("bystander", a.project, "cat");
      const out = await withAgent(
        a,
        {},
        async () => a.call(a.a, "ask_peer", { target: V, body: "wake up", timeout_ms: 1500 }),
        { claudeSession: V, pane: bystander },
      );
      const screen = a.world.tmux.run(["capture-pane", "-p", "-t", bystander]);
      expect(screen).not.toContain(WAKE_LINE.slice(0, 30));
      return out;
    },
    expect: "ok",
    check: (out) => expect(JSON.stringify(out.wake)).toContain("pane-unverified"),
  },
];

const homeCases: Case[] = [
  {
    name: "OXTAIL_HOME given as a symlink to the data directory: one registry, one set of mailboxes",
    act: async (a) => {
      const link = path.join(bins, "home-link");
      if (!fs.existsSync(link)) fs.symlinkSync(a.home, link);
      return withAgent(a, { OXTAIL_HOME: link }, async (call) => {
        const out = await call("send_message", { target: B, body: "through a linked home" });
        const rows = (await call("list_project_sessions")).rows as { id: string }[];
        expect(rows.map((r) => r.id)).toEqual(expect.arrayContaining([A, B, X].map((s) => s.slice(0, 8))));
        return out;
      });
    },
    expect: "ok",
  },
  {
    name: "OXTAIL_HOME given with .. and a trailing slash: the same data directory",
    act: (a) =>
      withAgent(a, { OXTAIL_HOME: `${a.home}/../${path.basename(a.home)}/` }, (call) =>
        call("send_message", { target: B, body: "through .." }),
      ),
    expect: "ok",
  },
  {
    name: "OXTAIL_HOME is a FIFO: the server exits at once, non-zero, saying why (unsafe-path)",
    act: async () => {
      const fifo = path.join(bins, "home-fifo");
      arena.plants.fifo(fifo);
      return serverExit({ OXTAIL_HOME: fifo });
    },
    expect: "ok",
    check: (out) => {
      expect(out.code).not.toBe(0);
      expect(out.code).not.toBeNull();
      expect(String(out.stderr)).toMatch(/is a FIFO/);
    },
  },
  {
    name: "OXTAIL_HOME owned by another user: the server exits at once, non-zero, touching nothing",
    root: true,
    act: async () => {
      const foreign = tempDir("oxtail-foreign-home-");
      fs.chownSync(foreign, FOREIGN_ID, FOREIGN_ID);
      arena.plants.onUndo(() => fs.rmSync(foreign, { recursive: true, force: true }));
      const out = await serverExit({ OXTAIL_HOME: foreign });
      expect(fs.readdirSync(foreign)).toEqual([]);
      return out;
    },
    expect: "ok",
    check: (out) => {
      expect(out.code).not.toBe(0);
      expect(String(out.stderr)).toMatch(/owned by uid/);
    },
  },
  {
    name: "MCP_TRACE_FILE is a FIFO nobody reads: the server starts and serves",
    plant: (a) => a.plants.fifo(path.join(bins, "trace-fifo")),
    act: (a) =>
      withAgent(a, { MCP_TRACE_FILE: path.join(bins, "trace-fifo") }, (call) =>
        call("send_message", { target: B, body: "traced into a FIFO" }),
      ),
    expect: "ok",
  },
];

const processCases: Case[] = [
  {
    name: "a peer SIGKILLed with mail queued: it is not-found, its mail waits for its next server",
    act: async (a) => {
      process.kill(a.b.pid, "SIGKILL");
      await new Promise((r) => setTimeout(r, 200));
      const out = await a.call(a.a, "send_message", { target: B, body: "to a dead peer" });
      await a.restartB();
      return out;
    },
    expect: "not-found",
  },
  {
    name: "a peer SIGKILLed while its answer's messages were held: they come back, marked redelivered",
    act: async (a) => {
      const read = await a.call(a.b, "read_my_messages");
      const ids = (read.messages as { id: string }[]).map((m) => m.id);
      process.kill(a.b.pid, "SIGKILL");
      await a.restartB();
      const again = await a.call(a.b, "read_my_messages");
      const back = (again.messages as { id: string; redelivered?: boolean }[]).filter((m) =>
        ids.includes(m.id),
      );
      expect(back.map((m) => m.id)).toEqual(ids);
      expect(back.every((m) => m.redelivered)).toBe(true);
      return again;
    },
    expect: "ok",
  },
  {
    name: "a wake lock left by a dead process: taken over, the wake is not skipped",
    plant: (a) =>
      a.plants.file(
        path.join(a.home, "wakes", `${B}.lock`),
        JSON.stringify({ pid: 3999999, start_time: "1", at: Date.now() }),
      ),
    act: (a) => a.call(a.a, "ask_peer", { target: B, body: "q", timeout_ms: 500 }),
    expect: "ok",
    check: (out) => expect((out.wake as { outcome: string }).outcome).not.toBe("skipped"),
  },
  {
    name: "a fresh wake lock held by another live process: the wake is skipped, the question delivered",
    plant: (a) =>
      a.plants.file(
        path.join(a.home, "wakes", `${B}.lock`),
        JSON.stringify({ pid: process.pid, start_time: processStartTime(process.pid), at: Date.now() }),
      ),
    act: (a) => a.call(a.a, "ask_peer", { target: B, body: "q", timeout_ms: 500 }),
    expect: "ok",
    check: (out) => expect((out.wake as { outcome: string }).outcome).toBe("skipped"),
  },
];

const hookCases: Case[] = [
  {
    name: "the hook with OXTAIL_NODE naming no program: exits 0, prints nothing, the mail waits",
    act: (a) =>
      a.hook(
        "PreToolUse",
        { session_id: B },
        { CLAUDE_CODE_SESSION_ID: B, OXTAIL_NODE: path.join(bins, "no-node") },
      ),
    expect: "ok",
    check: (out) => expect(out).toMatchObject({ code: 0, stdout: "" }),
  },
  {
    name: "the hook with a 10 MB payload and the session only on stdin: answers, delivers",
    act: (a) =>
      a.hook("PreToolUse", `{"session_id":"${B}","tool_input":{"content":"${"x".repeat(10_000_000)}"}}`),
    expect: "ok",
    check: (out) => expect(String(out.stdout)).toContain("canary"),
  },
  {
    name: "the hook with an empty stdin and no session: exits 0, prints nothing",
    act: (a) => a.hook("Stop", ""),
    expect: "ok",
    check: (out) => expect(out).toMatchObject({ code: 0, stdout: "" }),
  },
  {
    name: "the hook with MCP_TRACE_FILE a FIFO nobody reads: SessionStart and a delivery finish",
    plant: (a) => a.plants.fifo(path.join(bins, "hook-trace-fifo")),
    act: async (a) => {
      const env = { CLAUDE_CODE_SESSION_ID: B, MCP_TRACE_FILE: path.join(bins, "hook-trace-fifo") };
      const start = await a.hook("SessionStart", { session_id: B, cwd: a.project }, env);
      expect(start.code).toBe(0);
      await a.call(a.a, "send_message", { target: B, body: "second canary" });
      const tool = await a.hook("PreToolUse", { session_id: B }, env);
      return { ...tool, stdout: `${start.stdout}${tool.stdout}` };
    },
    expect: "ok",
    check: (out) => {
      expect(String(out.stdout)).toContain("canary");
      expect(String(out.stdout)).toContain("second canary");
    },
  },
];

describe("environment", () =>
  table([...tmuxCases, ...homeCases, ...processCases, ...hookCases], () => arena));
