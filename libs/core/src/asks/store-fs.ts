import path from "node:path";
import { isOxtailError } from "../errors.js";
import { ensurePrivatePath, listPrivateDir } from "../home/home.js";
import { readPrivateFile, removePrivateFile, writePrivateFileAtomic } from "../home/private-file.js";
import { isMessageId, MESSAGE_ID_PATTERN } from "../ids.js";
import { NULL_TRACER, type Tracer } from "../trace/trace.js";
import { ASK_KEPT_MS, type AskStore, type PendingAsk, PendingAskSchema } from "./types.js";

/** Options for {@link createFsAskStore}. */
export interface FsAskStoreOptions {
  home: string;
  tracer?: Tracer;
  /** Clock, for tests. */
  now?: () => number;
}

const ASK_FILE_RE = new RegExp(`^(${MESSAGE_ID_PATTERN})\\.json$`);

/**
 * Pending asks as files `<home>/asks/<question id>.json` (0600, written atomically: temp file +
 * rename, fsynced). Like the mailbox, the folder is a closed box: a symlink, FIFO, foreign-owned or
 * unparsable entry is skipped and traced, never followed, trusted or deleted. Records whose deadline
 * passed more than {@link ASK_KEPT_MS} ago are removed as they are listed.
 */
export function createFsAskStore(options: FsAskStoreOptions): AskStore {
  const dir = path.join(options.home, "asks");
  const tracer = options.tracer ?? NULL_TRACER;
  const now = options.now ?? Date.now;
  const fileOf = (questionId: string) => {
    if (!isMessageId(questionId)) return null;
    return path.join(dir, `${questionId}.json`);
  };

  function read(file: string): PendingAsk | null {
    let text: string | null;
    try {
      text = readPrivateFile(file, { maxBytes: 64 * 1024 });
    } catch (error) {
      if (!isOxtailError(error)) throw error;
      tracer.trace({ kind: "asks.skipped", file, reason: error.detail });
      return null;
    }
    if (text === null) return null;
    try {
      const parsed = PendingAskSchema.safeParse(JSON.parse(text));
      if (parsed.success && `${parsed.data.question_id}.json` === path.basename(file)) return parsed.data;
    } catch {
      // not JSON: skipped below
    }
    tracer.trace({ kind: "asks.skipped", file, reason: "not a pending-ask record" });
    return null;
  }

  return {
    async put(ask) {
      const file = fileOf(ask.question_id);
      if (!file) return;
      ensurePrivatePath(options.home, dir);
      writePrivateFileAtomic(file, JSON.stringify(PendingAskSchema.parse(ask)), { fsync: true });
    },
    async get(questionId) {
      const file = fileOf(questionId);
      return file ? read(file) : null;
    },
    async list() {
      const listing = listPrivateDir(options.home, dir);
      for (const entry of listing.unsafe)
        tracer.trace({ kind: "asks.skipped", file: entry.name, reason: entry.reason });
      const asks: PendingAsk[] = [];
      const at = now();
      for (const name of listing.files) {
        if (!ASK_FILE_RE.test(name)) continue;
        const file = path.join(dir, name);
        const ask = read(file);
        if (!ask) continue;
        if (at - ask.deadline > ASK_KEPT_MS) {
          try {
            removePrivateFile(file);
          } catch {
            // not ours to remove
          }
          continue;
        }
        asks.push(ask);
      }
      return asks;
    },
    async remove(questionId) {
      const file = fileOf(questionId);
      if (!file) return;
      try {
        removePrivateFile(file);
      } catch (error) {
        if (!isOxtailError(error)) throw error;
        tracer.trace({ kind: "asks.skipped", file, reason: error.detail });
      }
    },
  };
}
