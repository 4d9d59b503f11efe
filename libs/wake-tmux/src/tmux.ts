import { spawn } from "node:child_process";
import { OxtailError } from "@oxtail/core";

/** Runs `tmux` with arguments; injectable for tests. Resolves stdout. */
export type TmuxExec = (args: string[]) => Promise<string>;

/** Where a tmux server is: a socket path (`-S`), a socket name (`-L`), or the default (which honours `TMUX_TMPDIR`). */
export interface TmuxTarget {
  socketPath?: string | null;
  socketName?: string | null;
}

/** One tmux session. */
export interface TmuxSession {
  name: string;
  attached: boolean;
  windows: number;
}

/** One pane, with its session and where it runs. */
export interface TmuxPane {
  session: string;
  window: string;
  pane: string;
  pid: number;
  cwd: string;
  attached: boolean;
  socket: string;
}

/** Options for {@link createTmux}. */
export interface TmuxOptions extends TmuxTarget {
  /** Replace the `tmux` runner (tests). */
  exec?: TmuxExec;
  /** Per-call time limit, ms (default 5000). */
  timeoutMs?: number;
  /** Environment for `tmux` (default: this process's). */
  env?: NodeJS.ProcessEnv;
}

/** tmux, one server of it. Every tmux call in oxtail goes through here. */
export interface Tmux {
  /** True when the tmux binary runs. */
  available(): Promise<boolean>;
  /** Sessions, or [] when no server runs. Throws `tmux-unavailable` when tmux is absent. */
  listSessions(): Promise<TmuxSession[]>;
  /** Every pane of every session, or [] when no server runs. */
  listPanes(): Promise<TmuxPane[]>;
  /** The last `lines` lines of a pane as plain text (no escape sequences). */
  capture(pane: string, lines: number): Promise<string>;
  /** True when the pane exists on this server. */
  hasPane(pane: string): Promise<boolean>;
  /** Paste text into a pane as one bracketed paste (never interpreted as key names). */
  paste(pane: string, text: string): Promise<void>;
  /** Send named keys (e.g. `Enter`), as a separate tmux call. Never message text. */
  sendKeys(pane: string, keys: readonly string[]): Promise<void>;
}

const NO_SERVER = /no server running|error connecting to|No such file or directory/i;
// tmux escapes control characters (a tab becomes "_") in format output when no UTF-8 locale is
// set, as in a client's stripped environment: fields are joined by a printable marker instead.
const FIELD = "|:oxtail:|";

/** The most a tmux call may print, bytes; more is refused. */
const MAX_OUTPUT_BYTES = 8 << 20;

function defaultExec(target: TmuxTarget, timeoutMs: number, env: NodeJS.ProcessEnv): TmuxExec {
  const prefix = target.socketPath
    ? ["-S", target.socketPath]
    : target.socketName
      ? ["-L", target.socketName]
      : [];
  return (args) =>
    new Promise((resolve, reject) => {
      const child = spawn("tmux", [...prefix, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
      const out: Buffer[] = [];
      let bytes = 0;
      let stderr = "";
      let settled = false;
      const settle = (done: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        done();
      };
      // The deadline is kept whatever tmux does: SIGKILL (a SIGTERM can be ignored), and no wait for
      // the pipes to close (a child of it may hold them open).
      const giveUp = (why: string) => {
        child.kill("SIGKILL");
        child.stdout.destroy();
        child.stderr.destroy();
        settle(() => reject(new Error(why)));
      };
      const timer = setTimeout(
        () => giveUp(`tmux ${args[0]} did not answer within ${timeoutMs} ms`),
        timeoutMs,
      );
      child.stdout.on("data", (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes > MAX_OUTPUT_BYTES) giveUp(`tmux ${args[0]} printed more than ${MAX_OUTPUT_BYTES} bytes`);
        else out.push(chunk);
      });
      child.stderr.on("data", (chunk: Buffer) => {
        if (stderr.length < 64 * 1024) stderr += chunk;
      });
      child.on("error", (error: NodeJS.ErrnoException) =>
        settle(() =>
          reject(
            error.code === "ENOENT"
              ? new OxtailError("tmux-unavailable", "tmux is not installed or not on PATH.", {
                  origin: "wake-tmux",
                  cause: error,
                })
              : error,
          ),
        ),
      );
      child.on("close", (code, signal) =>
        settle(() => {
          if (code === 0) return resolve(Buffer.concat(out).toString("utf8"));
          const why = stderr.trim() || `tmux ${args[0]} exited with ${code ?? signal}`;
          reject(Object.assign(new Error(why), { stderr }));
        }),
      );
    });
}

/** A {@link Tmux} for one server. */
export function createTmux(options: TmuxOptions = {}): Tmux {
  const exec = options.exec ?? defaultExec(options, options.timeoutMs ?? 5000, options.env ?? process.env);
  const orEmpty = async <T>(run: () => Promise<T[]>): Promise<T[]> => {
    try {
      return await run();
    } catch (error) {
      if (error instanceof OxtailError) throw error;
      if (NO_SERVER.test((error as Error).message)) return [];
      throw error;
    }
  };
  return {
    async available() {
      try {
        await exec(["-V"]);
        return true;
      } catch {
        return false;
      }
    },
    listSessions: () =>
      orEmpty(async () => {
        const out = await exec([
          "list-sessions",
          "-F",
          ["#{session_name}", "#{session_attached}", "#{session_windows}"].join(FIELD),
        ]);
        return out
          .split("\n")
          .filter(Boolean)
          .map((line) => {
            const [name = "", attached = "0", windows = "0"] = line.split(FIELD);
            return { name, attached: Number(attached) > 0, windows: Number(windows) };
          });
      }),
    listPanes: () =>
      orEmpty(async () => {
        // Free text (the cwd) last, so a path that happens to contain the marker still parses.
        const format = [
          "#{session_name}",
          "#{window_index}",
          "#{pane_id}",
          "#{pane_pid}",
          "#{session_attached}",
          "#{socket_path}",
          "#{pane_current_path}",
        ];
        const out = await exec(["list-panes", "-a", "-F", format.join(FIELD)]);
        return out
          .split("\n")
          .filter(Boolean)
          .map((line) => {
            const [session = "", window = "", pane = "", pid = "0", attached = "0", socket = "", ...rest] =
              line.split(FIELD);
            return {
              session,
              window,
              pane,
              pid: Number(pid),
              cwd: rest.join(FIELD),
              attached: Number(attached) > 0,
              socket,
            };
          });
      }),
    async capture(pane, lines) {
      checkPaneId(pane);
      const out = await exec([
        "capture-pane",
        "-p",
        "-J",
        "-t",
        pane,
        "-S",
        `-${Math.max(1, Math.floor(lines))}`,
      ]);
      // capture-pane without -e emits no escapes; drop any other control character all the same.
      // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point.
      return out.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, "").replace(/\s+$/, "");
    },
    async hasPane(pane) {
      checkPaneId(pane);
      try {
        const out = await exec(["display-message", "-p", "-t", pane, "#{pane_id}"]);
        return out.trim() === pane;
      } catch (error) {
        if (error instanceof OxtailError) throw error;
        return false;
      }
    },
    async paste(pane, text) {
      checkPaneId(pane);
      const buffer = `oxtail-${process.pid}-${Date.now().toString(36)}`;
      await exec(["set-buffer", "-b", buffer, "--", text]);
      await exec(["paste-buffer", "-p", "-d", "-b", buffer, "-t", pane]);
    },
    async sendKeys(pane, keys) {
      checkPaneId(pane);
      for (const key of keys) {
        if (!/^[A-Za-z][A-Za-z0-9-]*$/.test(key))
          throw new OxtailError("invalid-input", `Not a key name: ${JSON.stringify(key)}.`);
      }
      await exec(["send-keys", "-t", pane, ...keys]);
    },
  };
}

/** Pane ids look like `%12`; anything else is refused before it reaches tmux. */
function checkPaneId(pane: string): void {
  if (!/^%\d+$/.test(pane))
    throw new OxtailError("invalid-input", `Not a tmux pane id: ${JSON.stringify(pane)}.`);
}
