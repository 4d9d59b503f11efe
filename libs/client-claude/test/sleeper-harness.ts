// The bench of the sleeper tests: one temp folder per test holding OXTAIL_HOME, Claude Code's state folder
// and stand-ins for Claude Code, plus helpers that run the real bin/oxtail-claude-sleeper the way Claude
// Code runs an async hook (the payload on stdin), hand it the real hook program, and send it mail with
// core's mailbox. Every process started here carries the sandbox's mark in its environment, so the
// clean-up finds and ends whatever a test left running, and reports it.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createFsMailboxStore, createMailbox, type Message, sessionMailboxKey } from "@oxtail/core/runtime";

/** The program under test. */
export const SLEEPER = path.resolve(import.meta.dirname, "..", "bin", "oxtail-claude-sleeper");
/** The hook program it hands the mail to (its dist/ is built by the global setup). */
export const HOOK = path.resolve(import.meta.dirname, "..", "..", "..", "apps", "hook", "bin", "oxtail-hook");
export const ME = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa";
export const PEER = "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb";
const MARK = "OXTAIL_TEST_SANDBOX";

// run.sh <folder>: the sleeper with the folder's payload on stdin; its pid, output and exit code land there.
const RUN = `#!/bin/sh
d=$1
"$OXTAIL_TEST_SLEEPER" "$OXTAIL_TEST_HOOK" < "$d/payload" > "$d/out" 2> "$d/err" &
echo $! > "$d/pid"
wait $!
echo $? > "$d/rc"
`;

/** One test's folder. Every process started in it has HOME = `dir`. */
export interface Sandbox {
  dir: string;
  /** OXTAIL_HOME (a real path). */
  home: string;
  /** CLAUDE_CONFIG_DIR: where the stand-in Claude Code keeps `sessions/<pid>.json`. */
  claudeDir: string;
  /** The environment of a process started here: a clean one, plus `extra` (undefined values left out). */
  env(extra?: Record<string, string | undefined>): Record<string, string>;
}

const sandboxes: { sandbox: Sandbox; clients: ChildProcess[] }[] = [];

/** A fresh sandbox, removed by `cleanUp`. */
export function createSandbox(): Sandbox {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-sleeper-")));
  const home = path.join(dir, "oxtail");
  const claudeDir = path.join(dir, "claude-config");
  fs.mkdirSync(path.join(dir, "bin"));
  fs.mkdirSync(path.join(dir, "bin-sh"));
  // Stand-ins for Claude Code: processes whose name (comm) is `claude`.
  fs.symlinkSync("/bin/sleep", path.join(dir, "bin", "claude"));
  fs.symlinkSync("/bin/sh", path.join(dir, "bin-sh", "claude"));
  fs.writeFileSync(path.join(dir, "run.sh"), RUN, { mode: 0o700 });
  const sandbox: Sandbox = {
    dir,
    home,
    claudeDir,
    env(extra = {}) {
      const env: Record<string, string> = {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        HOME: dir,
        OXTAIL_HOME: home,
        CLAUDE_CONFIG_DIR: claudeDir,
        OXTAIL_TEST_SLEEPER: SLEEPER,
        OXTAIL_TEST_HOOK: HOOK,
        [MARK]: dir,
      };
      // The repository's test guard marks the run: what a test leaves behind is found by it too.
      if (process.env.OXTAIL_TEST_RUN) env.OXTAIL_TEST_RUN = process.env.OXTAIL_TEST_RUN;
      for (const [key, value] of Object.entries(extra)) {
        if (value === undefined) delete env[key];
        else env[key] = value;
      }
      return env;
    },
  };
  sandboxes.push({ sandbox, clients: [] });
  return sandbox;
}

function clientsOf(sandbox: Sandbox): ChildProcess[] {
  const entry = sandboxes.find((s) => s.sandbox === sandbox);
  if (!entry) throw new Error("not a sandbox of this test");
  return entry.clients;
}

/** A stand-in Claude Code: a live process named `claude` (it only sleeps). */
export function startClient(sandbox: Sandbox): ChildProcess {
  const child = spawn(path.join(sandbox.dir, "bin", "claude"), ["600"], {
    env: sandbox.env(),
    stdio: "ignore",
  });
  clientsOf(sandbox).push(child);
  return child;
}

/** Claude Code's `sessions/<pid>.json` naming `pid` as the process running `session`. */
export function writeSessionFile(
  sandbox: Sandbox,
  pid: number,
  session: string = ME,
  status: "idle" | "busy" = "idle",
): void {
  const dir = path.join(sandbox.claudeDir, "sessions");
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${pid}.json`);
  const text = JSON.stringify({ pid, sessionId: session, cwd: sandbox.dir, status, updatedAt: Date.now() });
  fs.writeFileSync(`${file}.tmp`, text);
  fs.renameSync(`${file}.tmp`, file);
}

/** A running (or ended) sleeper. */
export interface Sleeper {
  pid: number;
  /** Its folder: payload, out, err, rc. */
  dir: string;
  running(): boolean;
  /** Its exit code once it ended; null when it still runs after `ms`. */
  exit(ms?: number): Promise<number | null>;
  stderr(): string;
}

/** How to start a sleeper. */
export interface StartOptions {
  /** Extra environment (undefined removes a variable). Default: CLAUDE_CODE_SESSION_ID = ME. */
  env?: Record<string, string | undefined>;
  /** Its stdin, Claude Code's hook payload. */
  payload?: string;
  /**
   * `init` (default): started through a shell that exits at once, so its parent chain ends at init
   * and holds no Claude Code. `claude`: the grandchild of a stand-in Claude Code (a shell named
   * `claude`), returned as `client`.
   */
  under?: "init" | "claude";
  /** Start it where /proc is an empty folder (a mount namespace; see `canHideProc`), as on macOS. */
  hideProc?: boolean;
}

const HIDE_PROC = "mount -t tmpfs none /proc";

/** Whether this machine lets a test start a process that sees no /proc (root, or user namespaces). */
export const canHideProc: boolean = (() => {
  try {
    execFileSync("unshare", ["-m", "--propagation", "private", "sh", "-c", HIDE_PROC], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

/** Start the real sleeper as Claude Code would. */
export async function startSleeper(
  sandbox: Sandbox,
  options: StartOptions = {},
): Promise<Sleeper & { client: ChildProcess | null }> {
  const dir = fs.mkdtempSync(path.join(sandbox.dir, "sleeper-"));
  fs.writeFileSync(
    path.join(dir, "payload"),
    options.payload ?? `${JSON.stringify({ session_id: ME, hook_event_name: "Stop" })}\n`,
  );
  const env = sandbox.env({ CLAUDE_CODE_SESSION_ID: ME, ...options.env });
  const run = path.join(sandbox.dir, "run.sh");
  let client: ChildProcess | null = null;
  if (options.under === "claude") {
    // `; :` keeps the shell from exec-ing run.sh: the chain is sleeper → run.sh → claude.
    client = spawn(path.join(sandbox.dir, "bin-sh", "claude"), ["-c", 'sh "$0" "$1"; :', run, dir], {
      env,
      stdio: "ignore",
    });
    clientsOf(sandbox).push(client);
  } else {
    const script = options.hideProc
      ? `unshare -m --propagation private sh -c '${HIDE_PROC} && exec sh "$0" "$1"' "$0" "$1" &`
      : 'sh "$0" "$1" &';
    const launcher = spawn("sh", ["-c", script, run, dir], { env, stdio: "ignore" });
    await new Promise((resolve) => launcher.on("exit", resolve));
  }
  const pid = Number(await until(() => fullLine(path.join(dir, "pid")), 10_000));
  if (!(pid > 0)) throw new Error("the sleeper did not start");
  const rc = () => fullLine(path.join(dir, "rc"));
  return {
    pid,
    dir,
    client,
    running: () => running(pid),
    async exit(ms = 15_000) {
      const code = await until(rc, ms);
      return code === null ? null : Number(code);
    },
    stderr: () => fs.readFileSync(path.join(dir, "err"), "utf8"),
  };
}

/** A file's text once it is a whole line (ends with a newline), else null. */
function fullLine(file: string): string | null {
  try {
    const text = fs.readFileSync(file, "utf8");
    return text.endsWith("\n") ? text.trim() : null;
  } catch {
    return null;
  }
}

/** Send `body` to `to` as PEER, through core's mailbox (which rings the sleeper's bell). */
export async function mail(sandbox: Sandbox, body: string, to: string = ME): Promise<Message> {
  const mailbox = createMailbox({ store: createFsMailboxStore({ home: sandbox.home }) });
  const from = { session_id: PEER, instance_id: "1-1", client_type: "codex", display_name: "codex (peer)" };
  return mailbox.send({
    from,
    fromMailbox: sessionMailboxKey(PEER),
    to: sessionMailboxKey(to),
    toSessionId: to.toLowerCase(),
    body,
  });
}

/** The messages waiting for `session`, unclaimed. */
export function pending(sandbox: Sandbox, session: string = ME): Promise<Message[]> {
  return createMailbox({ store: createFsMailboxStore({ home: sandbox.home }) }).peek(
    sessionMailboxKey(session),
  );
}

/**
 * An OXTAIL_NODE for the hook program that counts Node's starts (one line each in `log`). With a gate,
 * once Node has run it says so (`<gate>.ran`) and waits for `<gate>.open` before it exits with Node's code.
 */
export function nodeWrapper(sandbox: Sandbox, gate?: string): { path: string; starts(): number } {
  const log = path.join(sandbox.dir, "node-starts.log");
  const wrapper = path.join(sandbox.dir, gate ? "node-gated.sh" : "node.sh");
  const wait = gate ? `: > "${gate}.ran"\nwhile [ ! -e "${gate}.open" ]; do sleep 0.02; done\n` : "";
  fs.writeFileSync(
    wrapper,
    `#!/bin/sh\necho start >> "${log}"\n"${process.execPath}" "$@"\nrc=$?\n${wait}exit $rc\n`,
    { mode: 0o700 },
  );
  return {
    path: wrapper,
    starts: () => (fs.existsSync(log) ? fs.readFileSync(log, "utf8").split("\n").filter(Boolean).length : 0),
  };
}

/**
 * A PATH folder whose `rm`, `mv` and `ln` stop once armed: the first call says so (`entered`) and waits
 * until the gate opens. A sleeper started with it holds still in the middle of its clean-up.
 */
export function gatedFileCommands(sandbox: Sandbox) {
  const dir = path.join(sandbox.dir, "gated-bin");
  const gate = path.join(sandbox.dir, "files-gate");
  fs.mkdirSync(dir);
  for (const name of ["rm", "mv", "ln"]) {
    const real = ["/bin", "/usr/bin"].map((d) => path.join(d, name)).find((f) => fs.existsSync(f));
    fs.writeFileSync(
      path.join(dir, name),
      `#!/bin/sh\nif [ -e "${gate}.armed" ]; then\n  : > "${gate}.entered"\n  while [ ! -e "${gate}.open" ]; do sleep 0.02; done\nfi\nexec "${real}" "$@"\n`,
      { mode: 0o700 },
    );
  }
  return {
    path: `${dir}:${process.env.PATH ?? "/usr/bin:/bin"}`,
    arm: () => fs.writeFileSync(`${gate}.armed`, ""),
    entered: () => fs.existsSync(`${gate}.entered`),
    open: () => fs.writeFileSync(`${gate}.open`, ""),
  };
}

/** True while `pid` exists and is not a zombie. */
export function running(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.charAt(stat.lastIndexOf(")") + 2) !== "Z";
  } catch {
    return false;
  }
}

/** The live children of `pid`. */
export function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const name of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, "utf8");
      const [state, ppid] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(ppid) === pid && state !== "Z") out.push(Number(name));
    } catch {
      // gone
    }
  }
  return out;
}

/** Poll `check` every 50 ms until it gives a truthy value or `ms` passed; returns its last value. */
export async function until<T>(check: () => T, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  let value = check();
  while (!value && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 50));
    value = check();
  }
  return value;
}

/** Let `ms` pass (a sleeper looks at its client and mailbox once a second). */
export const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Live processes carrying `sandbox`'s mark, with their command lines. */
function marked(sandbox: Sandbox): { pid: number; command: string }[] {
  const needle = `${MARK}=${sandbox.dir}`;
  const out: { pid: number; command: string }[] = [];
  for (const name of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(name) || !running(Number(name))) continue;
    try {
      if (!fs.readFileSync(`/proc/${name}/environ`, "utf8").split("\0").includes(needle)) continue;
      const command = fs.readFileSync(`/proc/${name}/cmdline`, "utf8").split("\0").join(" ").trim();
      out.push({ pid: Number(name), command });
    } catch {
      // gone
    }
  }
  return out;
}

/**
 * End every test's stand-in clients, give their sleepers a few seconds to end by themselves (they must:
 * a sleeper never outlives its client), SIGKILL whatever still runs and remove the folders. Returns
 * what had to be killed.
 */
export async function cleanUp(): Promise<string[]> {
  const left: string[] = [];
  for (const { sandbox, clients } of sandboxes.splice(0)) {
    for (const client of clients) client.kill("SIGKILL");
    await until(() => marked(sandbox).length === 0, 6000);
    for (const { pid, command } of marked(sandbox)) {
      left.push(command);
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // gone meanwhile
      }
    }
    fs.rmSync(sandbox.dir, { recursive: true, force: true });
  }
  return left;
}
