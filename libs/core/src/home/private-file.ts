import fs from "node:fs";
import path from "node:path";
import { OxtailError } from "../errors.js";
import { PRIVATE_FILE_MODE, storageFailure, unsafePath, untrustedReason } from "./home.js";

/**
 * The default size cap of {@link readPrivateFile}: 1 MiB. Nothing oxtail writes comes near it
 * (a message is at most 8 KiB of body plus its envelope).
 */
export const PRIVATE_FILE_MAX_BYTES = 1024 * 1024;

/** Options for {@link readPrivateFile}. */
export interface ReadPrivateFileOptions {
  /** Larger files are refused with `corrupt-record` without being read. Default {@link PRIVATE_FILE_MAX_BYTES}. */
  maxBytes?: number;
}

/** A file opened by {@link openPrivateFile}: its descriptor (the caller closes it) and what fstat said. */
export interface OpenedPrivateFile {
  fd: number;
  stat: fs.BigIntStats;
}

const READ_FLAGS = fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK;
const CREATE_FLAGS =
  fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW;

/**
 * Open a file for reading only when it is a regular file owned by this user. Null when it is
 * missing; `unsafe-path` when it is a symlink, FIFO, socket, device, directory or foreign-owned.
 * The entry is lstat-checked first, so a FIFO or device is not even opened; the open itself is
 * `O_NOFOLLOW|O_NONBLOCK` and the descriptor is fstat-checked again (regular, ours), so a swap in
 * between is neither followed nor blocks; an atomic rewrite in between reads the new version.
 */
export function openPrivateFile(file: string): OpenedPrivateFile | null {
  let before: fs.BigIntStats;
  try {
    before = fs.lstatSync(file, { bigint: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw storageFailure(file, error);
  }
  const early = untrustedReason(before, "file");
  if (early) throw unsafePath(file, early);
  let fd: number;
  try {
    fd = fs.openSync(file, READ_FLAGS);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return null;
    if (code === "ELOOP" || code === "EMLINK") throw unsafePath(file, "is a symbolic link");
    if (code === "ENXIO") throw unsafePath(file, "is a socket or a device");
    throw storageFailure(file, error);
  }
  try {
    const stat = fs.fstatSync(fd, { bigint: true });
    // A file renamed over the name in between (an atomic rewrite) is fine when it passes the same check.
    const reason = untrustedReason(stat, "file");
    if (reason) throw unsafePath(file, reason);
    return { fd, stat };
  } catch (error) {
    fs.closeSync(fd);
    throw error;
  }
}

/** Read an opened file to its end; `corrupt-record` when it is (or grows) larger than `maxBytes`. */
export function readOpenedFile(file: string, opened: OpenedPrivateFile, maxBytes: number): string {
  if (opened.stat.size > BigInt(maxBytes)) throw tooLarge(file, maxBytes);
  const chunks: Buffer[] = [];
  const buffer = Buffer.allocUnsafe(Math.min(maxBytes + 1, Math.max(4096, Number(opened.stat.size) + 1)));
  let total = 0;
  for (;;) {
    const n = fs.readSync(opened.fd, buffer, 0, buffer.length, null);
    if (n === 0) break;
    total += n;
    if (total > maxBytes) throw tooLarge(file, maxBytes);
    chunks.push(Buffer.from(buffer.subarray(0, n)));
  }
  return Buffer.concat(chunks).toString("utf8");
}

function tooLarge(file: string, maxBytes: number): OxtailError {
  return new OxtailError("corrupt-record", `${file} is larger than ${maxBytes} bytes; not read.`, {
    data: { path: file, limit: maxBytes },
  });
}

/**
 * Read a file only when it is a regular file owned by this user (see {@link openPrivateFile}):
 * null when missing, `unsafe-path` when it may not be trusted, `corrupt-record` when it is larger
 * than the cap. A FIFO never blocks the reader.
 */
export function readPrivateFile(file: string, options: ReadPrivateFileOptions = {}): string | null {
  const opened = openPrivateFile(file);
  if (!opened) return null;
  try {
    return readOpenedFile(file, opened, options.maxBytes ?? PRIVATE_FILE_MAX_BYTES);
  } finally {
    fs.closeSync(opened.fd);
  }
}

/**
 * Create `file` exclusively (`O_CREAT|O_EXCL|O_NOFOLLOW`, mode 0600) with `data`. Throws the
 * raw `EEXIST` error when it exists, so callers can tell a lost race; `storage-failure` otherwise.
 */
export function createPrivateFile(file: string, data: string): void {
  let fd: number;
  try {
    fd = fs.openSync(file, CREATE_FLAGS, PRIVATE_FILE_MODE);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") throw error;
    throw storageFailure(file, error);
  }
  try {
    fs.writeFileSync(fd, data);
  } catch (error) {
    fs.closeSync(fd);
    fs.rmSync(file, { force: true });
    throw storageFailure(file, error);
  }
  fs.closeSync(fd);
}

/**
 * Write `data` to `file` atomically (temp file in the same directory, then rename),
 * private to the user. Readers see the old content or the new one, never a part.
 * The caller checks the directory ({@link ensurePrivatePath}).
 */
export function writePrivateFileAtomic(file: string, data: string, options: { fsync?: boolean } = {}): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${tmpCounter++}.tmp`);
  try {
    const fd = fs.openSync(tmp, CREATE_FLAGS, PRIVATE_FILE_MODE);
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

/**
 * Unlink `file` only when it is a regular file owned by this user (lstat, not followed).
 * False when it is missing; `unsafe-path` (nothing deleted) when it is anything else.
 */
export function removePrivateFile(file: string): boolean {
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw storageFailure(file, error);
  }
  const reason = untrustedReason(stat, "file");
  if (reason) throw unsafePath(file, reason);
  try {
    fs.unlinkSync(file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw storageFailure(file, error);
  }
}
