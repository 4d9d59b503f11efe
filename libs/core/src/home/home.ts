import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { OxtailError } from "../errors.js";

/** Directory mode for everything under `OXTAIL_HOME`. */
export const PRIVATE_DIR_MODE = 0o700;
/** File mode for everything under `OXTAIL_HOME`. */
export const PRIVATE_FILE_MODE = 0o600;

/** The data directory: `$OXTAIL_HOME`, else `~/.oxtail`. Not created. */
export function resolveHome(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env.OXTAIL_HOME?.trim();
  return path.resolve(configured ? configured : path.join(os.homedir(), ".oxtail"));
}

function currentUid(): number | null {
  return typeof process.getuid === "function" ? process.getuid() : null;
}

/** Why an existing entry may not be trusted, or null when it may. */
export function untrustedReason(stat: fs.Stats, expect: "file" | "dir"): string | null {
  if (stat.isSymbolicLink()) return "is a symbolic link";
  if (expect === "file" && !stat.isFile()) return "is not a regular file";
  if (expect === "dir" && !stat.isDirectory()) return "is not a directory";
  const uid = currentUid();
  if (uid !== null && stat.uid !== uid) return `is owned by uid ${stat.uid}, not ${uid}`;
  return null;
}

/**
 * Make sure `dir` exists as a private directory owned by this user (0700), creating
 * it and its missing parents. A symlink, a non-directory or a foreign-owned directory
 * is refused with `unsafe-path`; nothing is followed or changed then.
 */
export function ensurePrivateDir(dir: string): void {
  let stat: fs.Stats | undefined;
  try {
    stat = fs.lstatSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw storageFailure(dir, error);
  }
  if (!stat) {
    try {
      fs.mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw storageFailure(dir, error);
    }
    stat = fs.lstatSync(dir);
  }
  const reason = untrustedReason(stat, "dir");
  if (reason) {
    throw new OxtailError("unsafe-path", `${dir} ${reason}; refusing to use it. Remove or fix it.`, {
      data: { path: dir },
    });
  }
  if ((stat.mode & 0o777) !== PRIVATE_DIR_MODE) fs.chmodSync(dir, PRIVATE_DIR_MODE);
}

/**
 * Read a file only when it is a regular file owned by this user. Returns null when it
 * is missing; throws `unsafe-path` when it is a symlink or foreign-owned. The check and
 * the read use one file descriptor opened with O_NOFOLLOW, so a swap in between is
 * not followed either.
 */
export function readPrivateFile(file: string): string | null {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return null;
    if (code === "ELOOP") throw new OxtailError("unsafe-path", `${file} is a symbolic link; not followed.`);
    throw storageFailure(file, error);
  }
  try {
    const reason = untrustedReason(fs.fstatSync(fd), "file");
    if (reason) throw new OxtailError("unsafe-path", `${file} ${reason}; ignored.`, { data: { path: file } });
    return fs.readFileSync(fd, "utf8");
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Write `data` to `file` atomically (temp file in the same directory, then rename),
 * private to the user. Readers see the old content or the new one, never a part.
 */
export function writePrivateFileAtomic(file: string, data: string, options: { fsync?: boolean } = {}): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${tmpCounter++}.tmp`);
  try {
    const fd = fs.openSync(
      tmp,
      fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW,
      PRIVATE_FILE_MODE,
    );
    try {
      fs.writeFileSync(fd, data);
      if (options.fsync) fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (error) {
    fs.rmSync(tmp, { force: true });
    throw error instanceof OxtailError ? error : storageFailure(file, error);
  }
}
let tmpCounter = 0;

/** An `storage-failure` error for an I/O error at `file`. */
export function storageFailure(file: string, cause: unknown): OxtailError {
  const code = (cause as NodeJS.ErrnoException)?.code ?? "unknown";
  return new OxtailError(
    "storage-failure",
    `Cannot use ${file} (${code}). Check OXTAIL_HOME and its permissions.`,
    {
      cause,
      data: { path: file, errno: code },
    },
  );
}
