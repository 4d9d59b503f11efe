import fs from "node:fs";
import { readPrivateFile } from "../home/home.js";

/**
 * An exclusive lock file holding `mine`: created with `O_EXCL` (mode 0600). When it exists,
 * `takeOver` gets the holder's text (null when unreadable) and says whether to replace it; the
 * old file is then moved aside (only one contender wins the rename) and the create is retried
 * once. Returns a release function, which removes the file only while it still holds `mine`,
 * or null when the lock stays with its holder or cannot be made.
 */
export function exclusiveLockFile(
  file: string,
  mine: string,
  takeOver: (held: string | null) => boolean,
): (() => void) | null {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, mine, { flag: "wx", mode: 0o600 });
      return () => {
        try {
          if (readPrivateFile(file) === mine) fs.rmSync(file, { force: true });
        } catch {
          // already gone
        }
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") return null;
      let held: string | null = null;
      try {
        held = readPrivateFile(file);
      } catch {
        // unreadable: the holder decides with null
      }
      if (!takeOver(held)) return null;
      try {
        fs.renameSync(file, `${file}.stale-${process.pid}`);
        fs.rmSync(`${file}.stale-${process.pid}`, { force: true });
      } catch {
        // another process took it over first
      }
    }
  }
  return null;
}
