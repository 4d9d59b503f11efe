import fs from "node:fs";
import path from "node:path";
import { ensurePrivatePath, verifyPrivatePath } from "../home/home.js";
import { readPrivateFile, writePrivateFileAtomic } from "../home/private-file.js";
import { isSessionId } from "../ids.js";
import { NULL_TRACER, type Tracer } from "../trace/trace.js";
import { ringSleeper } from "../wake/sleeper.js";
import type { MailboxKey, MailboxStore } from "./types.js";

// On a transport that keeps mail outside the data directory (NATS, SPEC §12), the programs that must
// cost nothing while no mail waits — the hook program's shell front on every tool call, a client's
// sleeper — cannot look at the mail. The agent's own server, which holds the transport, leaves them a
// hint instead: `<home>/arrivals/<mailbox key>` exists while mail waits for that mailbox
// (docs/protocol.md). A hint only says where to look: the mail itself stays in the transport, so a
// stale hint costs one look and a missing one delays a hand-over until the next look, losing nothing.
// The server also records, per session, the variables that open its transport
// (`transports/<session id>.json`): the hook program then reads the mail where the server does even
// when its client's environment does not carry them (set only in an MCP server entry, say).

/** How often the server looks whether mail still waits, while it keeps a hint (ms), by default. */
export const ARRIVAL_HINT_POLL_MS = 2000;
/** After an arrival event, when the server looks (ms): the store may not hold the message at once. */
const LOOKS_AFTER_EVENT_MS = [0, 50, 250, 1000] as const;

/** The hint file of a mailbox. */
export function arrivalHintPath(home: string, key: MailboxKey): string {
  return path.join(home, "arrivals", key);
}

/** The file recording the transport variables of a session's server. */
function transportFile(home: string, session: string): string {
  return path.join(home, "transports", `${session.toLowerCase()}.json`);
}

const VARIABLE_RE = /^OXTAIL_[A-Z0-9_]{1,64}$/;

/**
 * The transport variables a session's server recorded for its hook program ({@link keepArrivalHints}),
 * or null: none recorded, or a file that is not one (unsafe, malformed: never half-used).
 */
export function readSessionTransport(home: string, session: string): Record<string, string> | null {
  if (!isSessionId(session)) return null;
  try {
    if (!verifyPrivatePath(home, path.join(home, "transports"))) return null;
    const text = readPrivateFile(transportFile(home, session), { maxBytes: 64 * 1024 });
    if (text === null) return null;
    const parsed = JSON.parse(text) as { v?: unknown; env?: unknown };
    if (parsed.v !== 1 || !parsed.env || typeof parsed.env !== "object") return null;
    const entries = Object.entries(parsed.env as Record<string, unknown>);
    if (entries.some(([k, v]) => !VARIABLE_RE.test(k) || typeof v !== "string" || v.length > 4096))
      return null;
    return Object.fromEntries(entries) as Record<string, string>;
  } catch {
    return null;
  }
}

/** Remove a mailbox's hint (nothing waits any more, as far as the caller saw). Never throws. */
export function clearArrivalHint(home: string, key: MailboxKey): void {
  try {
    // Only inside a private folder of ours: a folder swapped for a symlink leads elsewhere.
    if (verifyPrivatePath(home, path.join(home, "arrivals")))
      fs.rmSync(arrivalHintPath(home, key), { force: true });
  } catch {
    // the server puts it right at its next look
  }
}

/** Options of {@link keepArrivalHints}. */
export interface ArrivalHintOptions {
  home: string;
  /** The transport's mailbox store. */
  store: MailboxStore;
  /** The mailbox to keep a hint for, now (it changes when the session becomes known). */
  key: () => MailboxKey;
  /** The session id whose sleeper is rung when a hint is set, if the mailbox is a session's. */
  session: () => string | null;
  /**
   * The variables that open this transport in another process (`Transport.environment`): recorded for
   * the session's hook program once the session is known, removed when the keeper stops.
   */
  environment?: Record<string, string>;
  pollMs?: number;
  tracer?: Tracer;
}

/**
 * Keep `<home>/arrivals/<key>` present exactly while mail waits in `key` (as `hasPending` says): set
 * soon after an arrival (the store's watch), then the session's sleeper rung; looked at again every
 * `pollMs` and removed once nothing waits. Returns a stop function (the hint is removed).
 */
export function keepArrivalHints(options: ArrivalHintOptions): () => void {
  const tracer = options.tracer ?? NULL_TRACER;
  const pollMs = options.pollMs ?? ARRIVAL_HINT_POLL_MS;
  let watched: MailboxKey | null = null;
  let unwatch: (() => void) | null = null;
  let hinted: MailboxKey | null = null;
  let stopped = false;
  let looking: Promise<void> | null = null;
  let recorded: string | null = null;

  /** The session's transport variables, written once per session it has. */
  function record(): void {
    const session = options.session();
    if (!options.environment || !session || !isSessionId(session) || recorded === session) return;
    try {
      ensurePrivatePath(options.home, path.join(options.home, "transports"));
      writePrivateFileAtomic(
        transportFile(options.home, session),
        `${JSON.stringify({ v: 1, env: options.environment })}\n`,
      );
      recorded = session;
    } catch (error) {
      tracer.trace({ kind: "arrival-hint.record-failed", error: String(error) });
    }
  }
  const timers = new Set<NodeJS.Timeout>();

  const set = (key: MailboxKey) => {
    ensurePrivatePath(options.home, path.join(options.home, "arrivals"));
    writePrivateFileAtomic(arrivalHintPath(options.home, key), `${Date.now()}\n`);
    hinted = key;
    const session = options.session();
    if (session) ringSleeper(options.home, session);
    tracer.trace({ kind: "arrival-hint.set", mailbox: key });
  };

  async function look(): Promise<void> {
    record();
    const key = options.key();
    if (watched !== key) {
      unwatch?.();
      watched = key;
      unwatch = options.store.watch(key, () => afterEvent());
    }
    if (hinted && hinted !== key) clearArrivalHint(options.home, hinted);
    let waiting: boolean;
    try {
      waiting = await options.store.hasPending(key);
    } catch {
      return; // the store is unreachable: the hint stays as it is until it answers again
    }
    if (stopped) return;
    const present = fs.existsSync(arrivalHintPath(options.home, key));
    try {
      if (waiting && !present) set(key);
      else if (!waiting && present) {
        clearArrivalHint(options.home, key);
        hinted = null;
      } else if (waiting) hinted = key;
    } catch (error) {
      tracer.trace({ kind: "arrival-hint.failed", error: String(error) });
    }
  }

  /** One look at a time; a look asked for meanwhile runs after it. */
  function lookSoon(): void {
    if (stopped) return;
    if (looking) {
      void looking.then(() => lookSoon());
      return;
    }
    looking = look().finally(() => {
      looking = null;
    });
  }

  function later(ms: number, run: () => void): void {
    const timer = setTimeout(() => {
      timers.delete(timer);
      run();
    }, ms);
    timer.unref();
    timers.add(timer);
  }

  function afterEvent(): void {
    for (const ms of LOOKS_AFTER_EVENT_MS) later(ms, lookSoon);
  }

  const poll = setInterval(lookSoon, pollMs);
  poll.unref();
  lookSoon();
  return () => {
    stopped = true;
    clearInterval(poll);
    for (const timer of timers) clearTimeout(timer);
    unwatch?.();
    if (hinted) clearArrivalHint(options.home, hinted);
    try {
      if (recorded && verifyPrivatePath(options.home, path.join(options.home, "transports")))
        fs.rmSync(transportFile(options.home, recorded), { force: true });
    } catch {
      // a later server of the session writes it again
    }
  };
}
