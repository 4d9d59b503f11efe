import fs from "node:fs";
import path from "node:path";
import { ensurePrivateDir, PRIVATE_FILE_MODE, untrustedReason } from "../home/home.js";
import type { Tracer } from "../trace/trace.js";

/**
 * The folder of a mailbox that holds one mark per message that was handed out to a
 * reader which then died: `<mailbox>/redelivered/<message id>` (docs/protocol.md).
 */
export const REDELIVERED_DIR = "redelivered";

/** Where the marks of the mailbox at `root` live. */
export function redeliveredDir(root: string): string {
  return path.join(root, REDELIVERED_DIR);
}

/**
 * Record that message `id` was claimed by `claimer`, now dead. Written before the claim
 * goes back to `new/`, so a crash in between leaves the mark and the claim, and the next
 * recovery writes it again. Best effort: a mark that cannot be written loses a hint, never
 * the message.
 */
export function markRedelivered(root: string, id: string, claimer: string, tracer: Tracer): void {
  const dir = redeliveredDir(root);
  try {
    ensurePrivateDir(dir);
    const fd = fs.openSync(
      path.join(dir, id),
      fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW,
      PRIVATE_FILE_MODE,
    );
    try {
      fs.writeSync(fd, JSON.stringify({ v: 1, claimer, at: new Date().toISOString() }));
    } finally {
      fs.closeSync(fd);
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return;
    tracer.trace({ kind: "mailbox.mark-failed", dir, id, error: (error as Error).message });
  }
}

/**
 * The ids of `ids` that carry a mark: one listing of the marks folder (usually missing or
 * empty), then a check of each hit. A folder that is not a private directory counts as empty.
 */
export function markedIds(root: string, ids: readonly string[]): Set<string> {
  const dir = redeliveredDir(root);
  const out = new Set<string>();
  let names: string[];
  try {
    if (untrustedReason(fs.lstatSync(dir), "dir") !== null) return out;
    names = fs.readdirSync(dir);
  } catch {
    return out;
  }
  if (names.length === 0) return out;
  const present = new Set(names);
  for (const id of ids) if (present.has(id) && isMarkedRedelivered(root, id)) out.add(id);
  return out;
}

/**
 * True when `root` holds a trustworthy mark for message `id`: a regular file of ours in a marks
 * folder that is a real directory of ours (a folder swapped for a symlink holds no marks, so
 * nothing there is cleared or moved).
 */
export function isMarkedRedelivered(root: string, id: string): boolean {
  const dir = redeliveredDir(root);
  try {
    if (untrustedReason(fs.lstatSync(dir), "dir") !== null) return false;
    return untrustedReason(fs.lstatSync(path.join(dir, id)), "file") === null;
  } catch {
    return false;
  }
}

/**
 * Remove the mark of message `id`, only when it is a regular file of ours. Called before
 * the claim itself is removed at acknowledgement: a crash in between leaves a dead claim,
 * which recovery marks again.
 */
export function clearRedelivered(root: string, id: string): void {
  if (!isMarkedRedelivered(root, id)) return;
  fs.rmSync(path.join(redeliveredDir(root), id), { force: true });
}

/**
 * Carry the mark of message `id` from one mailbox to another (merge). Moved before the
 * message, so an interrupted merge keeps the mark where the message will end up.
 */
export function moveRedelivered(fromRoot: string, toRoot: string, id: string): void {
  if (!isMarkedRedelivered(fromRoot, id)) return;
  try {
    ensurePrivateDir(redeliveredDir(toRoot));
    fs.renameSync(path.join(redeliveredDir(fromRoot), id), path.join(redeliveredDir(toRoot), id));
  } catch {
    // The message still moves; at worst it loses its hint.
  }
}
