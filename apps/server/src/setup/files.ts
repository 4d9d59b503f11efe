import fs from "node:fs";
import path from "node:path";
import { OxtailError } from "@oxtail/core";

/** One file change setup would make: its content before (null: absent) and after (null: delete). */
export interface FileChange {
  path: string;
  before: string | null;
  after: string | null;
  /** What the change is, in a few words. */
  what: string;
}

/** Read a file, or null when it does not exist. */
export function readText(file: string): string | null {
  try {
    return fs.readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new OxtailError("storage-failure", `Cannot read ${file}: ${(error as Error).message}`);
  }
}

/**
 * Apply changes: each changed file is first copied once to `<file>.oxtail-backup` (when it
 * existed and no backup is there yet), then written atomically (temp + rename), keeping its mode.
 */
export function applyChanges(changes: readonly FileChange[]): void {
  for (const change of changes) {
    if (change.before === change.after) continue;
    const backup = `${change.path}.oxtail-backup`;
    if (change.before !== null && !fs.existsSync(backup))
      fs.writeFileSync(backup, change.before, { mode: 0o600 });
    if (change.after === null) {
      fs.rmSync(change.path, { force: true });
      continue;
    }
    fs.mkdirSync(path.dirname(change.path), { recursive: true });
    const mode = change.before !== null ? fs.statSync(change.path).mode & 0o777 : 0o600;
    const tmp = `${change.path}.oxtail-tmp-${process.pid}`;
    fs.writeFileSync(tmp, change.after, { mode });
    fs.renameSync(tmp, change.path);
  }
}

/** A readable line diff of one change (for --dry-run). */
export function renderDiff(change: FileChange): string {
  const a = change.before === null ? [] : change.before.split("\n");
  const b = change.after === null ? [] : change.after.split("\n");
  // Common prefix and suffix; the middle is what changed.
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const header = `--- ${change.before === null ? "/dev/null" : change.path}\n+++ ${change.after === null ? "/dev/null" : change.path}  (${change.what})`;
  const context = (from: number, to: number) => a.slice(Math.max(0, from), to).map((l) => `  ${l}`);
  return [
    header,
    `@@ line ${start + 1} @@`,
    ...context(start - 2, start),
    ...a.slice(start, endA).map((l) => `- ${l}`),
    ...b.slice(start, endB).map((l) => `+ ${l}`),
    ...context(endA, endA + 2),
  ].join("\n");
}
