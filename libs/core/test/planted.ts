// Hostile entries planted in a data directory: FIFOs, unix sockets, foreign owners, and a
// snapshot of "outside" folders to prove nothing there changed.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { afterEach } from "vitest";
import { tempDir } from "./helpers.ts";

/** The uid foreign entries are given (nobody). Chown needs root: see {@link CAN_CHOWN}. */
export const FOREIGN_UID = 65534;

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** Create a FIFO at `file`. */
export function mkfifo(file: string): void {
  execFileSync("mkfifo", ["-m", "600", file]);
}

/** Create a listening unix socket at `file` (closed after the test). */
export async function listenSocket(file: string): Promise<void> {
  // A socket path is limited to ~107 bytes: listen on a short one, then move it into place.
  const short = path.join(tempDir("oxs-"), "s");
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(short, resolve);
  });
  cleanups.push(() => server.close());
  fs.renameSync(short, file);
}

/** Give `file` (not followed) to {@link FOREIGN_UID}. */
export function chownForeign(file: string): void {
  fs.lchownSync(file, FOREIGN_UID, FOREIGN_UID);
}

/** Every entry under `dir` (not followed) with its type and bytes, to compare before and after. */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (current: string): void => {
    for (const name of fs.readdirSync(current).sort()) {
      const file = path.join(current, name);
      const rel = path.relative(dir, file);
      const stat = fs.lstatSync(file);
      if (stat.isDirectory()) {
        out[rel] = "dir";
        walk(file);
      } else if (stat.isSymbolicLink()) out[rel] = `link:${fs.readlinkSync(file)}`;
      else if (stat.isFile()) out[rel] = `file:${fs.readFileSync(file).toString("base64")}`;
      else out[rel] = "special";
    }
  };
  walk(dir);
  return out;
}

/**
 * Watch the FIFOs under `roots` (found anew each time, wherever they were moved) from another
 * process: once a second it opens each one for writing without blocking, which succeeds only
 * while some reader is stuck opening it, and releases that reader. `stop()` ends the watcher and
 * returns the FIFOs it had to release: a safe reader never opens a FIFO, so the list must be
 * empty. Without the watcher an unsafe reader would hang the test run instead of failing it.
 */
export function guardFifos(...roots: string[]): { stop(): Promise<string[]> } {
  const log = path.join(tempDir("oxtail-fifo-guard-"), "released");
  fs.writeFileSync(log, "");
  const script = `
    const fs = require("node:fs");
    const path = require("node:path");
    const [log, ...roots] = process.argv.slice(1);
    process.stdin.on("end", () => process.exit(0)).resume();
    const fifos = (dir, out) => {
      let names = [];
      try { names = fs.readdirSync(dir); } catch { return out; }
      for (const name of names) {
        const file = path.join(dir, name);
        let stat;
        try { stat = fs.lstatSync(file); } catch { continue; }
        if (stat.isDirectory()) fifos(file, out);
        else if (stat.isFIFO()) out.push(file);
      }
      return out;
    };
    setInterval(() => {
      for (const fifo of roots.flatMap((root) => fifos(root, []))) {
        let fd;
        try { fd = fs.openSync(fifo, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK); } catch { continue; }
        fs.appendFileSync(log, fifo + "\\n");
        fs.closeSync(fd);
      }
    }, 1000);`;
  const child: ChildProcess = spawn(process.execPath, ["-e", script, log, ...roots], {
    stdio: ["pipe", "ignore", "inherit"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  cleanups.push(() => child.kill("SIGKILL"));
  return {
    async stop() {
      child.stdin?.end();
      await exited;
      return fs.readFileSync(log, "utf8").split("\n").filter(Boolean);
    },
  };
}
