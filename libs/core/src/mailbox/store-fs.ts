import fs from "node:fs";
import path from "node:path";
import { OxtailError } from "../errors.js";
import { ensurePrivateDir, PRIVATE_FILE_MODE, readPrivateFile, storageFailure } from "../home/home.js";
import { isMessageId, messageIdTime } from "../ids.js";
import { isProcessTokenAlive, selfProcess } from "../process/liveness.js";
import { NULL_TRACER, type Tracer } from "../trace/trace.js";
import {
  type Claim,
  isMailboxKey,
  type MailboxKey,
  type MailboxListener,
  type MailboxStore,
  type Message,
  MessageSchema,
} from "./types.js";

/** How often a watcher re-checks when no file-system event came (the safety net). */
export const MAILBOX_POLL_MS = 1000;

/** How often watchers look again while another live process holds a claim in the mailbox. */
export const CLAIM_RECHECK_MS = 200;
/** How soon watchers are poked again when a scan deferred messages of its own millisecond. */
const DEFER_RETRY_MS = 2;

const NEW_NAME_RE = /^([0-9a-f]{12}-[0-9a-f]{8}-[0-9a-f]{8})\.json$/;
const CLAIMED_NAME_RE = /^([0-9a-f]{12}-[0-9a-f]{8}-[0-9a-f]{8})\.json\.(\d+-[A-Za-z0-9]+)$/;
const TMP_NAME_RE = /^[0-9a-f-]+\.(\d+-[A-Za-z0-9]+)\.tmp$/;

/** Options for {@link createFsMailboxStore}. */
export interface FsMailboxStoreOptions {
  /** The data directory (`OXTAIL_HOME`). */
  home: string;
  /** Where ignored entries are reported. */
  tracer?: Tracer;
  /** Safety-net poll interval of watchers, in ms. */
  pollMs?: number;
}

interface Dirs {
  root: string;
  tmp: string;
  new: string;
  cur: string;
  bad: string;
}

/**
 * Maildir-style mailboxes under `<home>/mailboxes/<key>/` (docs/protocol.md):
 * a sender writes `tmp/<id>.<token>.tmp` and renames it to `new/<id>.json`; a reader
 * claims a message by renaming it to `cur/<id>.json.<reader token>`, and acknowledges
 * it by unlinking. Every step is one atomic rename or unlink, so a SIGKILL anywhere
 * leaves each message in exactly one of tmp (never sent), new, or cur; a claim whose
 * reader is dead goes back to new on the next read.
 */
export function createFsMailboxStore(options: FsMailboxStoreOptions): MailboxStore {
  const base = path.join(options.home, "mailboxes");
  const tracer = options.tracer ?? NULL_TRACER;
  const pollMs = options.pollMs ?? MAILBOX_POLL_MS;

  function dirs(key: MailboxKey, create: boolean): Dirs {
    if (!isMailboxKey(key)) throw new OxtailError("invalid-input", `Bad mailbox key ${JSON.stringify(key)}.`);
    const root = path.join(base, key);
    const d = {
      root,
      tmp: path.join(root, "tmp"),
      new: path.join(root, "new"),
      cur: path.join(root, "cur"),
      bad: path.join(root, "bad"),
    };
    if (create) {
      ensurePrivateDir(options.home);
      ensurePrivateDir(base);
      for (const dir of [d.root, d.tmp, d.new, d.cur]) ensurePrivateDir(dir);
    } else {
      for (const dir of [d.root, d.new, d.cur]) checkNotSymlink(dir);
    }
    return d;
  }

  function checkNotSymlink(dir: string): void {
    let stat: fs.Stats;
    try {
      stat = fs.lstatSync(dir);
    } catch {
      return;
    }
    if (!stat.isDirectory()) {
      throw new OxtailError(
        "unsafe-path",
        `Mailbox ${dir} is not a directory (a symlink?); refusing to use it.`,
        {
          data: { path: dir },
        },
      );
    }
  }

  function list(dir: string): string[] {
    try {
      return fs.readdirSync(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw storageFailure(dir, error);
    }
  }

  /**
   * The ids waiting in `new/`, oldest first, created strictly before this scan began.
   * readdir(3) may miss an entry added while it runs yet return a later one, so a
   * message created in the scan's own millisecond or after is deferred: every earlier
   * message of its sender was renamed in before the scan began, so it is listed too,
   * and per-sender order holds. Watchers of a mailbox with deferred ids are poked again.
   */
  async function pendingIds(d: Dirs, key: MailboxKey): Promise<string[]> {
    for (let attempt = 0; ; attempt++) {
      const fence = Date.now();
      const ids: string[] = [];
      let deferred = false;
      for (const name of list(d.new)) {
        const match = NEW_NAME_RE.exec(name);
        if (!match?.[1]) continue;
        if (messageIdTime(match[1]) < fence) ids.push(match[1]);
        else deferred = true;
      }
      if (!deferred || attempt > 0) {
        if (deferred) pokeLater(key, DEFER_RETRY_MS);
        return ids.sort();
      }
      // Something landed this very millisecond: look again once the clock has moved on.
      await new Promise((resolve) => setTimeout(resolve, DEFER_RETRY_MS));
    }
  }

  const listeners = new Map<MailboxKey, Set<MailboxListener>>();
  const pokes = new Set<MailboxKey>();
  /** Call this process's watchers of `key` again after `delay` ms (at most one pending per mailbox). */
  function pokeLater(key: MailboxKey, delay: number): void {
    if (pokes.has(key) || !listeners.get(key)?.size) return;
    pokes.add(key);
    setTimeout(() => {
      pokes.delete(key);
      for (const listener of listeners.get(key) ?? []) listener();
    }, delay).unref();
  }

  /**
   * Return claims of dead readers to `new/`, and drop temp files of dead writers. While
   * another live process holds a claim, watchers look again every {@link CLAIM_RECHECK_MS},
   * so its death is noticed well within a second.
   */
  function recover(d: Dirs, key: MailboxKey): void {
    const self = selfProcess().token;
    let foreignClaims = false;
    for (const name of list(d.cur)) {
      const match = CLAIMED_NAME_RE.exec(name);
      if (!match?.[1] || !match[2] || match[2] === self) continue;
      if (isProcessTokenAlive(match[2])) {
        foreignClaims = true;
        continue;
      }
      renameQuiet(path.join(d.cur, name), path.join(d.new, `${match[1]}.json`));
      tracer.trace({ kind: "mailbox.recovered", mailbox: key, id: match[1], claimer: match[2] });
    }
    if (foreignClaims) pokeLater(key, CLAIM_RECHECK_MS);
    for (const name of list(d.tmp)) {
      const match = TMP_NAME_RE.exec(name);
      if (match?.[1] && match[1] !== self && !isProcessTokenAlive(match[1])) {
        fs.rmSync(path.join(d.tmp, name), { force: true });
      }
    }
  }

  /** Read and validate one message file; a bad one is moved to `bad/`, traced, and skipped. */
  function readMessage(d: Dirs, file: string, id: string): Message | null {
    let text: string | null;
    try {
      text = readPrivateFile(file);
    } catch (error) {
      quarantine(d, file, (error as Error).message);
      return null;
    }
    if (text === null) return null;
    let reason: string;
    try {
      const parsed = MessageSchema.safeParse(JSON.parse(text));
      if (parsed.success && parsed.data.id === id) return parsed.data;
      reason = parsed.success
        ? "id does not match its file name"
        : (parsed.error.issues[0]?.message ?? "invalid");
    } catch (error) {
      reason = `unparsable JSON: ${(error as Error).message}`;
    }
    quarantine(d, file, reason);
    return null;
  }

  function quarantine(d: Dirs, file: string, reason: string): void {
    try {
      ensurePrivateDir(d.bad);
      renameQuiet(file, path.join(d.bad, path.basename(file)));
    } catch {
      // Leave it in place; it is skipped either way.
    }
    tracer.trace({ kind: "mailbox.ignored", file, reason });
  }

  function claimOne(d: Dirs, id: string): string | null {
    const claimed = path.join(d.cur, `${id}.json.${selfProcess().token}`);
    return renameQuiet(path.join(d.new, `${id}.json`), claimed) ? claimed : null;
  }

  function makeClaim(d: Dirs, entries: { file: string; message: Message }[]): Claim {
    let settled = false;
    const settle = (action: (file: string, message: Message) => void): Promise<void> => {
      if (!settled) {
        settled = true;
        for (const { file, message } of entries) action(file, message);
      }
      return Promise.resolve();
    };
    return {
      messages: entries.map((e) => e.message),
      ack: () => settle((file) => fs.rmSync(file, { force: true })),
      release: () => settle((file, message) => renameQuiet(file, path.join(d.new, `${message.id}.json`))),
    };
  }

  return {
    async append(key, message) {
      if (!isMessageId(message.id)) throw new OxtailError("invalid-input", "Message id is malformed.");
      const d = dirs(key, true);
      const tmp = path.join(d.tmp, `${message.id}.${selfProcess().token}.tmp`);
      try {
        fs.writeFileSync(tmp, JSON.stringify(message), { mode: PRIVATE_FILE_MODE, flag: "wx" });
        fs.renameSync(tmp, path.join(d.new, `${message.id}.json`));
      } catch (error) {
        fs.rmSync(tmp, { force: true });
        throw storageFailure(d.new, error);
      }
    },

    async hasPending(key) {
      const d = dirs(key, false);
      recover(d, key);
      return list(d.new).some((name) => NEW_NAME_RE.test(name));
    },

    async peek(key) {
      const d = dirs(key, false);
      recover(d, key);
      const out: Message[] = [];
      for (const id of await pendingIds(d, key)) {
        const message = readMessage(d, path.join(d.new, `${id}.json`), id);
        if (message) out.push(message);
      }
      return out;
    },

    async claimAll(key) {
      const d = dirs(key, false);
      recover(d, key);
      const entries: { file: string; message: Message }[] = [];
      for (const id of await pendingIds(d, key)) {
        const file = claimOne(d, id);
        if (!file) continue;
        const message = readMessage(d, file, id);
        if (message) entries.push({ file, message });
      }
      return makeClaim(d, entries);
    },

    async claimFirst(key, predicate) {
      const d = dirs(key, false);
      recover(d, key);
      for (const id of await pendingIds(d, key)) {
        const message = readMessage(d, path.join(d.new, `${id}.json`), id);
        if (!message || !predicate(message)) continue;
        const file = claimOne(d, id);
        if (file) return makeClaim(d, [{ file, message }]);
      }
      return null;
    },

    async merge(from, to) {
      if (from === to) return 0;
      const src = dirs(from, false);
      recover(src, from);
      const ids = await pendingIds(src, from);
      if (ids.length === 0) return 0;
      const dst = dirs(to, true);
      let moved = 0;
      for (const id of ids) {
        if (renameQuiet(path.join(src.new, `${id}.json`), path.join(dst.new, `${id}.json`))) moved += 1;
      }
      return moved;
    },

    watch(key, listener) {
      const d = dirs(key, true);
      let closed = false;
      let scheduled = false;
      const notify: MailboxListener = () => {
        if (closed || scheduled) return;
        scheduled = true;
        queueMicrotask(() => {
          scheduled = false;
          if (!closed) listener();
        });
      };
      let watcher: fs.FSWatcher | undefined;
      try {
        watcher = fs.watch(d.new, { persistent: false }, notify);
        watcher.on("error", () => watcher?.close());
      } catch (error) {
        tracer.trace({ kind: "mailbox.watch-failed", mailbox: key, error: (error as Error).message });
      }
      const timer = setInterval(notify, pollMs);
      timer.unref();
      const set = listeners.get(key) ?? new Set<MailboxListener>();
      listeners.set(key, set);
      set.add(notify);
      return () => {
        closed = true;
        set.delete(notify);
        if (set.size === 0) listeners.delete(key);
        clearInterval(timer);
        watcher?.close();
      };
    },
  };
}

/** rename(2), reporting false when the source is gone (someone else moved it first). */
function renameQuiet(from: string, to: string): boolean {
  try {
    fs.renameSync(from, to);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw storageFailure(from, error);
  }
}
