import fs from "node:fs";
import path from "node:path";
import { OxtailError } from "../errors.js";
import { ensurePrivateDir, readPrivateFile, storageFailure, writePrivateFileAtomic } from "../home/home.js";
import { NULL_TRACER, type Tracer } from "../trace/trace.js";
import { type AgentRecord, AgentRecordSchema, type RegistryStore, type SkippedEntry } from "./types.js";

const RECORD_NAME_RE = /^(\d+-[A-Za-z0-9]+)\.json$/;

/** Options for {@link createFsRegistryStore}. */
export interface FsRegistryStoreOptions {
  /** The data directory (`OXTAIL_HOME`). */
  home: string;
  tracer?: Tracer;
}

/**
 * Registry records as `<home>/sessions/<instance_id>.json`, each written atomically.
 * Symlinks, foreign-owned files and unparsable files are skipped and traced.
 */
export function createFsRegistryStore(options: FsRegistryStoreOptions): RegistryStore {
  const dir = path.join(options.home, "sessions");
  const tracer = options.tracer ?? NULL_TRACER;
  const fileOf = (instanceId: string): string => {
    if (!/^\d+-[A-Za-z0-9]+$/.test(instanceId)) {
      throw new OxtailError("invalid-input", `Bad instance id ${JSON.stringify(instanceId)}.`);
    }
    return path.join(dir, `${instanceId}.json`);
  };

  return {
    async put(record) {
      const parsed = AgentRecordSchema.parse(record);
      ensurePrivateDir(options.home);
      ensurePrivateDir(dir);
      writePrivateFileAtomic(fileOf(parsed.instance_id), `${JSON.stringify(parsed, null, 2)}\n`);
    },

    async remove(instanceId) {
      try {
        fs.rmSync(fileOf(instanceId), { force: true });
      } catch (error) {
        throw storageFailure(fileOf(instanceId), error);
      }
    },

    async list() {
      let names: string[];
      try {
        names = fs.readdirSync(dir);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return { records: [], skipped: [] };
        throw storageFailure(dir, error);
      }
      const records: AgentRecord[] = [];
      const skipped: SkippedEntry[] = [];
      const skip = (name: string, reason: string): void => {
        skipped.push({ name, reason });
        tracer.trace({ kind: "registry.ignored", file: path.join(dir, name), reason });
      };
      for (const name of names) {
        const match = RECORD_NAME_RE.exec(name);
        if (!match) {
          if (!name.startsWith(".")) skip(name, "not a record file name");
          continue;
        }
        let text: string | null;
        try {
          text = readPrivateFile(path.join(dir, name));
        } catch (error) {
          skip(name, (error as OxtailError).detail ?? String(error));
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
