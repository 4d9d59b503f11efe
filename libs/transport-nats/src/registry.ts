import path from "node:path";
import type { AgentRecord } from "@oxtail/core";
import { AgentRecordSchema, type RegistryStore, type SkippedEntry } from "@oxtail/core/runtime";
import { bucketKeys, guarded, type Link, PRESENCE_TTL_MS } from "./link.js";
import type { ProjectNames } from "./names.js";

/** How often this machine rewrites its own records, so the bucket's TTL does not expire them, ms. */
export const HEARTBEAT_MS = PRESENCE_TTL_MS / 3;

/** Options for {@link createNatsRegistryStore}. */
export interface NatsRegistryOptions {
  /** This machine's host id (records of other hosts are remote). */
  host: string;
  /** This machine's checkout of the project: remote agents' folders are shown inside it. */
  root: string;
  /** Heartbeat interval, ms (default {@link HEARTBEAT_MS}). */
  heartbeatMs?: number;
}

/** The presence store, and what it knows of each record's machine. */
export interface NatsRegistryStore extends RegistryStore {
  /** This machine's host id, as keys carry it. */
  readonly host: string;
  /** The host of a record seen in the last listing (or put from here), or null. */
  hostOf(instanceId: string): string | null;
  /** Stop the heartbeat (records then expire with the bucket's TTL). */
  stop(): void;
}

/** What the presence bucket holds per server instance. */
interface PresenceEntry {
  v: 1;
  host: string;
  /** The agent's folder relative to its checkout's top (portable across machines), or null. */
  rel: string | null;
  record: AgentRecord;
}

const KEY_SAFE = /[^A-Za-z0-9_-]/g;

/**
 * Presence in a KV bucket whose entries expire (TTL): each record is a key `<host>.<instance id>`,
 * rewritten by its own machine every {@link HEARTBEAT_MS}. A machine that goes away stops writing and
 * its records expire. A record from another machine is shown as that agent in this machine's checkout
 * (its folder mapped into `root`) without the local-only parts (tmux pane, transcript path): those
 * mean nothing here, and a wake goes to its own machine (see the wake relay).
 */
export function createNatsRegistryStore(
  link: Link,
  names: ProjectNames,
  options: NatsRegistryOptions,
): NatsRegistryStore {
  const host = options.host.replace(KEY_SAFE, "_");
  const mine = new Map<string, PresenceEntry>();
  const hosts = new Map<string, string>();
  const keyOf = (instanceId: string) => `${host}.${instanceId}`;
  const relOf = (cwd: string): string | null => {
    const rel = path.relative(options.root, cwd);
    return rel.startsWith("..") || path.isAbsolute(rel) ? null : rel;
  };

  const write = async (entry: PresenceEntry) => {
    const { presence } = await link.up();
    await presence.put(keyOf(entry.record.instance_id), JSON.stringify(entry));
  };
  const timer = setInterval(() => {
    for (const entry of mine.values()) void write(entry).catch(() => {});
  }, options.heartbeatMs ?? HEARTBEAT_MS);
  timer.unref();

  const localView = (entry: PresenceEntry): AgentRecord => {
    if (entry.host === host) return entry.record;
    // `rel` is the other machine's to write: one that would leave the checkout stands for its top.
    const inside =
      entry.rel !== null && !path.isAbsolute(entry.rel) && !entry.rel.split(/[\\/]/).includes("..");
    const cwd = inside ? path.join(options.root, entry.rel as string) : options.root;
    return {
      ...entry.record,
      cwd,
      client: { ...entry.record.client, cwd, transcript_path: null },
      tmux: null,
    };
  };

  let last: { records: AgentRecord[]; skipped: SkippedEntry[] } | null = null;
  const stale = (listing: { records: AgentRecord[]; skipped: SkippedEntry[] }) => ({
    records: listing.records,
    skipped: [
      ...listing.skipped,
      { name: "nats", reason: "the NATS server is not reachable: the last listing is shown" },
    ],
  });

  async function list(): Promise<{ records: AgentRecord[]; skipped: SkippedEntry[] }> {
    const linked = await link.up();
    const { presence } = linked;
    const records: AgentRecord[] = [];
    const skipped: SkippedEntry[] = [];
    const keys = await bucketKeys(linked, names.presence);
    for (const key of keys) {
      const got = await presence.get(key).catch(() => null);
      if (got?.operation !== "PUT") continue;
      let entry: PresenceEntry | null = null;
      try {
        const raw = got.json<PresenceEntry>();
        const record = AgentRecordSchema.safeParse(raw.record);
        if (raw.v === 1 && typeof raw.host === "string" && record.success)
          entry = {
            v: 1,
            host: raw.host,
            rel: typeof raw.rel === "string" ? raw.rel : null,
            record: record.data,
          };
      } catch {
        entry = null;
      }
      if (!entry || key !== `${entry.host}.${entry.record.instance_id}`) {
        skipped.push({ name: key, reason: "not a presence record" });
        continue;
      }
      hosts.set(entry.record.instance_id, entry.host);
      records.push(localView(entry));
    }
    return { records, skipped };
  }

  return {
    async put(record) {
      const entry: PresenceEntry = { v: 1, host, rel: relOf(record.cwd), record };
      await guarded("writing a presence record", () => write(entry));
      mine.set(record.instance_id, entry);
      hosts.set(record.instance_id, host);
    },
    async remove(instanceId) {
      // Only this machine's own records: another machine's go when its heartbeat stops.
      const ownKey = mine.has(instanceId) || hosts.get(instanceId) === host;
      mine.delete(instanceId);
      if (!ownKey) return;
      await guarded("removing a presence record", async () => {
        const { presence } = await link.up();
        await presence.delete(keyOf(instanceId));
      });
    },
    async list() {
      // With the link down, the last listing stands in (said in `skipped`): sends still find their
      // peers, and wait in the outbox.
      if (last && link.status() !== "connected") return stale(last);
      try {
        last = await guarded("listing presence", list);
        return last;
      } catch (error) {
        if (last) return stale(last);
        throw error;
      }
    },
    host,
    hostOf: (instanceId) => hosts.get(instanceId) ?? null,
    stop() {
      clearInterval(timer);
    },
  };
}
