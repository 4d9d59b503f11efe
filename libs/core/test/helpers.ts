import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach } from "vitest";

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** A fresh temporary folder, removed after the test. */
export function tempDir(prefix = "oxtail-test-"): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** The permission bits of a path. */
export function modeOf(p: string): number {
  return fs.statSync(p).mode & 0o777;
}

/** True when this process may chown files to another user (root). */
export const CAN_CHOWN: boolean = typeof process.getuid === "function" && process.getuid() === 0;
