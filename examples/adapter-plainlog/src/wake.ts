import fs from "node:fs";
import path from "node:path";
import { defineWakeStrategy, isSessionId, WAKE_LINE, type WakeOutcome, type WakeTarget } from "@oxtail/core";
import { wakeFile } from "./paths.js";

/** The strategy's name, as the adapter's wake profile names it. */
export const PLAINLOG_WAKE = "plainlog-wake";

/** Options of the wake strategy: the sessions folder to use when an agent's record has no transcript path. */
export interface PlainlogWakeOptions {
  sessionsDir: () => string;
}

/** The wake inbox of the target's session: next to its transcript, else in the sessions folder. */
function inboxOf(target: WakeTarget, fallbackDir: () => string): string | null {
  const { session_id: session, transcript_path: transcript } = target.agent.client;
  if (!isSessionId(session)) return null;
  return wakeFile(transcript ? path.dirname(transcript) : fallbackDir(), session);
}

/** Why the inbox cannot be written to, or null: it must be a regular file of this user's, never a link. */
function unusable(file: string): string | null {
  const stat = fs.lstatSync(file, { throwIfNoEntry: false });
  if (!stat) return `no ${path.basename(file)}: Plainlog keeps it only while the session runs`;
  if (!stat.isFile()) return `${file} is not a regular file`;
  if (typeof process.getuid === "function" && stat.uid !== process.getuid())
    return `${file} is not this user's`;
  return null;
}

/**
 * Wake an idle Plainlog session with no typing: Plainlog keeps `<sessions>/<id>.wake` while a session
 * runs and starts a turn for each line appended to it. The strategy appends oxtail's fixed wake line
 * (never a message's text: the message waits in the mailbox, the turn reads it with read_my_messages).
 * It never creates the file (no file: Plainlog is not running), never follows a link, never writes to a
 * busy session (its hooks deliver the mail there), and is not retried: a written line is read once the
 * session is idle, so a second one would start a second turn.
 */
export const plainlogWake = defineWakeStrategy<PlainlogWakeOptions>((options) => {
  const fallback = () => options?.sessionsDir() ?? "";
  const skipped = (reason: string): WakeOutcome => ({
    attempted: false,
    strategy: PLAINLOG_WAKE,
    outcome: "skipped",
    verifiedAfterMs: null,
    reason,
  });
  return {
    name: PLAINLOG_WAKE,
    capabilities: { verify: false },
    requirements: { binaries: ["plainlog"] },
    async readiness(target) {
      const file = inboxOf(target, fallback);
      if (!file) return { ready: false, reason: "the Plainlog session id is not known yet" };
      const why = unusable(file);
      if (why) return { ready: false, reason: why };
      const live = target.adapter?.liveness
        ? await target.adapter.liveness(target.agent).catch(() => null)
        : null;
      if (live?.state === "busy")
        return { ready: false, reason: `the peer is busy (${live.reason}); its hooks deliver the mail` };
      return { ready: true, reason: `Plainlog reads ${file}` };
    },
    async wake(target, wakeOptions) {
      if (wakeOptions?.attempt === "retry")
        return skipped("the wake line is not written twice: Plainlog reads it once the session is idle");
      const late = wakeOptions?.deadline !== undefined && wakeOptions.deadline <= Date.now();
      if (late || wakeOptions?.signal?.aborted)
        return skipped("the deadline came before the wake line was written");
      const readiness = await this.readiness(target);
      if (!readiness.ready) return skipped(readiness.reason);
      const file = inboxOf(target, fallback) as string;
      let fd: number;
      try {
        // O_APPEND without O_CREAT: a file Plainlog removed stays removed; O_NOFOLLOW: never through a link.
        const { O_WRONLY, O_APPEND, O_NOFOLLOW, O_NONBLOCK } = fs.constants;
        fd = fs.openSync(file, O_WRONLY | O_APPEND | O_NOFOLLOW | O_NONBLOCK);
      } catch (error) {
        return skipped(`${file} could not be opened: ${(error as NodeJS.ErrnoException).code ?? error}`);
      }
      try {
        if (!fs.fstatSync(fd).isFile()) return skipped(`${file} is not a regular file`);
        fs.writeSync(fd, `${WAKE_LINE}\n`);
        return {
          attempted: true,
          strategy: PLAINLOG_WAKE,
          outcome: "unverified",
          verifiedAfterMs: null,
          reason: `wrote oxtail's wake line to ${file}`,
        };
      } catch (error) {
        return {
          attempted: true,
          strategy: PLAINLOG_WAKE,
          outcome: "failed",
          verifiedAfterMs: null,
          reason: (error as Error).message,
        };
      } finally {
        fs.closeSync(fd);
      }
    },
  };
});
