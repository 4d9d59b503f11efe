import fs from "node:fs";
import path from "node:path";
import { isOxtailError, OxtailError } from "../errors.js";
import { checkPrivateDir, ensurePrivatePath, storageFailure, verifyPrivatePath } from "../home/home.js";
import { createPrivateFile, readPrivateFile, removePrivateFile } from "../home/private-file.js";
import { isMessageId } from "../ids.js";
import { NULL_TRACER, type Tracer } from "../trace/trace.js";
import { type ReceiptEvent, type ReceiptEventName, ReceiptEventSchema, type ReceiptStore } from "./types.js";

/** An event record is a few hundred bytes; anything larger is not one. */
const EVENT_MAX_BYTES = 16 * 1024;
const EVENT_NAMES: readonly ReceiptEventName[] = ["queued", "delivered", "replied", "expired"];
/** Hex digits of a message id's time that name its bucket folder: 16^6 ms, about 4.7 hours each. */
const BUCKET_DIGITS = 6;
const BUCKET_SPAN_MS = 16 ** (12 - BUCKET_DIGITS);
const BUCKET_RE = new RegExp(`^[0-9a-f]{${BUCKET_DIGITS}}$`);

/** Options for {@link createFsReceiptStore}. */
export interface FsReceiptStoreOptions {
  /** The data directory (`OXTAIL_HOME`). */
  home: string;
  /** Where skipped entries are reported (`home.unsafe`, `receipt.ignored`). */
  tracer?: Tracer;
}

let tmpCounter = 0;

/**
 * Receipts under `<home>/receipts/<bucket>/<message id>.<event>.json` (docs/protocol.md), the bucket
 * being the first six hex digits of the id's time, so pruning removes whole old folders. An event is
 * written to a private temp file (`O_EXCL|O_NOFOLLOW`, 0600) and hard-linked to its name: the link is
 * atomic and fails when the name exists, so a record is complete or absent, and the first one wins.
 * Readers open only regular files of this user (never a symlink or FIFO, never blocking); invalid
 * ones are skipped and traced.
 */
export function createFsReceiptStore(options: FsReceiptStoreOptions): ReceiptStore {
  const { home } = options;
  const base = path.join(home, "receipts");
  const tracer = options.tracer ?? NULL_TRACER;

  const bucketOf = (id: string) => path.join(base, id.slice(0, BUCKET_DIGITS));
  const fileOf = (id: string, event: ReceiptEventName) => path.join(bucketOf(id), `${id}.${event}.json`);

  function checkId(id: string): void {
    if (!isMessageId(id))
      throw new OxtailError("invalid-input", `${JSON.stringify(id)} is not a message id.`);
  }

  /** Link `tmp` to `file` exclusively; false when `file` exists. */
  function linkExclusive(tmp: string, file: string): boolean {
    try {
      fs.linkSync(tmp, file);
      return true;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "EEXIST") return false;
      // A file system without hard links: a rename is atomic too (the existence check just before
      // it leaves a race in which the later of two writers wins).
      if (code === "EPERM" || code === "ENOTSUP" || code === "EOPNOTSUPP" || code === "EXDEV") {
        if (fs.existsSync(file)) return false;
        fs.renameSync(tmp, file);
        return true;
      }
      throw storageFailure(file, error);
    }
  }

  return {
    async record(event) {
      const parsed = ReceiptEventSchema.parse(event);
      const dir = bucketOf(parsed.id);
      ensurePrivatePath(home, dir);
      const file = fileOf(parsed.id, parsed.event);
      const tmp = path.join(dir, `.${parsed.id}.${parsed.event}.${process.pid}.${tmpCounter++}.tmp`);
      createPrivateFile(tmp, `${JSON.stringify(parsed)}\n`);
      try {
        const linked = linkExclusive(tmp, file);
        if (!linked) {
          // Already recorded (the first wins), or something that is not ours sits there: say which.
          try {
            if (!fs.lstatSync(file).isFile())
              tracer.trace({ kind: "home.unsafe", path: file, reason: "is not a regular file" });
          } catch {
            // gone meanwhile
          }
        }
        return linked;
      } finally {
        fs.rmSync(tmp, { force: true });
      }
    },

    async events(id) {
      checkId(id);
      try {
        if (!verifyPrivatePath(home, bucketOf(id))) return [];
      } catch (error) {
        if (!isOxtailError(error, "unsafe-path")) throw error;
        tracer.trace({
          kind: "home.unsafe",
          path: String(error.data.path),
          reason: String(error.data.reason),
        });
        return [];
      }
      const out: ReceiptEvent[] = [];
      for (const name of EVENT_NAMES) {
        const file = fileOf(id, name);
        let text: string | null;
        try {
          text = readPrivateFile(file, { maxBytes: EVENT_MAX_BYTES });
        } catch (error) {
          if (!isOxtailError(error)) throw error;
          tracer.trace({
            kind: error.code === "unsafe-path" ? "home.unsafe" : "receipt.ignored",
            path: file,
            reason: String(error.data.reason ?? error.detail),
          });
          continue;
        }
        if (text === null) continue;
        let reason: string;
        try {
          const parsed = ReceiptEventSchema.safeParse(JSON.parse(text));
          if (parsed.success && parsed.data.id === id && parsed.data.event === name) {
            out.push(parsed.data);
            continue;
          }
          reason = parsed.success ? "does not match its file name" : "invalid record";
        } catch {
          reason = "unparsable JSON";
        }
        tracer.trace({ kind: "receipt.ignored", path: file, reason });
      }
      return out;
    },

    async prune(before) {
      let entries: fs.Dirent[];
      try {
        if (!verifyPrivatePath(home, base)) return 0;
        entries = fs.readdirSync(base, { withFileTypes: true });
      } catch (error) {
        if (isOxtailError(error, "unsafe-path"))
          tracer.trace({ kind: "home.unsafe", path: base, reason: String(error.data.reason) });
        return 0;
      }
      let removed = 0;
      for (const entry of entries) {
        if (!BUCKET_RE.test(entry.name)) continue;
        const end = (Number.parseInt(entry.name, 16) + 1) * BUCKET_SPAN_MS;
        if (end > before) continue;
        const dir = path.join(base, entry.name);
        try {
          // A symlink or a foreign folder at a bucket's name is neither followed nor removed.
          if (!checkPrivateDir(dir)) continue;
          for (const name of fs.readdirSync(dir)) {
            try {
              if (removePrivateFile(path.join(dir, name)) && name.endsWith(".json")) removed += 1;
            } catch (error) {
              if (!isOxtailError(error, "unsafe-path")) throw error;
              tracer.trace({
                kind: "home.unsafe",
                path: String(error.data.path),
                reason: String(error.data.reason),
              });
            }
          }
          fs.rmdirSync(dir);
        } catch (error) {
          // Left in place (something unsafe in it, or raced by another pruner): tried again next time.
          tracer.trace({
            kind: "receipt.prune-skipped",
            path: dir,
            error: String((error as Error)?.message ?? error),
          });
        }
      }
      return removed;
    },
  };
}
