import fs from "node:fs";
import path from "node:path";
import { verifyPrivatePath } from "@oxtail/core/runtime";
import { stallDueAt } from "./attention.js";
import type { FleetState } from "./model.js";
import {
  createFleetReader,
  DEFAULT_STALL_MS,
  type FleetChanges,
  type FleetOptions,
  type FleetReader,
} from "./read.js";

/** How long events are gathered before the model is read again (ms), by default. */
export const DEFAULT_DEBOUNCE_MS = 10;
/** The slow safety net: the model is read again after this long without any event (ms). */
export const DEFAULT_SAFETY_MS = 30_000;
/** On a transport outside the data directory (NATS), the model is read again this often (ms), by default. */
export const DEFAULT_POLL_MS = 2000;

/** Notes in `changes` what a change of one watched path (its entry `name`, when told) means. */
type Mark = (
  changes: {
    registry: boolean;
    asks: boolean;
    receipts: boolean | Set<string>;
    mailboxes: Set<string>;
    transcripts: Set<string>;
  },
  name: string | null,
) => void;

/** Options of {@link watchFleet}. */
export interface WatchFleetOptions extends FleetOptions {
  /** Called with each new model whose content changed (not for a model equal to the last one). */
  onChange(state: FleetState): void;
  debounceMs?: number;
  safetyMs?: number;
  /** How often the model is read on a transport whose stores are not in the data directory (ms). */
  pollMs?: number;
}

/** A live fleet. */
export interface FleetWatch {
  /** The latest model. */
  current(): FleetState;
  /** Read now (after an action of the viewer's own, say). */
  refresh(): Promise<FleetState>;
  readonly reader: FleetReader;
  /** Stop watching: every watcher and timer goes. */
  close(): void;
}

/** The receipts bucket of a time: six hex digits of the 12-digit ms time (docs/protocol.md). */
function bucketOf(ms: number): string {
  return Math.floor(ms).toString(16).padStart(12, "0").slice(0, 6);
}

/**
 * Watch the fleet: the model is read once, then again only when something it is made of changes —
 * `fs.watch` (inotify) on the data directory's `sessions/`, `asks/`, `mailboxes/`, each agent's
 * mailbox `new/`, the receipts buckets in use, and each agent's transcript — gathered for
 * `debounceMs`. Besides, one timer for the moment the next busy agent would count as stalled, and a
 * slow safety read every `safetyMs` (busy/idle that only a client's own files show). Nothing runs
 * between events: an idle view costs no CPU. On a transport whose stores live elsewhere (NATS, SPEC
 * §12) nothing in the data directory changes: the model is read every `pollMs` instead (transcripts
 * of this machine's agents are still watched).
 */
export async function watchFleet(options: WatchFleetOptions): Promise<FleetWatch> {
  const reader = createFleetReader(options);
  const debounceMs = options.debounceMs ?? DEFAULT_DEBOUNCE_MS;
  // The data directory holds the stores only on the file-system transport.
  const dataDir = !options.transport || options.transport.name === "fs";
  const safetyMs = dataDir ? (options.safetyMs ?? DEFAULT_SAFETY_MS) : (options.pollMs ?? DEFAULT_POLL_MS);
  const stallMs = options.stallMs ?? DEFAULT_STALL_MS;
  const home = options.home;
  const watchers = new Map<string, fs.FSWatcher>();
  let state = await reader.read();
  let lastKey = keyOf(state);
  let closed = false;
  let debounce: NodeJS.Timeout | null = null;
  let stallTimer: NodeJS.Timeout | null = null;
  let safety: NodeJS.Timeout | null = null;
  let running: Promise<FleetState> | null = null;
  let again = false;
  /** What changed since the last read; null: everything is to be read. */
  let pending: {
    registry: boolean;
    asks: boolean;
    receipts: boolean | Set<string>;
    mailboxes: Set<string>;
    transcripts: Set<string>;
  } | null = emptyChanges();
  /** What each watched path is a source of. */
  const sourceOf = new Map<string, Mark>();

  function emptyChanges(): NonNullable<typeof pending> {
    return {
      registry: false,
      asks: false,
      receipts: new Set<string>(),
      mailboxes: new Set<string>(),
      transcripts: new Set<string>(),
    };
  }

  /** Note a change of `p` (a watched path; `name` the entry in it, when told), then read soon. */
  function changed(p: string | null, name?: string | null): void {
    const mark = p ? sourceOf.get(p) : undefined;
    if (!mark) pending = null;
    else if (pending) mark(pending, name ?? null);
    schedule();
  }

  function keyOf(s: FleetState): string {
    return JSON.stringify({ ...s, generated_at: "" });
  }

  function schedule(): void {
    if (closed || debounce) return;
    debounce = setTimeout(() => {
      debounce = null;
      const changes: FleetChanges | undefined = pending ?? undefined;
      pending = emptyChanges();
      void read(changes);
    }, debounceMs);
  }

  /** A folder under the data directory, watched only when it is a real, private folder. */
  function privateDir(dir: string): boolean {
    if (!dataDir) return false;
    try {
      return verifyPrivatePath(home, dir);
    } catch {
      return false;
    }
  }

  /** The paths to watch, each with what its change means. */
  function wanted(): Map<string, Mark> {
    const want = new Map<string, Mark>();
    const add = (dir: string, mark: Mark) => {
      if (privateDir(dir)) want.set(dir, mark);
    };
    // The data directory itself and mailboxes/: a folder appeared (read everything).
    const all = () => {
      pending = null;
    };
    add(home, all);
    add(path.join(home, "mailboxes"), all);
    add(path.join(home, "sessions"), (c) => {
      c.registry = true;
    });
    add(path.join(home, "asks"), (c) => {
      c.asks = true;
    });
    add(path.join(home, "receipts"), (c) => {
      c.receipts = true;
    });
    // Each agent's mailbox folder too: its new/ may be made after the read that found the agent.
    for (const a of state.agents)
      for (const dir of [
        path.join(home, "mailboxes", a.mailbox),
        path.join(home, "mailboxes", a.mailbox, "new"),
      ])
        add(dir, (c) => {
          c.mailboxes.add(a.mailbox);
        });
    const buckets = new Set([bucketOf(Date.now())]);
    for (const m of state.timeline)
      if (m.receipt?.state !== "replied" && m.receipt?.state !== "expired") buckets.add(m.id.slice(0, 6));
    // A receipt event is `<message id>.<event>.json`: only that message's receipt is read again.
    for (const b of buckets)
      add(path.join(home, "receipts", b), (c, name) => {
        const id = name ? /^([0-9a-f-]+)\.\w+\.json$/.exec(name)?.[1] : undefined;
        if (id && c.receipts instanceof Set) c.receipts.add(id);
        else if (!name?.startsWith(".")) c.receipts = true;
      });
    // Transcripts live outside the data directory, where the client keeps them: watched as files.
    for (const r of reader.records()) {
      const file = r.client.transcript_path;
      const key = state.agents.find((a) => a.id === (r.client.session_id ?? r.instance_id))?.mailbox;
      if (file && key && path.isAbsolute(file))
        want.set(file, (c) => {
          c.transcripts.add(key);
        });
    }
    return want;
  }

  function syncWatchers(): void {
    const want = wanted();
    for (const [p, w] of watchers)
      if (!want.has(p)) {
        w.close();
        watchers.delete(p);
      }
    sourceOf.clear();
    for (const [p, mark] of want) sourceOf.set(p, mark);
    for (const p of want.keys()) {
      if (watchers.has(p)) continue;
      try {
        const w = fs.watch(p, { persistent: false }, (_event, name) => changed(p, name));
        w.on("error", () => {
          w.close();
          watchers.delete(p);
          changed(null);
        });
        watchers.set(p, w);
      } catch {
        // gone, or not ours to watch: looked at again after the next read
      }
    }
  }

  function armTimers(): void {
    if (stallTimer) clearTimeout(stallTimer);
    stallTimer = null;
    const due = state.agents
      .map((a) => stallDueAt(a, stallMs))
      .filter((t): t is number => t !== null)
      .sort((x, y) => x - y)[0];
    if (due !== undefined) {
      stallTimer = setTimeout(() => changed(null), Math.max(0, due - Date.now()) + 10);
      stallTimer.unref();
    }
    if (safety) clearTimeout(safety);
    safety = setTimeout(() => changed(null), safetyMs);
    safety.unref();
  }

  /** Read (what changed, or everything), one read at a time; a change during a read reads again. */
  async function read(changes?: FleetChanges): Promise<FleetState> {
    if (running) {
      again = true;
      if (!changes) pending = null;
      else if (pending) {
        const p = pending;
        p.registry ||= changes.registry ?? false;
        p.asks ||= changes.asks ?? false;
        if (changes.receipts === true) p.receipts = true;
        else if (changes.receipts instanceof Set && p.receipts instanceof Set)
          for (const id of changes.receipts) p.receipts.add(id);
        for (const k of changes.mailboxes ?? []) p.mailboxes.add(k);
        for (const k of changes.transcripts ?? []) p.transcripts.add(k);
      }
      return running;
    }
    running = (async () => {
      let next: FleetChanges | undefined = changes;
      for (;;) {
        again = false;
        const fresh = await reader.read(next);
        if (closed) return state;
        state = fresh;
        syncWatchers();
        armTimers();
        const key = keyOf(fresh);
        if (key !== lastKey) {
          lastKey = key;
          options.onChange(fresh);
        }
        if (!again || closed) return state;
        next = pending ?? undefined;
        pending = emptyChanges();
      }
    })().finally(() => {
      running = null;
    });
    return running;
  }

  /** Read everything now. */
  const refresh = () => read();

  syncWatchers();
  armTimers();
  return {
    current: () => state,
    refresh,
    reader,
    close() {
      closed = true;
      for (const w of watchers.values()) w.close();
      watchers.clear();
      for (const t of [debounce, stallTimer, safety]) if (t) clearTimeout(t);
    },
  };
}
