import path from "node:path";
import { ensurePrivateDir, readPrivateFile, writePrivateFileAtomic } from "../home/home.js";
import { isSessionId } from "../ids.js";
import { isProcessAlive, processStartTime } from "../process/liveness.js";
import { exclusiveLockFile } from "./lockfile.js";

// A session's sleeper is a background hook process (Claude Code's `asyncRewake`) that waits on
// the session's mailbox and, when mail arrives while the session is idle, exits 2 so that the
// client itself starts a turn: a wake with no typing. Its state lives under
// `<home>/sleepers/`: `<session>.json` while one waits (the lock), `<session>.woke.json` once
// one has woken the session. The hook writes both; a server reads them to choose and check a wake.

/** The sleeper holding a session's lock. */
export interface SleeperLock {
  pid: number;
  start_time: string | null;
  /** When it started waiting (epoch ms). */
  since: number;
}

/** The last time a sleeper woke its session. */
export interface SleeperWake {
  pid: number;
  /** When it exited 2 (epoch ms). */
  at: number;
  /** The ids of the messages it delivered with the wake. */
  messages: string[];
}

/** What a reader learns about a session's sleeper. */
export interface SleeperState {
  /** The live sleeper waiting for mail, or null. */
  waiting: SleeperLock | null;
  /** The last wake, or null. */
  lastWake: SleeperWake | null;
}

function files(home: string, session: string) {
  const dir = path.join(home, "sleepers");
  const key = session.toLowerCase();
  return { dir, lock: path.join(dir, `${key}.json`), woke: path.join(dir, `${key}.woke.json`) };
}

function parse<T>(text: string | null): T | null {
  if (text === null) return null;
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === "object" ? (value as T) : null;
  } catch {
    return null;
  }
}

function parseLock(text: string | null): SleeperLock | null {
  const lock = parse<SleeperLock>(text);
  return lock && Number.isInteger(lock.pid) && lock.pid > 0 ? lock : null;
}

function readLock(file: string): SleeperLock | null {
  try {
    return parseLock(readPrivateFile(file));
  } catch {
    return null;
  }
}

/**
 * Take the session's sleeper lock for this process. The newest sleeper wins: a live
 * holder is sent SIGTERM (it exits quietly), a dead or unreadable one is moved aside.
 * Returns a release function (which removes the lock only while this process holds it),
 * or null when the session id is not one or the lock cannot be taken.
 */
export function claimSleeper(home: string, session: string, now: number = Date.now()): (() => void) | null {
  if (!isSessionId(session)) return null;
  const { dir, lock } = files(home, session);
  ensurePrivateDir(home);
  ensurePrivateDir(dir);
  const mine = JSON.stringify({ pid: process.pid, start_time: processStartTime(process.pid), since: now });
  return exclusiveLockFile(lock, mine, (text) => {
    const held = parseLock(text);
    if (held && held.pid !== process.pid && isProcessAlive(held.pid, held.start_time)) {
      try {
        process.kill(held.pid, "SIGTERM"); // it exits quietly
      } catch {
        // it just ended
      }
    }
    return true; // the newest sleeper wins
  });
}

/** Record that this process woke the session (just before it exits 2). */
export function recordSleeperWake(
  home: string,
  session: string,
  messages: readonly string[],
  now: number = Date.now(),
): void {
  if (!isSessionId(session)) return;
  const { dir, woke } = files(home, session);
  ensurePrivateDir(home);
  ensurePrivateDir(dir);
  writePrivateFileAtomic(woke, JSON.stringify({ pid: process.pid, at: now, messages: [...messages] }));
}

/** The session's sleeper: the live one waiting (a dead holder counts as none) and the last wake. */
export function readSleeper(home: string, session: string): SleeperState {
  if (!isSessionId(session)) return { waiting: null, lastWake: null };
  const { lock, woke } = files(home, session);
  const held = readLock(lock);
  let lastWake: SleeperWake | null = null;
  try {
    const w = parse<SleeperWake>(readPrivateFile(woke));
    if (w && typeof w.at === "number" && Array.isArray(w.messages)) lastWake = w;
  } catch {
    // unreadable: no wake known
  }
  return { waiting: held && isProcessAlive(held.pid, held.start_time) ? held : null, lastWake };
}
