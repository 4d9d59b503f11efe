import path from "node:path";
import {
  ensurePrivatePath,
  isMailboxKey,
  listPrivateDir,
  type MailboxKey,
  type Message,
  MessageSchema,
  readPrivateFile,
  removePrivateFile,
  writePrivateFileAtomic,
} from "@oxtail/core/runtime";

/** How often a non-empty outbox tries to hand its messages to NATS, ms. */
export const OUTBOX_RETRY_MS = 1000;

const FILE_RE = /^([0-9a-f-]+)\.([A-Za-z0-9-]+)\.json$/;

/** One queued send. */
export interface Queued {
  key: MailboxKey;
  message: Message;
  file: string;
}

/**
 * Sends waiting on this machine's disk for the NATS link: `<home>/nats-outbox/<message id>.<mailbox>.json`,
 * written atomically (0600) before `append` resolves, so a queued send survives a crash of the process.
 * Any server of the same home flushes them in message-id order (time order); a send flushed twice (two
 * processes, or a crash between publish and removal) is stored once, by its `Nats-Msg-Id`.
 */
export interface Outbox {
  /** Queue a send. */
  put(key: MailboxKey, message: Message): void;
  /** Queued sends, oldest first (unreadable files are skipped). */
  list(): Queued[];
  /** Forget a flushed send. */
  done(entry: Queued): void;
  /** How many sends wait. */
  size(): number;
}

/** The outbox under `home`. */
export function createOutbox(home: string): Outbox {
  const dir = path.join(home, "nats-outbox");
  const names = () => listPrivateDir(home, dir).files.filter((n) => FILE_RE.test(n));
  return {
    put(key, message) {
      ensurePrivatePath(home, dir);
      writePrivateFileAtomic(path.join(dir, `${message.id}.${key}.json`), JSON.stringify(message), {
        fsync: true,
      });
    },
    list() {
      const queued: Queued[] = [];
      for (const name of names().sort()) {
        const match = FILE_RE.exec(name);
        const key = match?.[2];
        if (!key || !isMailboxKey(key)) continue;
        const file = path.join(dir, name);
        try {
          const parsed = MessageSchema.safeParse(JSON.parse(readPrivateFile(file) ?? ""));
          if (parsed.success && parsed.data.id === match?.[1])
            queued.push({ key, message: parsed.data, file });
        } catch {
          // unreadable: left for a person to look at
        }
      }
      return queued;
    },
    done(entry) {
      removePrivateFile(entry.file);
    },
    size: () => names().length,
  };
}
