import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { isSessionId } from "@oxtail/core";

/** Codex's state folder: `$CODEX_HOME`, else `~/.codex`. */
export function codexHome(env: Readonly<Record<string, string | undefined>>, home?: string): string {
  if (env.CODEX_HOME) return path.resolve(env.CODEX_HOME);
  return path.join(home ?? env.HOME ?? os.homedir(), ".codex");
}

/** The creation time a UUIDv7 carries (its first 48 bits, ms since the epoch), or null for other versions. */
export function uuidV7Time(id: string): number | null {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-7/i.test(id)) return null;
  return Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}

const ROLLOUT_RE = /^rollout-.+-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.jsonl$/i;

/** The thread id in a rollout file name, or null. */
export function threadIdOfRollout(file: string): string | null {
  return ROLLOUT_RE.exec(path.basename(file))?.[1]?.toLowerCase() ?? null;
}

function dayFolders(sessions: string, ms: number): string[] {
  // Folders are the local date the thread was created; look at that day and its neighbours.
  return [-1, 0, 1].map((offset) => {
    const d = new Date(ms + offset * 86_400_000);
    const pad = (n: number) => String(n).padStart(2, "0");
    return path.join(sessions, String(d.getFullYear()), pad(d.getMonth() + 1), pad(d.getDate()));
  });
}

/**
 * The rollout of a thread: `<codex home>/sessions/YYYY/MM/DD/rollout-<local time>-<thread id>.jsonl`.
 * A UUIDv7 thread id dates its folder; otherwise (or when not there) every day folder is searched.
 */
export function findRollout(home: string, threadId: string): string | null {
  const sessions = path.join(home, "sessions");
  const id = threadId.toLowerCase();
  const born = uuidV7Time(id);
  const candidates = born === null ? [] : dayFolders(sessions, born);
  for (const dir of candidates) {
    const hit = listRollouts(dir).find((f) => threadIdOfRollout(f) === id);
    if (hit) return hit;
  }
  for (const dir of allDayFolders(sessions)) {
    if (candidates.includes(dir)) continue;
    const hit = listRollouts(dir).find((f) => threadIdOfRollout(f) === id);
    if (hit) return hit;
  }
  return null;
}

/** Rollout files in one day folder. */
export function listRollouts(dir: string): string[] {
  try {
    return fs
      .readdirSync(dir)
      .filter((n) => ROLLOUT_RE.test(n))
      .map((n) => path.join(dir, n));
  } catch {
    return [];
  }
}

function children(dir: string): string[] {
  try {
    return fs.readdirSync(dir).map((n) => path.join(dir, n));
  } catch {
    return [];
  }
}

/** Every `sessions/YYYY/MM/DD` folder, newest first. */
export function allDayFolders(sessions: string): string[] {
  return children(sessions).flatMap(children).flatMap(children).sort().reverse();
}

/**
 * The thread id Codex puts in every `tools/call` request's `_meta` (`threadId`, the same
 * `sessionId`, and `x-codex-turn-metadata.thread_id`), or null. Measured on 0.169.0 in
 * both daemon and `--no-daemon` modes.
 */
export function threadIdFromMeta(meta: Readonly<Record<string, unknown>>): string | null {
  const turn = meta["x-codex-turn-metadata"];
  const candidates = [
    meta.threadId,
    meta.sessionId,
    turn && typeof turn === "object" ? (turn as { thread_id?: unknown }).thread_id : undefined,
  ];
  const id = candidates.find((c) => isSessionId(c));
  return typeof id === "string" ? id.toLowerCase() : null;
}
