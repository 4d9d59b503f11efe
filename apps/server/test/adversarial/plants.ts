// Hostile entries planted in a data directory, each with its undo: FIFOs, unix sockets, symlinks in
// place of files or folders, foreign owners, loose modes, stray files.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

/** The uid and gid foreign entries are given: nobody. */
export const FOREIGN_ID = 65534;

/** Plants and their undo steps, undone last first. */
export class Plants {
  private readonly steps: (() => void | Promise<void>)[] = [];
  private readonly servers: net.Server[] = [];

  /** A FIFO at `file` (its parent folders created). */
  fifo(file: string): void {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    execFileSync("mkfifo", ["-m", "600", file]);
    this.steps.push(() => fs.rmSync(file, { force: true }));
  }

  /** A listening unix socket at `file` (a socket path is short: bound elsewhere, then moved in). */
  async socket(file: string): Promise<void> {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "oxs-"));
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(path.join(dir, "s"), resolve);
    });
    this.servers.push(server);
    fs.renameSync(path.join(dir, "s"), file);
    this.steps.push(() => {
      server.close();
      fs.rmSync(file, { force: true });
      fs.rmSync(dir, { recursive: true, force: true });
    });
  }

  /** A regular file at `file` (parents created). */
  file(file: string, content: string | Buffer, mode = 0o600): void {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    fs.writeFileSync(file, content, { mode });
    fs.chmodSync(file, mode);
    this.steps.push(() => fs.rmSync(file, { force: true, recursive: true }));
  }

  /** A folder at `dir` (parents created). */
  dir(dir: string, mode = 0o700): void {
    fs.mkdirSync(dir, { recursive: true, mode });
    this.steps.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  }

  /**
   * Put a symlink to `target` at `link`. What was there (a folder, a file) is moved aside and put
   * back by the undo, untouched.
   */
  symlink(link: string, target: string): void {
    this.aside(link);
    fs.mkdirSync(path.dirname(link), { recursive: true, mode: 0o700 });
    fs.symlinkSync(target, link);
    this.steps.push(() => fs.rmSync(link, { force: true }));
  }

  /** Replace `at` by `make()` (a file, a FIFO…), keeping what was there aside for the undo. */
  replace(at: string, make: (at: string) => void): void {
    this.aside(at);
    make(at);
    this.steps.push(() => fs.rmSync(at, { force: true, recursive: true }));
  }

  /** Move what is at `at` aside until the undo. */
  aside(at: string): void {
    if (!lexists(at)) return;
    const moved = `${at}.aside-${process.pid}-${this.steps.length}`;
    fs.renameSync(at, moved);
    this.steps.push(() => fs.renameSync(moved, at));
  }

  /** Give `file` (not followed) to uid/gid {@link FOREIGN_ID}. */
  foreign(file: string): void {
    const stat = fs.lstatSync(file);
    fs.lchownSync(file, FOREIGN_ID, FOREIGN_ID);
    this.steps.push(() => {
      if (lexists(file)) fs.lchownSync(file, stat.uid, stat.gid);
    });
  }

  /** Set the mode of `file` (followed: for files and folders only). */
  chmod(file: string, mode: number): void {
    const before = fs.statSync(file).mode & 0o7777;
    fs.chmodSync(file, mode);
    this.steps.push(() => {
      if (lexists(file)) fs.chmodSync(file, before);
    });
  }

  /** Any other undo step. */
  onUndo(step: () => void | Promise<void>): void {
    this.steps.push(step);
  }

  /** Undo every plant, last first. Synchronous steps only are awaited by order; errors are collected. */
  undo(): void {
    const errors: unknown[] = [];
    for (const step of this.steps.splice(0).reverse()) {
      try {
        void step();
      } catch (error) {
        errors.push(error);
      }
    }
    if (errors.length > 0) throw new AggregateError(errors, "undoing the plants failed");
  }
}

/** True when something (anything, a dangling symlink too) is at `file`. */
export function lexists(file: string): boolean {
  try {
    fs.lstatSync(file);
    return true;
  } catch {
    return false;
  }
}
