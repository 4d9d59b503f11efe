import path from "node:path";
import { isOxtailError, OxtailError } from "../errors.js";
import { ensurePrivatePath, listPrivateDir, verifyPrivatePath } from "../home/home.js";
import { readPrivateFile, removePrivateFile, writePrivateFileAtomic } from "../home/private-file.js";
import { NULL_TRACER, type Tracer } from "../trace/trace.js";
import { type AgentRecord, AgentRecordSchema, type RegistryStore, type SkippedEntry } from "./types.js";

const RECORD_NAME_RE = /^(\d+-[A-Za-z0-9]+)\.json$/;

/** Options for {@link createFsRegistryStore}. */
export interface FsRegistryStoreOptions {
  /** The data directory (`OXTAIL_HOME`), already resolved ({@link resolveHome}). */
  home: string;
  tracer?: Tracer;
}

/**
 * Registry records as `<home>/sessions/<instance_id>.json`, each written atomically.
 * Every directory level is checked on reads and writes: a `sessions/` that is a symlink or
 * foreign-owned is refused with `unsafe-path` (traced `home.unsafe`) and nothing is read,
 * written or pruned through it. Symlinks, FIFOs, sockets, foreign-owned, oversized and
 * unparsable entries are skipped and traced, never opened blocking, followed or deleted.
 */
export function createFsRegistryStore(options: FsRegistryStoreOptions): RegistryStore {
  const { home } = options;
  const dir = path.join(home, "sessions");
  const tracer = options.tracer ?? NULL_TRACER;
  const fileOf = (instanceId: string): string => {
    if (!/^\d+-[A-Za-z0-9]+$/.test(instanceId)) {
      throw new OxtailError("invalid-input", `Bad instance id ${JSON.stringify(instanceId)}.`);
    }
    return path.join(dir, `${instanceId}.json`);
  };
  /** Run `use`, tracing an `unsafe-path` refusal before passing it on. */
  const traced = <T>(use: () => T): T => {
    try {
      return use();
    } catch (error) {
      if (isOxtailError(error, "unsafe-path")) tracer.trace({ kind: "home.unsafe", ...error.data });
      throw error;
    }
  };

  return {
    async put(record) {
      const parsed = AgentRecordSchema.parse(record);
      traced(() => ensurePrivatePath(home, dir));
      writePrivateFileAtomic(fileOf(parsed.instance_id), `${JSON.stringify(parsed, null, 2)}\n`);
    },

    async remove(instanceId) {
      const file = fileOf(instanceId);
      if (!traced(() => verifyPrivatePath(home, dir))) return;
      try {
        removePrivateFile(file);
      } catch (error) {
        // Not a record of ours any more (a symlink, a FIFO…): left where it is.
        if (!isOxtailError(error, "unsafe-path")) throw error;
        tracer.trace({ kind: "home.unsafe", ...error.data });
      }
    },

    async list() {
      const listing = traced(() => listPrivateDir(home, dir));
      const records: AgentRecord[] = [];
      const skipped: SkippedEntry[] = [];
      const skip = (name: string, reason: string): void => {
        skipped.push({ name, reason });
        tracer.trace({ kind: "registry.ignored", file: path.join(dir, name), reason });
      };
      for (const { name, reason } of listing.unsafe) skip(name, reason);
      for (const name of listing.files) {
        const match = RECORD_NAME_RE.exec(name);
        if (!match) {
          if (!name.startsWith(".")) skip(name, "not a record file name");
          continue;
        }
        let text: string | null;
        try {
          text = readPrivateFile(path.join(dir, name));
        } catch (error) {
          skip(
            name,
            isOxtailError(error)
              ? ((error.data.reason as string | undefined) ?? error.detail)
              : String(error),
          );
          continue;
        }
        if (text === null) continue;
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          skip(name, "unparsable JSON");
          continue;
        }
        const parsed = AgentRecordSchema.safeParse(json);
        if (!parsed.success) skip(name, `invalid record: ${parsed.error.issues[0]?.message ?? "?"}`);
        else if (parsed.data.instance_id !== match[1]) skip(name, "instance_id does not match the file name");
        else records.push(parsed.data);
      }
      return { records, skipped };
    },
  };
}
