import fs from "node:fs";
import path from "node:path";
import { isOxtailError, OxtailError } from "../errors.js";
import { ensurePrivatePath, listPrivateDir, storageFailure, verifyPrivatePath } from "../home/home.js";
import { createPrivateFile, readPrivateFile, removePrivateFile } from "../home/private-file.js";
import { isMessageId, MESSAGE_ID_PATTERN, messageIdTime } from "../ids.js";
import { isProcessTokenAlive, selfProcess } from "../process/liveness.js";
import { NULL_TRACER, type Tracer } from "../trace/trace.js";
import { ringSleeper } from "../wake/sleeper.js";
import {
  checkClaimLimits,
  createHeldClaim,
  type HeldMessage,
  heldMessage,
  messageBytes,
} from "./held-claim.js";
import {
  clearRedelivered,
  isMarkedRedelivered,
  markedIds,
  markRedelivered,
  moveRedelivered,
} from "./redelivery.js";
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

const NEW_NAME_RE = new RegExp(`^(${MESSAGE_ID_PATTERN})\\.json$`);
const CLAIMED_NAME_RE = new RegExp(`^(${MESSAGE_ID_PATTERN})\\.json\\.(\\d+-[A-Za-z0-9]+)$`);
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

  // Watchers look every second: report each unsafe entry once, not on every look.
  const reported = new Set<string>();
  function reportUnsafe(file: string, reason: string): void {
    const seen = `${file}\0${reason}`;
    if (reported.has(seen)) return;
    if (reported.size >= 1000) reported.clear();
    reported.add(seen);
    tracer.trace({ kind: "home.unsafe", path: file, reason });
  }
  /** Run `use`; an `unsafe-path` refusal is traced, then passed on. */
  function checked<T>(use: () => T): T {
    try {
      return use();
    } catch (error) {
      if (isOxtailError(error, "unsafe-path"))
        reportUnsafe(String(error.data.path), String(error.data.reason));
      throw error;
    }
  }

  /**
   * The folders of a mailbox. Every level from the data directory down (`mailboxes/`, `<key>/`,
   * `tmp/`, `new/`, `cur/`) is checked on reads as well as writes: a symlink or a foreign-owned
   * level throws `unsafe-path`, so nothing is read, moved or deleted through it.
   */
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
    checked(() => {
      if (create) {
        ensurePrivatePath(options.home, d.root);
        for (const dir of [d.tmp, d.new, d.cur]) ensurePrivatePath(d.root, dir);
      } else if (verifyPrivatePath(options.home, d.root)) {
        for (const dir of [d.tmp, d.new, d.cur]) verifyPrivatePath(d.root, dir);
      }
    });
    return d;
  }

  /**
   * The regular files of a mailbox folder, its levels checked again. Symlinks, FIFOs, sockets and
   * devices are left out (traced once): never opened, moved or deleted.
   */
  function list(dir: string): string[] {
    const listing = checked(() => listPrivateDir(options.home, dir));
    for (const { name, reason } of listing.unsafe) reportUnsafe(path.join(dir, name), reason);
    return listing.files;
  }

  /**
   * The ids waiting in `new/`, oldest first, created strictly before this scan began, and
   * how many message files the listing held in all (`waiting`, deferred ones included).
   * readdir(3) may miss an entry added while it runs yet return a later one, so a
   * message created in the scan's own millisecond or after is deferred: every earlier
   * message of its sender was renamed in before the scan began, so it is listed too,
   * and per-sender order holds. Watchers of a mailbox with deferred ids are poked again.
   */
  async function pendingIds(d: Dirs, key: MailboxKey): Promise<{ ids: string[]; waiting: number }> {
    for (let attempt = 0; ; attempt++) {
      const fence = Date.now();
      const ids: string[] = [];
      let deferred = 0;
      for (const name of list(d.new)) {
        const match = NEW_NAME_RE.exec(name);
        if (!match?.[1]) continue;
        if (messageIdTime(match[1]) < fence) ids.push(match[1]);
        else deferred += 1;
      }
      if (deferred === 0 || attempt > 0) {
        if (deferred > 0) pokeLater(key, DEFER_RETRY_MS);
        return { ids: ids.sort(), waiting: ids.length + deferred };
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
      markRedelivered(d.root, match[1], match[2], tracer);
      renameQuiet(path.join(d.cur, name), path.join(d.new, `${match[1]}.json`));
      tracer.trace({ kind: "mailbox.recovered", mailbox: key, id: match[1], claimer: match[2] });
    }
    if (foreignClaims) pokeLater(key, CLAIM_RECHECK_MS);
    for (const name of list(d.tmp)) {
      const match = TMP_NAME_RE.exec(name);
      if (match?.[1] && match[1] !== self && !isProcessTokenAlive(match[1])) {
        try {
          removePrivateFile(path.join(d.tmp, name));
        } catch (error) {
          if (!isOxtailError(error, "unsafe-path")) throw error;
          reportUnsafe(String(error.data.path), String(error.data.reason)); // left in place
        }
      }
    }
  }

  /**
   * Read and validate one message file. An invalid one (unparsable, wrong schema, oversized) is
   * moved to `bad/`, traced, and skipped; an unsafe one (symlink, FIFO, foreign-owned) is only
   * traced and skipped: it is not ours to move.
   */
  function readMessage(d: Dirs, file: string, id: string): Message | null {
    let text: string | null;
    try {
      text = readPrivateFile(file);
    } catch (error) {
      if (isOxtailError(error, "unsafe-path")) reportUnsafe(file, String(error.data.reason));
      else if (isOxtailError(error, "corrupt-record")) quarantine(d, file, error.detail);
      else throw error;
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
      checked(() => ensurePrivatePath(d.root, d.bad));
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

  /**
   * True when the folders a claim is settled in are still the checked ones. A claim is settled
   * long after it was made (once its answer reached the client): a level swapped for a symlink
   * meanwhile must not lead the unlink or the rename outside. A refused claim stays in `cur/`
   * under this process's token, so it comes back, marked, once this process is gone.
   */
  function settleable(d: Dirs): boolean {
    try {
      return checked(() => verifyPrivatePath(options.home, d.cur) && verifyPrivatePath(options.home, d.new));
    } catch (error) {
      if (isOxtailError(error, "unsafe-path")) return false;
      throw error;
    }
  }

  /** A claim whose messages lie in `cur/`: ack unlinks (the mark first), release renames back to `new/`. */
  function makeClaim(d: Dirs, entries: HeldMessage[], remaining: number): Claim {
    return createHeldClaim(entries, remaining, {
      ack(entry) {
        if (!settleable(d)) return;
        // The mark goes first: a crash before the claim is removed leaves a dead claim, marked again.
        if (entry.redelivered) clearRedelivered(d.root, entry.message.id);
        removePrivateFile(entry.file);
      },
      release(entry, shown) {
        if (!settleable(d)) return;
        // The mark first, as recovery does: it must be there before the message is back in new/.
        if (shown) markRedelivered(d.root, entry.message.id, selfProcess().token, tracer);
        renameQuiet(entry.file, path.join(d.new, `${entry.message.id}.json`));
      },
    });
  }

  return {
    async append(key, message) {
      if (!isMessageId(message.id)) throw new OxtailError("invalid-input", "Message id is malformed.");
      const d = dirs(key, true);
      const tmp = path.join(d.tmp, `${message.id}.${selfProcess().token}.tmp`);
      // O_EXCL|O_NOFOLLOW: never written through whatever already sits at that name.
      try {
        createPrivateFile(tmp, JSON.stringify(message));
      } catch (error) {
        throw isOxtailError(error) ? error : storageFailure(tmp, error);
      }
      try {
        fs.renameSync(tmp, path.join(d.new, `${message.id}.json`));
      } catch (error) {
        fs.rmSync(tmp, { force: true });
        throw storageFailure(d.new, error);
      }
      // A sleeper waiting for this session's mail wakes now rather than at its next look.
      ringSleeper(options.home, key);
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
      for (const id of (await pendingIds(d, key)).ids) {
        const message = readMessage(d, path.join(d.new, `${id}.json`), id);
        if (message) out.push(message);
      }
      return out;
    },

    async claim(key, limits) {
      checkClaimLimits(limits);
      const d = dirs(key, false);
      recover(d, key);
      const { ids, waiting } = await pendingIds(d, key);
      const entries: HeldMessage[] = [];
      let bytes = 0;
      let considered = 0;
      for (const id of ids) {
        if (entries.length >= limits.maxMessages) break;
        // Read in new/ first, so a message over the budget is left untouched rather than claimed and put back.
        const message = readMessage(d, path.join(d.new, `${id}.json`), id);
        if (!message) {
          considered += 1;
          continue;
        }
        const size = messageBytes(message);
        if (entries.length > 0 && bytes + size > limits.maxBytes) break;
        considered += 1;
        const file = claimOne(d, id);
        if (!file) continue; // another reader took it first
        entries.push(heldMessage(file, message, size));
        bytes += size;
      }
      // Marks are listed after claiming: a mark is always written before its message is back in new/.
      const marked = markedIds(
        d.root,
        entries.map((e) => e.message.id),
      );
      for (const entry of entries) entry.redelivered = marked.has(entry.message.id);
      return makeClaim(d, entries, Math.max(0, waiting - considered));
    },

    async claimFirst(key, predicate) {
      const d = dirs(key, false);
      recover(d, key);
      const { ids, waiting } = await pendingIds(d, key);
      for (const id of ids) {
        const message = readMessage(d, path.join(d.new, `${id}.json`), id);
        if (!message || !predicate(message)) continue;
        const file = claimOne(d, id);
        if (!file) continue;
        const entry = heldMessage(file, message);
        entry.redelivered = isMarkedRedelivered(d.root, id);
        return makeClaim(d, [entry], Math.max(0, waiting - 1));
      }
      return null;
    },

    async merge(from, to) {
      if (from === to) return 0;
      const src = dirs(from, false);
      recover(src, from);
      const { ids } = await pendingIds(src, from);
      if (ids.length === 0) return 0;
      const dst = dirs(to, true);
      let moved = 0;
      for (const id of ids) {
        moveRedelivered(src.root, dst.root, id);
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
