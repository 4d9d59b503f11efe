import fs from "node:fs";
import path from "node:path";
import { ensurePrivatePath, verifyPrivatePath } from "../home/home.js";
import { readPrivateFile, writePrivateFileAtomic } from "../home/private-file.js";
import { isSessionId } from "../ids.js";
import { isProcessAlive } from "../process/liveness.js";

// A session's sleeper is a background process an adapter leaves for an idle session (a client's
// background hook can be one): it waits for the session's mail and, when mail comes while the session
// is idle, hands it over so that the client itself starts a turn — a wake with no typing. Its state
// lives under `<home>/sleepers/` (docs/protocol.md): `<session>.json` names the sleeper waiting (it
// writes it: the newest sleeper wins), `<session>.woke.json` records the last wake (the hook writes
// it when it hands the mail over), and `<session>.bell` is a FIFO the sleeper reads: a sender rings it
// after queueing a message, so the sleeper wakes at once instead of at its next look.

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
  return {
    dir,
    lock: path.join(dir, `${key}.json`),
    woke: path.join(dir, `${key}.woke.json`),
    bell: path.join(dir, `${key}.bell`),
  };
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

/** Record that this process woke the session (just before it exits 2). */
export function recordSleeperWake(
  home: string,
  session: string,
  messages: readonly string[],
  now: number = Date.now(),
): void {
  if (!isSessionId(session)) return;
  const { dir, woke } = files(home, session);
  ensurePrivatePath(home, dir);
  writePrivateFileAtomic(woke, JSON.stringify({ pid: process.pid, at: now, messages: [...messages] }));
}

/** The session's sleeper: the live one waiting (a dead holder counts as none) and the last wake. */
export function readSleeper(home: string, session: string): SleeperState {
  const none = { waiting: null, lastWake: null };
  if (!isSessionId(session)) return none;
  const { dir, lock, woke } = files(home, session);
  try {
    if (!verifyPrivatePath(home, dir)) return none;
  } catch {
    return none; // a symlinked or foreign `sleepers/` says nothing
  }
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

/**
 * Ring the session's bell, if a sleeper keeps one: a FIFO owned by this user, opened for writing
 * without blocking (no reader: nothing happens). Never throws: a missing or unusable bell only
 * means the sleeper notices the mail at its next look (within a second).
 */
export function ringSleeper(home: string, session: string): void {
  if (!isSessionId(session)) return;
  const { bell } = files(home, session);
  let fd: number;
  try {
    fd = fs.openSync(bell, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOFOLLOW);
  } catch {
    return; // no bell, or no sleeper reading it (ENXIO)
  }
  try {
    const stat = fs.fstatSync(fd);
    if (stat.isFIFO() && untrustedOwner(stat) === null) fs.writeSync(fd, "\n");
  } catch {
    // a full pipe already holds a ring
  } finally {
    fs.closeSync(fd);
  }
}

function untrustedOwner(stat: fs.Stats): string | null {
  const uid = typeof process.getuid === "function" ? process.getuid() : null;
  return uid !== null && stat.uid !== uid ? `owned by uid ${stat.uid}` : null;
}
