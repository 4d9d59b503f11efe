import fs from "node:fs";
import path from "node:path";

/** Longest `.git` or `commondir` file read: a path plus a little. Longer ones are not git's. */
const MAX_LINK_BYTES = 16 * 1024;

/** What a `.git` entry says about its repository. */
export type GitDirVerdict =
  /** A repository: the realpath of its common git dir (shared by all its worktrees). */
  | { kind: "repository"; commonDir: string }
  /** Not a repository git would accept (malformed, dangling, missing parts), and why. */
  | { kind: "invalid"; reason: string }
  /** The entry could not be read now (permissions, I/O): the same question may answer later. */
  | { kind: "unreadable"; reason: string };

/**
 * A small file read without ever blocking: opened non-blocking, then `fstat`-checked to be a
 * regular file of bounded size before reading (a FIFO or device planted as `.git` is refused).
 */
function readSmallFile(file: string): { text: string } | { missing: true } | { error: string } {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return { missing: true };
    return { error: `${file}: ${code ?? String(error)}` };
  }
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) return { error: `${file} is not a regular file` };
    if (stat.size > MAX_LINK_BYTES) return { error: `${file} is larger than ${MAX_LINK_BYTES} bytes` };
    const buffer = Buffer.alloc(stat.size);
    let read = 0;
    while (read < buffer.length) {
      const n = fs.readSync(fd, buffer, read, buffer.length - read, read);
      if (n === 0) break;
      read += n;
    }
    return { text: buffer.toString("utf8", 0, read) };
  } catch (error) {
    return { error: `${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}` };
  } finally {
    fs.closeSync(fd);
  }
}

/** The realpath of a directory, or null when it is missing or not a directory. */
function realDir(dir: string): string | null {
  try {
    const real = fs.realpathSync.native(dir);
    return fs.statSync(real).isDirectory() ? real : null;
  } catch {
    return null;
  }
}

function exists(p: string): boolean {
  try {
    fs.statSync(p);
    return true;
  } catch {
    return false;
  }
}

/**
 * Read a `.git` entry the way git does, without running git. A `.git` directory is a git dir;
 * a `.git` file says `gitdir: <path>` (a linked worktree or a submodule; a relative path is
 * relative to the folder holding the file). A git dir with a `commondir` file shares the common
 * dir it names (relative to the git dir): that is how every worktree of one repository points
 * at one place. The git dir must hold `HEAD` and the common dir `objects`, as git requires.
 */
export function readGitEntry(dotGit: string, stat: fs.Stats): GitDirVerdict {
  let gitDir: string | null;
  if (stat.isDirectory()) {
    gitDir = realDir(dotGit);
  } else if (stat.isFile()) {
    const link = readSmallFile(dotGit);
    if ("missing" in link) return { kind: "unreadable", reason: `${dotGit} vanished while being read` };
    if ("error" in link) return { kind: "unreadable", reason: link.error };
    const text = link.text.replace(/\s+$/, "");
    const target = text.startsWith("gitdir: ") ? text.slice("gitdir: ".length) : "";
    if (target === "" || /[\n\0]/.test(target))
      return { kind: "invalid", reason: `${dotGit} is not one "gitdir: <path>" line` };
    gitDir = realDir(path.resolve(path.dirname(dotGit), target));
    if (!gitDir) return { kind: "invalid", reason: `${dotGit} points at ${target}, which is not a folder` };
  } else {
    return { kind: "invalid", reason: `${dotGit} is neither a folder nor a file` };
  }
  if (!gitDir) return { kind: "invalid", reason: `${dotGit} cannot be resolved` };
  if (!exists(path.join(gitDir, "HEAD"))) return { kind: "invalid", reason: `${gitDir} has no HEAD` };

  const common = readSmallFile(path.join(gitDir, "commondir"));
  if ("error" in common) return { kind: "unreadable", reason: common.error };
  let commonDir = gitDir;
  if ("text" in common) {
    const named = common.text.trim();
    const resolved = named === "" ? null : realDir(path.resolve(gitDir, named));
    if (!resolved) return { kind: "invalid", reason: `${gitDir}/commondir names a missing folder` };
    commonDir = resolved;
  }
  if (!exists(path.join(commonDir, "objects")))
    return { kind: "invalid", reason: `${commonDir} has no objects folder` };
  return { kind: "repository", commonDir };
}
