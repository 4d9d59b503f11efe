import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

/**
 * A private tmux server (`tmux -L <socket>`), never the user's. Every harness session
 * lives in one of these, with a fixed size.
 */
export class PrivateTmux {
  readonly socket: string;

  constructor(prefix = "oxtail-agents") {
    this.socket = `${prefix}-${process.pid}-${randomBytes(3).toString("hex")}`;
  }

  /** Run a tmux command on this server; returns stdout. */
  run(args: string[]): string {
    return execFileSync("tmux", ["-L", this.socket, ...args], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
  }

  /** Start a detached session running `command` (a shell command line) in `cwd`. */
  newSession(name: string, cwd: string, command: string, size = { width: 200, height: 50 }): void {
    this.run([
      "new-session",
      "-d",
      "-s",
      name,
      "-x",
      String(size.width),
      "-y",
      String(size.height),
      "-c",
      cwd,
      command,
    ]);
  }

  /** The visible screen of a session's active pane. */
  capture(target: string): string {
    return this.run(["capture-pane", "-p", "-t", target]);
  }

  /** The pid of the process running in the pane, and the pane id. */
  pane(target: string): { pid: number; id: string } {
    const [pid, id] = this.run(["display-message", "-p", "-t", target, "#{pane_pid} #{pane_id}"])
      .trim()
      .split(" ");
    return { pid: Number(pid), id: id as string };
  }

  /**
   * Type text into a pane the way both clients submit reliably: a bracketed paste, then
   * Enter as a separate tmux command (see ../shared/realclients/README.md §4).
   */
  submit(target: string, text: string): void {
    const buffer = `oxtail-${randomBytes(3).toString("hex")}`;
    this.run(["set-buffer", "-b", buffer, "--", text]);
    this.run(["paste-buffer", "-p", "-d", "-b", buffer, "-t", target]);
    execFileSync("sleep", ["0.1"]);
    this.run(["send-keys", "-t", target, "Enter"]);
  }

  /** Send named keys (e.g. `Escape`). Keys only: never text from a message. */
  keys(target: string, ...keys: string[]): void {
    this.run(["send-keys", "-t", target, ...keys]);
  }

  /** Stop the server and everything in it, and remove its socket file (tmux leaves it behind). */
  kill(): void {
    try {
      this.run(["kill-server"]);
    } catch {
      // already gone
    }
    // Where `tmux -L` puts it: $TMUX_TMPDIR (else /tmp), then tmux-<uid>/<socket name>.
    const uid = typeof process.getuid === "function" ? process.getuid() : null;
    if (uid === null) return;
    const socket = path.join(process.env.TMUX_TMPDIR || "/tmp", `tmux-${uid}`, this.socket);
    try {
      if (fs.lstatSync(socket).isSocket()) fs.rmSync(socket);
    } catch {
      // none left
    }
  }
}
