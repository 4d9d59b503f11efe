// Helpers of the planted-files tables: paths in the data directory, the calls the cases make, and
// what they check.
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { createMessageId } from "@oxtail/core/runtime";
import { DELIVERY_HOLD_MS } from "../../src/delivery.ts";
import { type Arena, B, C, type Result, tempDir } from "./arena.ts";

/** Paths in the data directory of the arena `get()` returns (set once its table starts). */
export function inData(get: () => Arena) {
  /** A path in the data directory. */
  const at = (...parts: string[]) => path.join(get().home, ...parts);
  /** B's mailbox, or one of its folders. */
  const box = (sub?: "new" | "cur" | "tmp" | "bad" | "redelivered") => get().mailboxDir(B, sub);
  /** A fresh message file name in B's `new/` (an id older than the scan). */
  const planted = () => {
    const id = createMessageId(Date.now() - 5000);
    return { id, file: path.join(box("new"), `${id}.json`) };
  };
  return { at, box, planted };
}

export const send = (a: Arena, body = "hello") => a.call(a.a, "send_message", { target: B, body });
export const read = (a: Arena) => a.call(a.b, "read_my_messages");
export const list = (a: Arena) => a.call(a.a, "list_project_sessions");
export const ids = (out: Result) => (out.messages as { id: string; body: string }[]).map((m) => m.id);
export const bodies = (out: Result) => (out.messages as { id: string; body: string }[]).map((m) => m.body);

/** What an entry is, not followed. */
export const kind = (file: string) => {
  const s = fs.lstatSync(file);
  if (s.isFIFO()) return "fifo";
  if (s.isSocket()) return "socket";
  if (s.isSymbolicLink()) return "link";
  return s.isFile() ? "file" : "dir";
};

/** The hook's PreToolUse for B, with B's session in the environment as Claude Code passes it. */
export const hookB = (a: Arena) =>
  a.hook("PreToolUse", { session_id: B, tool_name: "Bash" }, { CLAUDE_CODE_SESSION_ID: B });

/** A server started for C in the project: what get_my_session says, then it is closed. */
export const startC = async (a: Arena): Promise<Result> => {
  const c = await a.agent({ cwd: a.project, claudeSession: C });
  const mine = await a.call(c, "get_my_session");
  await c.close();
  return mine;
};

/** Wait until the delivery ledger has settled an answer (its hold has passed). */
export const afterHold = () => new Promise((r) => setTimeout(r, DELIVERY_HOLD_MS + 400));

/** A folder outside the data directory holding a decoy file per name (removed by the undo). */
export const decoys = (a: Arena, names: string[]): string => {
  const dir = tempDir("oxtail-decoys-");
  for (const name of names) fs.writeFileSync(path.join(dir, name), "decoy: must stay");
  a.plants.onUndo(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
};

/** The SHA-256 name an idempotency record of `send_message` with `key` gets. */
export const keyRecordName = (key: string) =>
  `${createHash("sha256").update(`send_message\0${key}`).digest("hex").slice(0, 40)}.json`;
