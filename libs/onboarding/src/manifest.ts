// The setup manifest: what `oxtail setup` changed, so that `oxtail uninstall` can undo it exactly.
// It lives in `$OXTAIL_HOME/setup/` with the original bytes of the files setup changed
// (docs/protocol.md, "Setup manifest"); never beside the user's files.
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { OxtailError } from "@oxtail/core";
import { ensurePrivateDir, readPrivateFile, writePrivateFileAtomic } from "@oxtail/core/runtime";

// node:crypto is loaded on first use: every oxtail server loads onboarding, and only setup hashes.
const require = createRequire(import.meta.url);

/** The manifest's format version. */
export const SETUP_MANIFEST_VERSION = 1;

/** What setup recorded about one file it changed. */
export interface SetupFileRecord {
  /** Setup created the file (it did not exist before). */
  created: boolean;
  /** Folders setup created for it, outermost first. */
  folders: string[];
  /** SHA-256 (hex) of what setup last wrote; null when setup removed the file. */
  sha256: string | null;
  /** The backup of the original bytes (a file name in `setup/backups/`), for a file that existed. */
  backup: string | null;
  /**
   * The original (its bytes, or its absence) still restores exactly: false once the file was
   * changed by something else between two setups.
   */
  exact: boolean;
  /** The adapters whose setup changed it: `all` (setup) or `hooks` (install-hook only). */
  by: Record<string, "all" | "hooks">;
  /** What the change was (from the plan). */
  what: string;
}

/** `$OXTAIL_HOME/setup/manifest.json`. */
export interface SetupManifest {
  version: number;
  /** Folders setup created for `$OXTAIL_HOME` itself, outermost first (removed when left empty). */
  homeFolders: string[];
  /** By absolute path. */
  files: Record<string, SetupFileRecord>;
}

/** The SHA-256 (hex) of a text's UTF-8 bytes. */
export function sha256(text: string): string {
  const { createHash } = require("node:crypto") as typeof import("node:crypto");
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/** The data folder as used: its real path when it exists (it may be a symlink). */
export function realHome(oxtailHome: string): string {
  try {
    return fs.realpathSync(oxtailHome);
  } catch {
    return path.resolve(oxtailHome);
  }
}

const setupDir = (home: string) => path.join(realHome(home), "setup");

/**
 * True when `dir` exists as a real folder of this user; false when it does not exist. A symlink,
 * a non-folder or a foreign-owned one is refused (`unsafe-path`): nothing inside the data
 * directory is followed, read, written or removed through it.
 */
function trustedDir(dir: string): boolean {
  const stat = fs.lstatSync(dir, { throwIfNoEntry: false });
  if (!stat) return false;
  const uid = process.getuid?.();
  if (stat.isSymbolicLink() || !stat.isDirectory() || (uid !== undefined && stat.uid !== uid))
    throw new OxtailError(
      "unsafe-path",
      `${dir} is not a folder of this user (or is a link); refusing to use it.`,
      {
        origin: "onboarding",
        data: { path: dir },
      },
    );
  return true;
}
const backupsDir = (home: string) => path.join(setupDir(home), "backups");
/** Where the manifest of an `$OXTAIL_HOME` is. */
export function setupManifestPath(oxtailHome: string): string {
  return path.join(setupDir(oxtailHome), "manifest.json");
}

/** The folders of `dir` that do not exist yet, outermost first. */
export function missingFolders(dir: string): string[] {
  const out: string[] = [];
  for (let d = path.resolve(dir); !fs.existsSync(d); d = path.dirname(d)) {
    out.unshift(d);
    if (path.dirname(d) === d) break;
  }
  return out;
}

const empty = (): SetupManifest => ({ version: SETUP_MANIFEST_VERSION, homeFolders: [], files: {} });

/** Read the manifest; an empty one when setup never recorded anything. */
export function readSetupManifest(oxtailHome: string): SetupManifest {
  const file = setupManifestPath(oxtailHome);
  const text = trustedDir(setupDir(oxtailHome)) ? readPrivateFile(file) : null;
  if (text === null) return empty();
  try {
    const value = JSON.parse(text) as SetupManifest;
    if (value.version !== SETUP_MANIFEST_VERSION || typeof value.files !== "object" || !value.files)
      throw new Error(`version ${String(value.version)} is not ${SETUP_MANIFEST_VERSION}`);
    return { version: value.version, homeFolders: value.homeFolders ?? [], files: value.files };
  } catch (cause) {
    throw new OxtailError(
      "corrupt-record",
      `${file} is unreadable (${(cause as Error).message}). Move it away to go on: uninstall then removes oxtail's entries without restoring the original bytes.`,
      { origin: "onboarding", cause, data: { path: file } },
    );
  }
}

/**
 * Write the manifest (creating `$OXTAIL_HOME` and its `setup/` folder: record
 * {@link missingFolders} in `homeFolders` first). One with no files is removed, with the backups
 * and the setup folder, then the folders setup created for `$OXTAIL_HOME`, each only when empty.
 */
export function writeSetupManifest(oxtailHome: string, manifest: SetupManifest): void {
  const dir = setupDir(oxtailHome);
  if (Object.keys(manifest.files).length === 0) {
    if (!trustedDir(dir)) {
      removeEmptyFolders([...manifest.homeFolders].reverse());
      return;
    }
    fs.rmSync(path.join(dir, "manifest.json"), { force: true });
    // No record left: no backup is needed any more (regular files only; nothing is followed).
    const backups = backupsDir(oxtailHome);
    if (trustedDir(backups))
      for (const name of fs.readdirSync(backups))
        if (fs.lstatSync(path.join(backups, name)).isFile()) fs.rmSync(path.join(backups, name));
    removeEmptyFolders([backups, dir]);
    removeEmptyFolders([...manifest.homeFolders].reverse());
    return;
  }
  ensurePrivateDir(realHome(oxtailHome));
  ensurePrivateDir(dir);
  writePrivateFileAtomic(path.join(dir, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`, {
    fsync: true,
  });
}

/** Remove each folder that is empty, in the order given; others are left. */
export function removeEmptyFolders(folders: readonly string[]): string[] {
  const removed: string[] = [];
  for (const folder of folders) {
    try {
      fs.rmdirSync(folder);
      removed.push(folder);
    } catch {
      // not empty, or gone already
    }
  }
  return removed;
}

/** Keep the original bytes of `file` in `setup/backups/`; returns the backup's name. */
export function saveBackup(oxtailHome: string, file: string, text: string): string {
  const name = `${sha256(path.resolve(file)).slice(0, 16)}-${path.basename(file)}`;
  ensurePrivateDir(realHome(oxtailHome));
  const dir = path.join(setupDir(oxtailHome), "backups");
  ensurePrivateDir(setupDir(oxtailHome));
  ensurePrivateDir(dir);
  writePrivateFileAtomic(path.join(dir, name), text, { fsync: true });
  return name;
}

/** The original bytes kept for a file, or null when the backup is gone. */
export function readBackup(oxtailHome: string, name: string): string | null {
  if (!trustedDir(backupsDir(oxtailHome))) return null;
  return readPrivateFile(path.join(setupDir(oxtailHome), "backups", path.basename(name)));
}

/** Drop a backup. */
export function removeBackup(oxtailHome: string, name: string | null): void {
  if (name && trustedDir(backupsDir(oxtailHome)))
    fs.rmSync(path.join(backupsDir(oxtailHome), path.basename(name)), { force: true });
}
