import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const made: string[] = [];

/** A new private folder `<tmp>/<prefix>-XXXXXX` (its real path), removed by {@link removeTempDirs}. */
export function tempDir(prefix: string): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`)));
  made.push(dir);
  return dir;
}

/** Remove every folder {@link tempDir} made (a test file's afterEach, once its agents have stopped). */
export function removeTempDirs(): void {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}
