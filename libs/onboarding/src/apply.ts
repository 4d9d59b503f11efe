// Applying an adapter's plan, and undoing it exactly. Writes go through a symlinked config to its
// target (a dotfile manager's link stays a link), atomically, keeping the file's mode; folders setup
// creates are remembered. The manifest (manifest.ts) records, per file, whether setup created it,
// a hash of what it wrote and the original bytes, so uninstall can restore them.
import fs from "node:fs";
import path from "node:path";
import type { FileChange } from "@oxtail/core";
import { OxtailError } from "@oxtail/core";
import writeFileAtomic from "write-file-atomic";
import { readConfigText } from "./files.js";
import { isBlankConfig } from "./jsonc.js";
import {
  missingFolders,
  readBackup,
  readSetupManifest,
  removeBackup,
  removeEmptyFolders,
  type SetupFileRecord,
  type SetupManifest,
  saveBackup,
  sha256,
  writeSetupManifest,
} from "./manifest.js";

/** Whose changes a run makes: one adapter's, all of its setup or only its hooks. */
export interface OnboardingScope {
  adapter: string;
  hooksOnly: boolean;
}

/** Where the manifest is kept, and for whom changes are applied. */
export interface ApplyOptions {
  /** oxtail's data folder (`$OXTAIL_HOME`): the manifest and backups go in its `setup/` folder. */
  oxtailHome: string;
  scope: OnboardingScope;
}

/** What was done to one file or folder. */
export interface AppliedChange {
  path: string;
  what: string;
  action: "created" | "updated" | "removed";
}

/** What uninstall will do: file changes, then the folders setup made, removed when left empty. */
export interface UninstallPlan {
  changes: FileChange[];
  /** Deepest first. */
  folders: string[];
}

/** New files are private to the user, like the clients' own configs. */
const NEW_FILE_MODE = 0o600;

function check(changes: readonly FileChange[]): void {
  const seen = new Set<string>();
  for (const change of changes) {
    const file = path.resolve(change.path);
    if (seen.has(file))
      throw new OxtailError("invalid-input", `The plan changes ${file} twice.`, { origin: "onboarding" });
    seen.add(file);
    const link = fs.lstatSync(file, { throwIfNoEntry: false });
    if (link?.isSymbolicLink() && !fs.existsSync(file))
      throw new OxtailError(
        "invalid-input",
        `${file} is a symbolic link to nothing: fix or remove it, then run again; nothing was changed.`,
        { origin: "onboarding", data: { path: file } },
      );
    if (readConfigText(file) !== change.before)
      throw new OxtailError(
        "invalid-input",
        `${file} changed since the plan was made: run the command again; nothing was changed.`,
        { origin: "onboarding", data: { path: file } },
      );
  }
}

async function write(file: string, text: string | null, existed: boolean): Promise<void> {
  if (text === null) {
    fs.rmSync(file, { force: true });
    return;
  }
  // write-file-atomic writes to the link's target (realpath) and keeps its mode and owner.
  await writeFileAtomic(file, text, existed ? {} : { mode: NEW_FILE_MODE });
}

/** Apply changes in order; on a failure, put back the ones already applied, then throw. */
async function applyAll(
  changes: readonly FileChange[],
  folders: ReadonlyMap<string, string[]>,
): Promise<void> {
  const done: FileChange[] = [];
  const made: string[] = [];
  try {
    for (const change of changes) {
      for (const folder of folders.get(change.path) ?? []) {
        if (fs.existsSync(folder)) continue;
        fs.mkdirSync(folder);
        made.push(folder);
      }
      await write(change.path, change.after, change.before !== null);
      done.push(change);
    }
  } catch (error) {
    for (const change of done.reverse()) await write(change.path, change.before, true).catch(() => {});
    removeEmptyFolders(made.reverse());
    throw error instanceof OxtailError
      ? error
      : new OxtailError(
          "storage-failure",
          `Cannot write: ${(error as Error).message}. Nothing was changed.`,
          {
            origin: "onboarding",
            cause: error,
          },
        );
  }
}

const actionOf = (change: FileChange): AppliedChange["action"] =>
  change.after === null ? "removed" : change.before === null ? "created" : "updated";

const clone = (manifest: SetupManifest): SetupManifest => JSON.parse(JSON.stringify(manifest));

/**
 * Apply a setup plan and record it: for each file, whether setup created it (and the folders it
 * made), a hash of what it wrote and, for a file that existed, its original bytes. The plan must
 * still match the files (`before`); nothing is written otherwise. A re-run keeps the first
 * original, unless the file was changed by something else since (then uninstall falls back to the
 * adapter's inverse edit for it).
 */
export async function applySetup(
  changes: readonly FileChange[],
  options: ApplyOptions,
): Promise<AppliedChange[]> {
  const todo = changes.filter((c) => c.before !== c.after).map((c) => ({ ...c, path: path.resolve(c.path) }));
  if (todo.length === 0) return [];
  check(todo);
  const { oxtailHome, scope } = options;
  const old = readSetupManifest(oxtailHome);
  const next = clone(old);
  if (!fs.existsSync(oxtailHome)) next.homeFolders = missingFolders(oxtailHome);
  const folders = new Map<string, string[]>();
  const backups: string[] = [];
  for (const change of todo) {
    let record: SetupFileRecord | undefined = next.files[change.path];
    const before = change.before === null ? null : sha256(change.before);
    let madeBefore: string[] = [];
    if (record && record.sha256 !== before) {
      // Changed by something else since setup wrote it: its original no longer restores exactly.
      removeBackup(oxtailHome, record.backup);
      // Deleted since: made anew below, still owning the folders setup made for it the first time.
      if (change.before === null && record.created) madeBefore = record.folders;
      record = change.before === null ? undefined : { ...record, exact: false, backup: null };
    }
    if (!record) {
      const backup = change.before === null ? null : saveBackup(oxtailHome, change.path, change.before);
      if (backup) backups.push(backup);
      record = {
        created: change.before === null,
        folders:
          change.before === null
            ? [...new Set([...madeBefore, ...missingFolders(path.dirname(change.path))])]
            : [],
        sha256: null,
        backup,
        exact: true,
        by: {},
        what: change.what,
      };
    }
    folders.set(change.path, change.before === null ? missingFolders(path.dirname(change.path)) : []);
    record.sha256 = change.after === null ? null : sha256(change.after);
    record.by[scope.adapter] = !scope.hooksOnly || record.by[scope.adapter] === "all" ? "all" : "hooks";
    if (!record.what.split(", ").includes(change.what)) record.what = `${record.what}, ${change.what}`;
    next.files[change.path] = record;
  }
  writeSetupManifest(oxtailHome, next);
  try {
    await applyAll(todo, folders);
  } catch (error) {
    for (const backup of backups) removeBackup(oxtailHome, backup);
    writeSetupManifest(oxtailHome, old);
    throw error;
  }
  return todo.map((c) => ({ path: c.path, what: c.what, action: actionOf(c) }));
}

/** A run covers a file's record when it undoes every setup that changed it. */
function covers(record: SetupFileRecord, scope: OnboardingScope): boolean {
  const by = Object.entries(record.by);
  return by.every(([adapter, part]) => adapter === scope.adapter && (!scope.hooksOnly || part === "hooks"));
}

/**
 * What uninstall does, given the adapter's inverse edits (`inverse`, from its `unplan`). A file
 * that still holds exactly what setup wrote gets its original bytes back (or is deleted, when setup
 * created it); any other gets the inverse edit, and is deleted when setup created it and the result
 * is empty (`{}` or blank). Folders setup created go when left empty. Reads only.
 */
export function planUninstall(inverse: readonly FileChange[], options: ApplyOptions): UninstallPlan {
  const { oxtailHome, scope } = options;
  const manifest = readSetupManifest(oxtailHome);
  const byPath = new Map(inverse.map((c) => [path.resolve(c.path), c]));
  const recorded = Object.keys(manifest.files).filter((p) => manifest.files[p]?.by[scope.adapter]);
  const changes: FileChange[] = [];
  const folders: string[] = [];
  for (const file of new Set([...byPath.keys(), ...recorded])) {
    const record = manifest.files[file];
    const edit = byPath.get(file);
    const current = readConfigText(file);
    let after: string | null | undefined;
    if (
      record &&
      covers(record, scope) &&
      record.exact &&
      current !== null &&
      sha256(current) === record.sha256
    ) {
      after = record.created ? null : record.backup ? readBackup(oxtailHome, record.backup) : null;
      if (!record.created && after === null) after = undefined;
    }
    if (after === undefined && edit) after = edit.after;
    if (record?.created && typeof after === "string" && isBlankConfig(after)) after = null;
    if (after !== undefined && after !== current)
      changes.push({ path: file, before: current, after, what: edit?.what ?? record?.what ?? "oxtail" });
    const gone = after === null || (after === undefined && current === null);
    if (record?.created && gone) folders.push(...record.folders);
  }
  const unique = [...new Set(folders)].sort((a, b) => b.length - a.length);
  return { changes, folders: unique };
}

/**
 * Apply an uninstall plan (from {@link planUninstall}), then update the manifest: records this run
 * covers go (with their backups); the manifest, the backups and the folders setup made for
 * `$OXTAIL_HOME` go once nothing is recorded.
 */
export async function applyUninstall(plan: UninstallPlan, options: ApplyOptions): Promise<AppliedChange[]> {
  const { oxtailHome, scope } = options;
  const todo = plan.changes.filter((c) => c.before !== c.after);
  check(todo);
  const manifest = readSetupManifest(oxtailHome);
  await applyAll(todo, new Map());
  const applied = new Map(todo.map((c) => [c.path, c]));
  for (const [file, record] of Object.entries(manifest.files)) {
    if (!record.by[scope.adapter]) continue;
    const change = applied.get(file);
    const gone = change ? change.after === null : !fs.existsSync(file);
    if (covers(record, scope) || gone) {
      removeBackup(oxtailHome, record.backup);
      delete manifest.files[file];
      continue;
    }
    if (!scope.hooksOnly || record.by[scope.adapter] === "hooks") delete record.by[scope.adapter];
    if (change?.after) record.sha256 = sha256(change.after);
  }
  const folders = removeEmptyFolders(plan.folders);
  writeSetupManifest(oxtailHome, manifest);
  return [
    ...todo.map((c) => ({ path: c.path, what: c.what, action: actionOf(c) })),
    ...folders.map((f) => ({ path: f, what: "folder setup created", action: "removed" as const })),
  ];
}

/** The adapters that setup recorded changes for (`oxtail doctor` checks these). */
export function setupAdapters(oxtailHome: string): string[] {
  const files = Object.values(readSetupManifest(oxtailHome).files);
  return [...new Set(files.flatMap((r) => Object.keys(r.by)))];
}
