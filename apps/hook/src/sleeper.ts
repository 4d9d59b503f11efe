import fs from "node:fs";
import path from "node:path";
import {
  type Claim,
  claimSleeper,
  createFsMailboxStore,
  createMailbox,
  isProcessAlive,
  isSessionId,
  processAncestry,
  processStartTime,
  recordSleeperWake,
  sessionMailboxKey,
  type Tracer,
} from "@oxtail/core";

/**
 * The sleeper gives up after this long (it also ends with its Claude Code), and the next SessionStart
 * or Stop starts a new one. Claude Code ends an asyncRewake hook at its `timeout` (a real-client test
 * records it), so setup gives the sleeper's hook 24 h, above this: an idle session stays wakeable
 * without typing for 23 hours.
 */
export const SLEEPER_LIFETIME_MS = 23 * 60 * 60 * 1000;
/** How often it checks that its client still runs and whether the session went idle. */
export const SLEEPER_CHECK_MS = 1000;

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

const exitQuietly = () => process.exit(0);

/**
 * Claude Code's `asyncRewake` sleeper: started in the background at SessionStart and Stop,
 * it waits on the session's mailbox and returns "woke" (the caller then takes the mail and
 * exits 2, which makes an idle Claude Code start a turn showing it) once mail waits and the
 * session is idle. Exactly one sleeper per session (core's sleeper lock: the newest wins, a
 * dead holder is replaced). It ends when its Claude Code process is gone, or after its lifetime.
 * It does not consume mail itself: see {@link takeMailForWake}.
 */
export async function sleepUntilMail(options: SleeperOptions): Promise<SleepOutcome> {
  const { outcome, release } = await sleepHoldingLock(options);
  release();
  return outcome;
}

/** {@link sleepUntilMail}, leaving the lock to the caller (held while a wake is under way). */
async function sleepHoldingLock(
  options: SleeperOptions,
): Promise<{ outcome: SleepOutcome; release: () => void }> {
  const none = () => {};
  if (!isSessionId(options.sessionId)) return { outcome: "invalid", release: none };
  const session = options.sessionId.toLowerCase();
  const release = claimSleeper(options.home, session);
  if (!release) return { outcome: "replaced", release: none };
  // A newer sleeper ends this one with SIGTERM: exit quietly (0, no wake).
  if (!process.listeners("SIGTERM").includes(exitQuietly)) process.on("SIGTERM", exitQuietly);
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
    const outcome = await new Promise<SleepOutcome>((resolve) => {
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
    return { outcome, release };
  } catch (error) {
    release();
    throw error;
  }
}

/** What the sleeper hands to Claude Code when it wakes the session. */
export interface SleeperWakeMail {
  /** The stderr text: the framed messages. */
  text: string;
  /** Call once the text is written: acknowledges the messages and records the wake. */
  delivered(): Promise<void>;
}

/**
 * Sleep until mail arrives while the session is idle, then take it for the wake. If another
 * reader took the mail first, sleep again. Null when the sleeper ends without waking.
 */
export async function takeMailForWake(
  options: SleeperOptions,
  take: (session: string) => Promise<{ claim: Claim; text: string } | null>,
): Promise<{ outcome: SleepOutcome; mail: SleeperWakeMail | null }> {
  for (;;) {
    // The lock stays held until the wake is recorded, so a reader always sees either a waiting
    // sleeper or its last wake.
    const { outcome, release } = await sleepHoldingLock(options);
    if (outcome !== "woke") {
      release();
      return { outcome, mail: null };
    }
    const session = (options.sessionId as string).toLowerCase();
    const mail = await take(session).catch((error: unknown) => {
      release();
      throw error;
    });
    if (!mail) {
      release();
      continue;
    }
    return {
      outcome,
      mail: {
        text: mail.text,
        delivered: async () => {
          try {
            recordSleeperWake(
              options.home,
              session,
              mail.claim.messages.map((m) => m.id),
            );
            await mail.claim.ack();
          } finally {
            release();
          }
        },
      },
    };
  }
}
