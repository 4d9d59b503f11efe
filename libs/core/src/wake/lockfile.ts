import fs from "node:fs";
import path from "node:path";
import { storageFailure } from "../home/home.js";
import {
  createPrivateFile,
  openPrivateFile,
  readOpenedFile,
  readPrivateFile,
  removePrivateFile,
} from "../home/private-file.js";
import { isProcessTokenAlive, selfProcess } from "../process/liveness.js";

// How a lock file changes hands, so that at most one holder exists at any time:
// - Created only whole: the content goes to a scratch file first, which is then hard-linked
//   to the lock's name (link(2) fails when the name exists). No reader ever sees a lock
//   half written, and exactly one of many creators wins.
// - Replaced (taken over) only as the exact file that was judged stale: the contender keeps
//   that file open, which pins its inode number, and replaces it only while the name still
//   points to that inode. Between the check and the rename nobody else may touch the name,
//   so contenders first take a break token for that inode, `.<name>.break-<inode>.<level>`,
//   created by link(2) as well. A token whose holder is alive means "someone is replacing it":
//   the others step back. A token left by a dead process is passed by going one level up.
// - Released the same way: the holder removes the name only while it still points to its own
//   inode (kept open from creation), under a break token, so a release never removes a lock
//   that was taken over meanwhile.

const MAX_ATTEMPTS = 4;
const MAX_BREAK_LEVELS = 16;
const LOCK_MAX_BYTES = 64 * 1024;

/**
 * An exclusive lock file holding `mine` (mode 0600). When it exists, `takeOver` gets the holder's
 * text (null when it cannot be read: too large) and says whether to replace it; only the exact
 * file judged is replaced, and only one contender replaces it. A symlink, FIFO or foreign-owned
 * entry at the lock's name is never replaced: `unsafe-path`. Returns a release function, which
 * removes the lock only while it is still this holder's, or null when the lock stays with another
 * holder. The caller checks the directory first ({@link ensurePrivatePath}).
 */
export function exclusiveLockFile(
  file: string,
  mine: string,
  takeOver: (held: string | null) => boolean,
): (() => void) | null {
  const scratch = scratchFile(file, "lock");
  writeScratch(scratch, mine);
  let pinned: number | null = null;
  try {
    pinned = fs.openSync(scratch, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
    const ours = fs.fstatSync(pinned, { bigint: true });
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      if (linkNew(scratch, file)) return holding(file, pinned, ours, () => (pinned = null));
      const held = openPrivateFile(file);
      if (!held) continue; // released meanwhile: try again
      try {
        let text: string | null = null;
        try {
          text = readOpenedFile(file, held, LOCK_MAX_BYTES);
        } catch {
          // too large to be a lock: the holder decides with null
        }
        if (!takeOver(text)) return null;
        const outcome = underBreakToken(file, held.stat.ino, () => {
          if (!pointsTo(file, held.stat)) return "changed";
          fs.renameSync(scratch, file);
          return "replaced";
        });
        if (outcome === "replaced") return holding(file, pinned, ours, () => (pinned = null));
        if (outcome === null) return null; // another live process is replacing it right now
      } finally {
        fs.closeSync(held.fd);
      }
    }
    return null;
  } finally {
    removeQuiet(scratch);
    if (pinned !== null) fs.closeSync(pinned);
  }
}

/** The release function of a held lock; `disown` tells the caller the pinned fd is now the holder's. */
function holding(file: string, pinned: number, ours: fs.BigIntStats, disown: () => void): () => void {
  disown();
  let released = false;
  return () => {
    if (released) return;
    released = true;
    try {
      if (pointsTo(file, ours)) {
        underBreakToken(file, ours.ino, () => {
          if (pointsTo(file, ours)) fs.unlinkSync(file);
          return "replaced";
        });
      }
    } catch {
      // Left in place: a lock whose holder is gone is taken over anyway.
    } finally {
      fs.closeSync(pinned);
    }
  };
}

/** True while `file` (not followed) is the very file `stat` describes. */
function pointsTo(file: string, stat: fs.BigIntStats): boolean {
  try {
    const now = fs.lstatSync(file, { bigint: true });
    return now.ino === stat.ino && now.dev === stat.dev;
  } catch {
    return false;
  }
}

/**
 * Run `act` while holding the break token of inode `ino` of `file`; its result, or null when a
 * live process holds the token (it is replacing or releasing that very file).
 */
function underBreakToken<T>(file: string, ino: bigint, act: () => T): T | null {
  const me = selfProcess().token;
  const tokenAt = (level: number) =>
    path.join(path.dirname(file), `.${path.basename(file)}.break-${ino}.${level}`);
  const scratch = scratchFile(file, "token");
  writeScratch(scratch, me);
  try {
    let level = 1;
    for (let tries = 0; level <= MAX_BREAK_LEVELS && tries < 2 * MAX_BREAK_LEVELS; tries++) {
      if (linkNew(scratch, tokenAt(level))) {
        try {
          return act();
        } finally {
          for (let l = level; l >= 1; l--) removeQuiet(tokenAt(l));
        }
      }
      let holder: string | null;
      try {
        holder = readPrivateFile(tokenAt(level), { maxBytes: 256 });
      } catch {
        holder = ""; // not a token of a live process
      }
      if (holder === null) continue; // its holder just finished: this level is free again
      if (isProcessTokenAlive(holder)) return null;
      level += 1; // left by a dead process: pass it
    }
    return null;
  } finally {
    removeQuiet(scratch);
  }
}

function scratchFile(file: string, what: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${selfProcess().token}.${what}`);
}

function writeScratch(scratch: string, data: string): void {
  removeQuiet(scratch); // left by an earlier call of this very process
  try {
    createPrivateFile(scratch, data);
  } catch (error) {
    throw (error as NodeJS.ErrnoException).code === "EEXIST" ? storageFailure(scratch, error) : error;
  }
}

/** link(2): true when `target` was created, false when it exists. */
function linkNew(existing: string, target: string): boolean {
  try {
    fs.linkSync(existing, target);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw storageFailure(target, error);
  }
}

function removeQuiet(file: string): void {
  try {
    removePrivateFile(file);
  } catch {
    // not ours to delete (or gone): left as is
  }
}
