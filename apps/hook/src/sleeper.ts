import fs from "node:fs";
import path from "node:path";
import {
  createFsMailboxStore,
  createMailbox,
  ensurePrivateDir,
  isProcessAlive,
  isSessionId,
  processAncestry,
  processStartTime,
  sessionMailboxKey,
  type Tracer,
} from "@oxtail/core";

/** The sleeper gives up after this long; the next Stop starts a new one. */
export const SLEEPER_LIFETIME_MS = 50 * 60 * 1000;
/** How often it checks that its client still runs and whether the session went idle. */
export const SLEEPER_CHECK_MS = 1000;
/** What Claude Code shows the woken session (the sleeper's stderr, with exit code 2). */
export const REWAKE_TEXT =
  "[oxtail] New messages from peer agents are waiting for you. They are delivered with the oxtail read_my_messages tool; a reply goes through send_message with reply_to = the message id.";

/** What the sleeper did. */
export type SleepOutcome = "woke" | "replaced" | "client-gone" | "expired" | "invalid";

interface SleeperOptions {
  sessionId: unknown;
  home: string;
  /** Claude Code's state folder, for its idle/busy session file. */
  claudeDir: string;
  tracer: Tracer;
  lifetimeMs?: number;
}

function claudeStatus(claudeDir: string, pid: number): string | null {
  try {
    return (
      JSON.parse(fs.readFileSync(path.join(claudeDir, "sessions", `${pid}.json`), "utf8")).status ?? null
    );
  } catch {
    return null;
  }
}

/**
 * Claude Code's `asyncRewake` sleeper: started in the background at SessionStart and Stop,
 * it waits on the session's mailbox and returns "woke" (the caller exits 2, which makes an
 * idle Claude Code start a turn showing {@link REWAKE_TEXT}) once mail waits and the session
 * is idle. Exactly one sleeper per session: a lock with pid and start time, taken over by
 * the newest sleeper (the older one is ended) and from a dead holder. It ends when its Claude Code process is gone, or after its lifetime.
 * It never consumes mail: the woken turn's hooks or read_my_messages deliver it.
 */
export async function sleepUntilMail(options: SleeperOptions): Promise<SleepOutcome> {
  if (!isSessionId(options.sessionId)) return "invalid";
  const session = options.sessionId.toLowerCase();
  const dir = path.join(options.home, "sleepers");
  ensurePrivateDir(options.home);
  ensurePrivateDir(dir);
  const lock = path.join(dir, `${session}.json`);
  const me = { pid: process.pid, start_time: processStartTime(process.pid) };
  if (!takeLock(lock, me)) return "replaced";
  process.once("SIGTERM", () => process.exit(0));
  const client = processAncestry(process.pid).find(
    (p) => /^claude(\.exe)?$/.test(p.comm) || /(^|\/)claude(\.exe)?( |$)/.test(p.cmdline),
  );
  const clientStart = client ? processStartTime(client.pid) : null;
  const mailbox = createMailbox({
    store: createFsMailboxStore({ home: options.home, tracer: options.tracer }),
  });
  const key = sessionMailboxKey(session);
  const deadline = Date.now() + (options.lifetimeMs ?? SLEEPER_LIFETIME_MS);
  try {
    return await new Promise<SleepOutcome>((resolve) => {
      let done = false;
      const finish = (outcome: SleepOutcome) => {
        if (done) return;
        done = true;
        stop();
        clearInterval(timer);
        resolve(outcome);
      };
      const check = async () => {
        if (client && !isProcessAlive(client.pid, clientStart)) return finish("client-gone");
        if (Date.now() > deadline) return finish("expired");
        // Wake only an idle session: a busy one gets the mail from its own hooks.
        if (client && claudeStatus(options.claudeDir, client.pid) === "busy") return;
        if (await mailbox.hasPending(key).catch(() => false)) finish("woke");
      };
      const stop = mailbox.watch(key, () => void check());
      const timer = setInterval(() => void check(), SLEEPER_CHECK_MS);
      void check();
    });
  } finally {
    try {
      const held = JSON.parse(fs.readFileSync(lock, "utf8"));
      if (held.pid === me.pid) fs.rmSync(lock, { force: true });
    } catch {
      // already gone
    }
  }
}

/** Take the sleeper lock: create it exclusively, or take it over from a dead holder. */
function takeLock(lock: string, me: { pid: number; start_time: string | null }): boolean {
  const body = JSON.stringify(me);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(lock, body, { flag: "wx", mode: 0o600 });
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") return false;
      try {
        const held = JSON.parse(fs.readFileSync(lock, "utf8")) as { pid: number; start_time: string | null };
        // The newest sleeper takes over: Claude Code wakes a session for a sleeper started at its
        // latest Stop, so an older one (e.g. from SessionStart) is ended, quietly (exit 0).
        if (isProcessAlive(held.pid, held.start_time)) process.kill(held.pid, "SIGTERM");
      } catch {
        // unreadable lock: treat as stale
      }
      // Stale: move it aside (only one contender wins the rename), then retry the exclusive create.
      try {
        fs.renameSync(lock, `${lock}.stale-${process.pid}`);
        fs.rmSync(`${lock}.stale-${process.pid}`, { force: true });
      } catch {
        // someone else took it over first
      }
    }
  }
  return false;
}
