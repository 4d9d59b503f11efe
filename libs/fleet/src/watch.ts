import fs from "node:fs";
import path from "node:path";
import { verifyPrivatePath } from "@oxtail/core/runtime";
import { stallDueAt } from "./attention.js";
import type { FleetState } from "./model.js";
import { createFleetReader, DEFAULT_STALL_MS, type FleetOptions, type FleetReader } from "./read.js";

/** How long events are gathered before the model is read again (ms), by default. */
export const DEFAULT_DEBOUNCE_MS = 50;
/** The slow safety net: the model is read again after this long without any event (ms). */
export const DEFAULT_SAFETY_MS = 30_000;

/** Options of {@link watchFleet}. */
export interface WatchFleetOptions extends FleetOptions {
  /** Called with each new model whose content changed (not for a model equal to the last one). */
  onChange(state: FleetState): void;
  debounceMs?: number;
  safetyMs?: number;
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
 * between events: an idle view costs no CPU.
 */
export async function watchFleet(options: WatchFleetOptions): Promise<FleetWatch> {
  const reader = createFleetReader(options);
  const debounceMs = options.debounceMs ?? DEFAULT_DEBOUNCE_MS;
  const safetyMs = options.safetyMs ?? DEFAULT_SAFETY_MS;
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

  function keyOf(s: FleetState): string {
    return JSON.stringify({ ...s, generated_at: "" });
  }

  function schedule(): void {
    if (closed || debounce) return;
    debounce = setTimeout(() => {
      debounce = null;
      void refresh();
    }, debounceMs);
  }

  /** A folder under the data directory, watched only when it is a real, private folder. */
  function privateDir(dir: string): boolean {
    try {
      return verifyPrivatePath(home, dir);
    } catch {
      return false;
    }
  }

  function wanted(): Set<string> {
    const want = new Set<string>();
    for (const dir of [home, ...["sessions", "asks", "mailboxes", "receipts"].map((d) => path.join(home, d))])
      if (privateDir(dir)) want.add(dir);
    for (const a of state.agents) {
      const dir = path.join(home, "mailboxes", a.mailbox, "new");
      if (privateDir(dir)) want.add(dir);
    }
    const buckets = new Set([bucketOf(Date.now())]);
    for (const m of state.timeline)
      if (m.receipt?.state !== "replied" && m.receipt?.state !== "expired") buckets.add(m.id.slice(0, 6));
    for (const b of buckets) {
      const dir = path.join(home, "receipts", b);
      if (privateDir(dir)) want.add(dir);
    }
    // Transcripts live outside the data directory, where the client keeps them: watched as files.
    for (const r of reader.records()) {
      const file = r.client.transcript_path;
      if (file && path.isAbsolute(file)) want.add(file);
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
    for (const p of want) {
      if (watchers.has(p)) continue;
      try {
        const w = fs.watch(p, { persistent: false }, schedule);
        w.on("error", () => {
          w.close();
          watchers.delete(p);
          schedule();
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
      stallTimer = setTimeout(schedule, Math.max(0, due - Date.now()) + 10);
      stallTimer.unref();
    }
    if (safety) clearTimeout(safety);
    safety = setTimeout(schedule, safetyMs);
    safety.unref();
  }

  async function refresh(): Promise<FleetState> {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        const next = await reader.read();
        if (closed) return state;
        state = next;
        syncWatchers();
        armTimers();
        const key = keyOf(next);
        if (key !== lastKey) {
          lastKey = key;
          options.onChange(next);
        }
      } while (again && !closed);
      return state;
    })().finally(() => {
      running = null;
    });
    return running;
  }

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
