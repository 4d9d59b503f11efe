import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { OxtailError } from "../errors.js";

/** Directory mode for everything under `OXTAIL_HOME`. */
export const PRIVATE_DIR_MODE = 0o700;
/** File mode for everything under `OXTAIL_HOME`. */
export const PRIVATE_FILE_MODE = 0o600;

/**
 * The data directory: `$OXTAIL_HOME`, else `~/.oxtail`, resolved once to its real path so
 * that it may itself be a symlink (to another disk, say). When it does not exist yet, its
 * nearest existing ancestor is resolved and the rest appended. Not created. Below the
 * returned path nothing is followed: every level is checked with {@link checkPrivateDir}.
 */
export function resolveHome(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env.OXTAIL_HOME?.trim();
  return realpathOfNearest(path.resolve(configured ? configured : path.join(os.homedir(), ".oxtail")));
}

function realpathOfNearest(wanted: string): string {
  const missing: string[] = [];
  let current = wanted;
  for (;;) {
    try {
      return path.join(fs.realpathSync(current), ...missing);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const parent = path.dirname(current);
      if ((code !== "ENOENT" && code !== "ENOTDIR") || parent === current) return wanted;
      missing.unshift(path.basename(current));
      current = parent;
    }
  }
}

function currentUid(): number | null {
  return typeof process.getuid === "function" ? process.getuid() : null;
}

function typeReason(stat: fs.Stats | fs.BigIntStats | fs.Dirent): string {
  if (stat.isSymbolicLink()) return "is a symbolic link";
  if (stat.isFIFO()) return "is a FIFO";
  if (stat.isSocket()) return "is a socket";
  if (stat.isBlockDevice() || stat.isCharacterDevice()) return "is a device";
  if (stat.isDirectory()) return "is a directory";
  if (stat.isFile()) return "is a regular file";
  return "is not a regular file";
}

/**
 * Why an existing entry may not be trusted, or null when it may: it must be of the expected
 * type (a regular file or a directory, never a symlink, FIFO, socket or device) and owned by
 * this user.
 */
export function untrustedReason(stat: fs.Stats | fs.BigIntStats, expect: "file" | "dir"): string | null {
  const ok = expect === "file" ? stat.isFile() : stat.isDirectory();
  if (!ok) return typeReason(stat);
  const uid = currentUid();
  if (uid !== null && Number(stat.uid) !== uid) return `is owned by uid ${stat.uid}, not ${uid}`;
  return null;
}

/** The `unsafe-path` error for an entry that failed a check; `data` carries the path and the reason. */
export function unsafePath(file: string, reason: string): OxtailError {
  return new OxtailError("unsafe-path", `${file} ${reason}; not used. Remove or fix it.`, {
    data: { path: file, reason },
  });
}

/** What an I/O error code means for the data directory, and what the user can do about it. */
function storageAdvice(code: string): string {
  switch (code) {
    case "EROFS":
      return "The data directory is on a read-only file system: remount it read-write, or point OXTAIL_HOME at a writable folder.";
    case "ENOSPC":
    case "EDQUOT":
      return "The disk holding the data directory is full (no space, inodes or quota left): free some, or point OXTAIL_HOME elsewhere.";
    case "EACCES":
    case "EPERM":
      return "Permission denied: the data directory and everything in it must belong to you (mode 0700); fix its owner and modes, or point OXTAIL_HOME elsewhere.";
    default:
      return "Check OXTAIL_HOME and its permissions.";
  }
}

/**
 * A `storage-failure` error for an I/O error at `file`: the message says what went wrong and what
 * to do (a read-only or full disk, a permission), so a caller can tell the user.
 */
export function storageFailure(file: string, cause: unknown): OxtailError {
  const code = (cause as NodeJS.ErrnoException)?.code ?? "unknown";
  return new OxtailError("storage-failure", `Cannot use ${file} (${code}). ${storageAdvice(code)}`, {
    cause,
    data: { path: file, errno: code },
  });
}

/**
 * Check one directory level without following it (lstat): false when it is missing; true when
 * it is a real directory owned by this user, whose mode is then tightened to 0700 if looser.
 * A symlink, a non-directory or a foreign-owned directory throws `unsafe-path` and is left as is.
 */
export function checkPrivateDir(dir: string): boolean {
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw storageFailure(dir, error);
  }
  const reason = untrustedReason(stat, "dir");
  if (reason) throw unsafePath(dir, reason);
  if ((stat.mode & 0o777) !== PRIVATE_DIR_MODE) {
    try {
      fs.chmodSync(dir, PRIVATE_DIR_MODE);
    } catch (error) {
      throw storageFailure(dir, error);
    }
  }
  return true;
}

/** `home`, then every directory from `home` down to `target` (which must be inside `home`). */
function levels(home: string, target: string): string[] {
  const rel = path.relative(home, target);
  if (rel === ".." || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel)) {
    throw new OxtailError("unsafe-path", `${target} is outside the data directory ${home}.`, {
      data: { path: target, reason: "is outside the data directory" },
    });
  }
  const out = [home];
  let current = home;
  for (const part of rel.split(path.sep).filter(Boolean)) {
    current = path.join(current, part);
    out.push(current);
  }
  return out;
}

/**
 * Check `home` and every directory level below it down to `target` with {@link checkPrivateDir}.
 * Returns false as soon as a level is missing (nothing below it can exist), true when all are
 * there; throws `unsafe-path` at the first level that is a symlink, not a directory or foreign-owned.
 * Call it on read paths as well as write paths: a level swapped for a symlink leads outside.
 */
export function verifyPrivatePath(home: string, target: string): boolean {
  for (const level of levels(home, target)) if (!checkPrivateDir(level)) return false;
  return true;
}

/**
 * Like {@link verifyPrivatePath}, creating missing levels with mode 0700 (and `home` with its
 * missing parents). Throws `unsafe-path` when an existing level may not be used.
 */
export function ensurePrivatePath(home: string, target: string): void {
  for (const level of levels(home, target)) {
    if (checkPrivateDir(level)) continue;
    try {
      if (level === home) fs.mkdirSync(level, { recursive: true, mode: PRIVATE_DIR_MODE });
      else fs.mkdirSync(level, { mode: PRIVATE_DIR_MODE });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw storageFailure(level, error);
    }
    if (!checkPrivateDir(level)) throw storageFailure(level, { code: "ENOENT" });
  }
}

/**
 * Make sure `dir` exists as a private directory owned by this user (0700), creating it and its
 * missing parents. Only `dir` itself is checked: for a path below the data directory use
 * {@link ensurePrivatePath}, which checks every level. A symlink, a non-directory or a
 * foreign-owned directory is refused with `unsafe-path`; nothing is followed or changed then.
 */
export function ensurePrivateDir(dir: string): void {
  ensurePrivatePath(dir, dir);
}

/** The entries of a checked directory. */
export interface PrivateDirListing {
  /** Names of the regular files (their owner is checked when one is opened). */
  files: string[];
  /** Every other entry (symlink, FIFO, socket, device, directory), with why it is not used. */
  unsafe: { name: string; reason: string }[];
}

/**
 * List `dir` after checking every level from `home` down to it ({@link verifyPrivatePath}).
 * A missing directory lists as empty. Entries that are not regular files are returned apart,
 * never opened; the caller skips and traces them.
 */
export function listPrivateDir(home: string, dir: string): PrivateDirListing {
  const listing: PrivateDirListing = { files: [], unsafe: [] };
  if (!verifyPrivatePath(home, dir)) return listing;
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return listing;
    throw storageFailure(dir, error);
  }
  for (const entry of entries) {
    if (entry.isFile()) listing.files.push(entry.name);
    else listing.unsafe.push({ name: entry.name, reason: typeReason(entry) });
  }
  return listing;
}
