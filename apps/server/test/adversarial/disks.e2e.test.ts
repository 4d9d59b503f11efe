// Adversarial table: a data directory on a read-only or full disk (a small tmpfs mounted over the
// world's OXTAIL_HOME). Every write refused says storage-failure with what to do; nothing queued is
// lost; a full disk never leaves a half-written message visible; reads keep working where they can.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect } from "vitest";
import type { TestAgent } from "../harness.ts";
import { A, Arena, B, type Case, type Result, table, tempDir } from "./arena.ts";
import { deadRecordJson } from "./outside.ts";

/** Whether this process may mount a tmpfs (root, and mounting permitted here). */
const CAN_MOUNT = (() => {
  if (process.getuid?.() !== 0) return false;
  const dir = tempDir("oxtail-mount-probe-");
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", dir], { stdio: "ignore" });
    execFileSync("umount", [dir], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
})();
/** The session of a dead server whose record waits to be pruned. */
const DEAD_SESSION = "00000000-0000-4000-8000-0000000000de";
const WHY_SKIPPED = "skipped: mounting a tmpfs is not permitted here (needs root and mount rights)";

let arena: Arena;
let e: TestAgent;
let mounted = false;
beforeAll(async () => {
  if (!CAN_MOUNT) return;
  arena = new Arena();
  execFileSync("mount", ["-t", "tmpfs", "-o", "size=4m,nr_inodes=2000,mode=0700", "tmpfs", arena.home]);
  mounted = true;
  await arena.start();
  e = await arena.agent({ cwd: arena.project });
});
afterAll(async () => {
  if (!arena) return;
  try {
    await arena.drain();
  } finally {
    for (const agent of [arena.a, arena.b, e]) await agent?.close().catch(() => {});
    if (mounted) execFileSync("umount", [arena.home]);
    await arena.dispose();
  }
});

const home = () => arena.home;
/** Remount the data directory read-only until the undo. */
const readOnly = (a: Arena) => {
  execFileSync("mount", ["-o", "remount,ro", home()]);
  a.plants.onUndo(() => {
    execFileSync("mount", ["-o", "remount,rw", home()]);
  });
};
/** Fill the disk: bytes (a filler file) or inodes (empty files), until ENOSPC; removed by the undo. */
const full = (what: "bytes" | "inodes") => (a: Arena) => {
  const dir = path.join(home(), `filler-${what}`);
  fs.mkdirSync(dir);
  a.plants.onUndo(() => fs.rmSync(dir, { recursive: true, force: true }));
  if (what === "bytes") {
    const fd = fs.openSync(path.join(dir, "filler"), "w");
    const chunk = Buffer.alloc(64 * 1024, 0x66);
    try {
      for (;;) fs.writeSync(fd, chunk);
    } catch (error) {
      expect((error as NodeJS.ErrnoException).code).toBe("ENOSPC");
    } finally {
      fs.closeSync(fd);
    }
  } else {
    try {
      for (let i = 0; ; i++) fs.writeFileSync(path.join(dir, String(i)), "");
    } catch (error) {
      expect((error as NodeJS.ErrnoException).code).toBe("ENOSPC");
    }
  }
};
const send = (a: Arena, extra: Result = {}) =>
  a.call(a.a, "send_message", { target: B, body: "hello", ...extra });
/** Nothing half-written: B's tmp/ holds no file and every file in new/ is a whole message. */
const noHalfMessage = async (a: Arena) => {
  expect(fs.readdirSync(a.mailboxDir(B, "tmp"))).toEqual([]);
  expect(fs.readdirSync(a.mailboxDir(B, "new")).length).toBe((await a.waiting(B)).length);
};
/** The message of a storage failure says what happened and what to do. */
const says = (pattern: RegExp) => (out: Result) => expect(String(out.message)).toMatch(pattern);
const READ_ONLY = /read-only.*(remount|OXTAIL_HOME)/i;
const FULL = /full.*(free|OXTAIL_HOME)/i;

const readOnlyCases: Case[] = [
  {
    name: "read-only: send_message is storage-failure saying so; what was queued stays",
    plant: readOnly,
    act: send,
    expect: "storage-failure",
    check: says(READ_ONLY),
  },
  {
    name: "read-only: read_my_messages is storage-failure; nothing is lost or half-claimed",
    plant: readOnly,
    act: (a) => a.call(a.b, "read_my_messages"),
    expect: "storage-failure",
    check: says(READ_ONLY),
  },
  {
    name: "read-only: set_my_state is storage-failure; peers still see the old card",
    plant: async (a) => {
      expect(await a.call(a.a, "set_my_state", { purpose: "before the disk went read-only" })).toMatchObject({
        ok: true,
      });
      readOnly(a);
    },
    act: (a) => a.call(a.a, "set_my_state", { purpose: "after" }),
    expect: "storage-failure",
    check: async (out, a) => {
      says(READ_ONLY)(out);
      const rows = (await a.call(a.b, "list_project_sessions")).rows as {
        id: string;
        card: string;
      }[];
      expect(rows.find((r) => r.id === A.slice(0, 8))?.card).toBe("before the disk went read-only");
    },
  },
  {
    name: "read-only: claim_session is storage-failure and the identity is unchanged",
    plant: readOnly,
    act: async (a) => {
      const out = await a.call(e, "claim_session", { session_id: "00000000-0000-4000-8000-00000000000e" });
      const mine = (await a.call(e, "get_my_session")).record as { client: { session_id: string | null } };
      expect(mine.client.session_id).toBeNull();
      return out;
    },
    expect: "storage-failure",
  },
  {
    name: "read-only: ask_peer is storage-failure before anything is sent",
    plant: readOnly,
    act: (a) => a.call(a.a, "ask_peer", { target: B, body: "q", timeout_ms: 200 }),
    expect: "storage-failure",
  },
  {
    name: "read-only: a keyed send_message is storage-failure, not an internal error",
    plant: async (a) => {
      expect(await send(a, { idempotency_key: "k-before" })).toMatchObject({ ok: true });
      readOnly(a);
    },
    act: (a) => send(a, { idempotency_key: "k-ro" }),
    expect: "storage-failure",
  },

  {
    name: "read-only, a dead record waiting to be pruned: list_project_sessions still lists the live agents",
    plant: (a) => {
      a.plants.file(
        path.join(home(), "sessions", "3999996-1.json"),
        deadRecordJson(a.project, DEAD_SESSION, "3999996-1"),
      );
      readOnly(a);
    },
    act: (a) => a.call(a.a, "list_project_sessions"),
    expect: "ok",
    check: (out) => {
      const listed = (out.rows as { id?: string }[]).map((r) => r.id);
      expect(listed).toContain(B.slice(0, 8));
      expect(listed).not.toContain(DEAD_SESSION.slice(0, 8));
    },
  },
  {
    name: "read-only: wake_status and get_my_session answer",
    plant: readOnly,
    act: async (a) => {
      expect(await a.call(a.a, "get_my_session")).toMatchObject({ ok: true });
      return a.call(a.a, "wake_status", { target: B });
    },
    expect: "ok",
  },
  {
    name: "read-only: the hook exits 0 with no output, and the mail waits for later",
    plant: readOnly,
    act: (a) => a.hook("PreToolUse", { session_id: B }, { CLAUDE_CODE_SESSION_ID: B }),
    expect: "ok",
    check: (out) => expect(out).toMatchObject({ code: 0, stdout: "" }),
  },
  {
    name: "read-only: a server starting on it still serves (its record cannot be written)",

    plant: readOnly,
    act: async (a) => {
      const late = await a.agent({ cwd: a.project, claudeSession: "00000000-0000-4000-8000-0000000000f1" });
      const out = await a.call(late, "get_my_session");
      await late.close();
      return out;
    },
    expect: "ok",
  },
];

const fullCases: Case[] = [
  {
    name: "full disk: send_message is storage-failure saying so; no half-written message is visible",
    plant: full("bytes"),
    act: (a) => send(a, { body: "x".repeat(8000) }),
    expect: "storage-failure",
    check: async (out, a) => {
      says(FULL)(out);
      await noHalfMessage(a);
    },
  },
  {
    name: "full disk: ask_peer is storage-failure, nothing sent",
    plant: full("bytes"),
    act: (a) => a.call(a.a, "ask_peer", { target: B, body: "q".repeat(8000), timeout_ms: 200 }),
    expect: "storage-failure",
    check: (_out, a) => noHalfMessage(a),
  },
  {
    name: "full disk: set_my_state is storage-failure",
    plant: full("bytes"),
    act: (a) => a.call(a.a, "set_my_state", { purpose: "p".repeat(200) }),
    expect: "storage-failure",
    check: says(FULL),
  },
  {
    name: "full disk: a keyed send_message is storage-failure",
    plant: full("bytes"),
    act: (a) => send(a, { body: "y".repeat(8000), idempotency_key: "k-full" }),
    expect: "storage-failure",
    check: (_out, a) => noHalfMessage(a),
  },
  {
    name: "full disk: read_my_messages still delivers (claims are renames)",
    plant: full("bytes"),
    act: (a) => a.call(a.b, "read_my_messages"),
    expect: "ok",
    check: (out) => expect((out.messages as unknown[]).length).toBeGreaterThan(0),
  },
  {
    name: "full disk: the hook still delivers; SessionStart leaves no half-written drop",
    plant: full("bytes"),
    act: async (a) => {
      const start = await a.hook("SessionStart", {
        session_id: B,
        cwd: a.project,
        transcript_path: "t".repeat(4000),
      });
      expect(start.code).toBe(0);
      const dir = path.join(home(), "identity");
      if (fs.existsSync(dir)) expect(fs.readdirSync(dir).filter((n) => n.endsWith(".tmp"))).toEqual([]);
      return a.hook("PreToolUse", { session_id: B }, { CLAUDE_CODE_SESSION_ID: B });
    },
    expect: "ok",
    check: (out) => expect(String(out.stdout)).toContain("canary"),
  },
  {
    name: "no inodes left: send_message is storage-failure saying so",
    plant: full("inodes"),
    act: send,
    expect: "storage-failure",
    check: async (out, a) => {
      says(FULL)(out);
      await noHalfMessage(a);
    },
  },
];

describe.skipIf(!CAN_MOUNT)(`disks${CAN_MOUNT ? "" : ` (${WHY_SKIPPED})`}`, () =>
  table([...readOnlyCases, ...fullCases], () => arena),
);
