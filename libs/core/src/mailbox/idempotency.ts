import fs from "node:fs";
import path from "node:path";
import { isOxtailError, OxtailError } from "../errors.js";
import { ensurePrivatePath, untrustedReason } from "../home/home.js";
import {
  createPrivateFile,
  readPrivateFile,
  removePrivateFile,
  writePrivateFileAtomic,
} from "../home/private-file.js";
import { isProcessAlive, selfProcess } from "../process/liveness.js";
import { isMailboxKey, type MailboxKey } from "./types.js";

/** How long a call's result is remembered under its idempotency key. */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
/** Longest idempotency key, in characters. */
export const MAX_IDEMPOTENCY_KEY_CHARS = 200;
/** How long a second call waits for a first one with the same key that is still running, ms. */
const IN_FLIGHT_WAIT_MS = 5000;

/** The outcome of {@link IdempotencyStore.once}: the result, and whether it was remembered. */
export interface OnceResult<T> {
  value: T;
  /** True when an earlier call with the same key produced `value`, and nothing ran now. */
  replayed: boolean;
}

/**
 * Remembers what a sender's call with an idempotency key produced, so a retry is a no-op that
 * returns the same result (SPEC §9, "delivered means delivered").
 */
export interface IdempotencyStore {
  /**
   * Run `action` once per (sender, scope, key) within {@link IDEMPOTENCY_TTL_MS}; a later call
   * returns the remembered result. Concurrent calls with one key run `action` once: the second
   * waits for the first (or takes over when its process died without a result).
   */
  once<T>(sender: MailboxKey, scope: string, key: string, action: () => Promise<T>): Promise<OnceResult<T>>;
}

interface Entry {
  v: 1;
  state: "running" | "done";
  pid: number;
  start_time: string | null;
  at: number;
  value?: unknown;
}

/** Remove a few entries older than the TTL (by mtime), so the folder does not grow without end. */
function pruneExpired(dir: string, at: number): void {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names.slice(0, 200)) {
    if (!/^[0-9a-f]{40}\.json$/.test(name)) continue;
    const file = path.join(dir, name);
    try {
      const stat = fs.lstatSync(file);
      // Only regular files of the user: a foreign-owned entry is never deleted.
      if (untrustedReason(stat, "file") === null && at - stat.mtimeMs > IDEMPOTENCY_TTL_MS)
        fs.rmSync(file, { force: true });
    } catch {
      // gone meanwhile
    }
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Idempotency records under `<home>/sent/<sender mailbox key>/<hash>.json` (docs/protocol.md). */
export function createFsIdempotencyStore(options: { home: string; now?: () => number }): IdempotencyStore {
  const now = options.now ?? Date.now;

  async function fileOf(sender: MailboxKey, scope: string, key: string): Promise<string> {
    if (!isMailboxKey(sender)) throw new OxtailError("invalid-input", "Bad sender mailbox key.");
    if (typeof key !== "string" || key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY_CHARS) {
      throw new OxtailError(
        "invalid-input",
        `idempotency_key must be 1 to ${MAX_IDEMPOTENCY_KEY_CHARS} characters.`,
      );
    }
    // Loaded only when a call carries an idempotency key.
    const { createHash } = await import("node:crypto");
    const hash = createHash("sha256").update(`${scope}\0${key}`).digest("hex").slice(0, 40);
    const dir = path.join(options.home, "sent", sender);
    ensurePrivatePath(options.home, dir);
    return path.join(dir, `${hash}.json`);
  }

  function parseEntry(text: string): Entry | null {
    try {
      const entry = JSON.parse(text) as Entry;
      return entry && entry.v === 1 && (entry.state === "running" || entry.state === "done") ? entry : null;
    } catch {
      return null;
    }
  }

  /** Try to become the one running the action: create the entry exclusively (`storage-failure` on I/O errors). */
  function reserve(file: string): boolean {
    const me = selfProcess();
    const entry: Entry = { v: 1, state: "running", pid: me.pid, start_time: me.startTime, at: now() };
    try {
      createPrivateFile(file, JSON.stringify(entry));
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
      throw error;
    }
  }

  /** Remove an entry that no longer counts (expired, unreadable, or its runner died), if it is still that one. */
  function discard(file: string, seen: string | null): void {
    try {
      if (readPrivateFile(file) === seen) removePrivateFile(file);
    } catch {
      // changed meanwhile, or not ours to touch: leave it
    }
  }

  return {
    async once(sender, scope, key, action) {
      const file = await fileOf(sender, scope, key);
      const deadline = now() + IN_FLIGHT_WAIT_MS;
      for (;;) {
        if (reserve(file)) break;
        let text: string | null;
        try {
          text = readPrivateFile(file);
        } catch (error) {
          // Larger than any entry: not one, and ours to remove. Anything else (a FIFO, a symlink, a
          // foreign file) can be neither read nor removed: refuse rather than retry forever.
          if (!isOxtailError(error, "corrupt-record")) throw error;
          removePrivateFile(file);
          continue;
        }
        if (text === null) continue; // removed meanwhile
        const entry = parseEntry(text);
        const fresh = entry !== null && now() - entry.at < IDEMPOTENCY_TTL_MS;
        if (entry?.state === "done" && fresh) return { value: entry.value as never, replayed: true };
        const runnerAlive =
          entry?.state === "running" && fresh && isProcessAlive(entry.pid, entry.start_time);
        if (!runnerAlive) {
          discard(file, text);
          continue;
        }
        if (now() > deadline) {
          throw new OxtailError(
            "timeout",
            "A call with this idempotency_key is still running in another process. Retry later with the same key.",
          );
        }
        await sleep(50);
      }
      let value: Awaited<ReturnType<typeof action>>;
      try {
        value = await action();
      } catch (error) {
        try {
          removePrivateFile(file);
        } catch {
          // not ours to remove: leave it
        }
        throw error;
      }
      const me = selfProcess();
      const done: Entry = { v: 1, state: "done", pid: me.pid, start_time: me.startTime, at: now(), value };
      try {
        writePrivateFileAtomic(file, JSON.stringify(done));
      } catch {
        // The action's effect happened: report it. A retry then runs it again (the running entry's
        // process is this one, alive, so the retry waits for it first and then takes over).
      }
      pruneExpired(path.dirname(file), now());
      return { value, replayed: false };
    },
  };
}
