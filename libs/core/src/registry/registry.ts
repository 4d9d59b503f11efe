import { isOxtailError, OxtailError } from "../errors.js";
import { isSessionId, isSessionIdPrefix } from "../ids.js";
import { instanceMailboxKey, type MailboxKey, sessionMailboxKey } from "../mailbox/types.js";
import { isProcessAlive } from "../process/liveness.js";
import { NULL_TRACER, type Tracer } from "../trace/trace.js";
import type { AgentRecord, RegistryStore, SkippedEntry } from "./types.js";

/** Options for {@link createRegistry}. */
export interface RegistryOptions {
  store: RegistryStore;
  tracer?: Tracer;
  /** Liveness check; defaults to {@link isRecordAlive}. Injected in tests. */
  isAlive?: (record: AgentRecord) => boolean;
}

/** The registry of live server instances. */
export interface Registry {
  /** Write this instance's record, after pruning records of dead processes. */
  register(record: AgentRecord): Promise<void>;
  /** Rewrite a record (state card, claimed session, pane). */
  update(record: AgentRecord): Promise<void>;
  /** Remove this instance's record (at exit). */
  unregister(instanceId: string): Promise<void>;
  /**
   * Live records, one per agent: records of dead processes are pruned, and records
   * that share a session id collapse to the freshest.
   */
  list(): Promise<AgentRecord[]>;
  /** Like {@link list}, plus what was skipped and how many dead records were pruned. */
  scan(): Promise<RegistryScan>;
}

/** The outcome of one registry read. */
export interface RegistryScan {
  agents: AgentRecord[];
  skipped: SkippedEntry[];
  pruned: number;
}

/**
 * How long a record whose `start_time` is null counts as alive after its `updated_at`. Without a
 * start time a reused pid cannot be told from the original process, so such a record expires
 * unless its server rewrites it within this window.
 */
export const UNVERIFIED_RECORD_TTL_MS = 60_000;

/**
 * The default liveness of a record: its process runs (not a zombie) with the recorded start time.
 * A record whose start time is null is alive only while its pid runs and its `updated_at` is
 * within {@link UNVERIFIED_RECORD_TTL_MS} of `now` (either side: a future stamp does not keep it).
 */
export function isRecordAlive(record: AgentRecord, now: number = Date.now()): boolean {
  if (record.start_time !== null) return isProcessAlive(record.pid, record.start_time);
  const age = now - Date.parse(record.updated_at);
  return Math.abs(age) < UNVERIFIED_RECORD_TTL_MS && isProcessAlive(record.pid);
}

/** Build a {@link Registry} over a store. */
export function createRegistry(options: RegistryOptions): Registry {
  const { store } = options;
  const tracer = options.tracer ?? NULL_TRACER;
  const isAlive = options.isAlive ?? ((record: AgentRecord) => isRecordAlive(record));

  async function scan(): Promise<RegistryScan> {
    const { records, skipped } = await store.list();
    const live: AgentRecord[] = [];
    let pruned = 0;
    for (const record of records) {
      if (isAlive(record)) {
        live.push(record);
        continue;
      }
      // Dead either way: a record that cannot be removed now (a read-only disk) is only not listed.
      try {
        await store.remove(record.instance_id);
      } catch (error) {
        if (!isOxtailError(error, "storage-failure")) throw error;
        tracer.trace({ kind: "registry.prune-failed", instance_id: record.instance_id, error: error.detail });
        continue;
      }
      pruned += 1;
      tracer.trace({ kind: "registry.pruned", instance_id: record.instance_id, pid: record.pid });
    }
    return { agents: collapseBySession(live), skipped, pruned };
  }

  return {
    async register(record) {
      await scan();
      await store.put(record);
    },
    update: (record) => store.put(record),
    unregister: (instanceId) => store.remove(instanceId),
    async list() {
      return (await scan()).agents;
    },
    scan,
  };
}

/** One record per agent: records sharing a session id collapse to the most recently updated. */
export function collapseBySession(records: readonly AgentRecord[]): AgentRecord[] {
  const bySession = new Map<string, AgentRecord>();
  const out: AgentRecord[] = [];
  for (const record of records) {
    const id = record.client.session_id;
    if (id === null) {
      out.push(record);
      continue;
    }
    const seen = bySession.get(id);
    if (!seen || isFresher(record, seen)) bySession.set(id, record);
  }
  return [...out, ...bySession.values()].sort((a, b) => a.started_at.localeCompare(b.started_at));
}

function isFresher(a: AgentRecord, b: AgentRecord): boolean {
  if (a.updated_at !== b.updated_at) return a.updated_at > b.updated_at;
  return a.started_at > b.started_at;
}

/** The mailbox an agent receives in: its session's, else its server instance's. */
export function mailboxKeyOf(record: AgentRecord): MailboxKey {
  return record.client.session_id
    ? sessionMailboxKey(record.client.session_id)
    : instanceMailboxKey(record.instance_id);
}

/**
 * Find the one agent a target names: a session id (UUID) or a tmux session name.
 * Several agents behind one tmux name is `ambiguous-target` (with the candidate
 * session ids), never a guess; nothing is `not-found`.
 */
export function findAgent(agents: readonly AgentRecord[], target: string): AgentRecord {
  const wanted = target.trim();
  if (wanted === "")
    throw new OxtailError("invalid-input", "The target is empty. Give a tmux session name or a session id.");
  if (isSessionId(wanted)) {
    const id = wanted.toLowerCase();
    const hit = agents.find((a) => a.client.session_id === id);
    if (hit) return hit;
  }
  const byName = agents.filter((a) => a.tmux?.session === wanted);
  if (byName.length === 1 && byName[0]) return byName[0];
  if (byName.length > 1) {
    const candidates = byName.map((a) => ({
      session_id: a.client.session_id,
      client_type: a.client.type,
      pane: a.tmux?.pane ?? null,
    }));
    throw new OxtailError(
      "ambiguous-target",
      `${byName.length} agents run in tmux session ${JSON.stringify(wanted)}. Name one by its session id: ${candidates
        .map((c) => c.session_id ?? `(unclaimed ${c.client_type ?? "agent"} in ${c.pane ?? "?"})`)
        .join(", ")}.`,
      { data: { candidates } },
    );
  }
  // A short session id, as the tools show it: a prefix that names exactly one agent.
  if (isSessionIdPrefix(wanted)) {
    const prefix = wanted.toLowerCase();
    const hits = agents.filter((a) => a.client.session_id?.startsWith(prefix));
    if (hits.length === 1 && hits[0]) return hits[0];
    if (hits.length > 1) {
      const candidates = hits.map((a) => ({ session_id: a.client.session_id, client_type: a.client.type }));
      throw new OxtailError(
        "ambiguous-target",
        `${hits.length} agents have session ids starting ${JSON.stringify(wanted)}. Name one by more of its id: ${candidates
          .map((c) => c.session_id)
          .join(", ")}.`,
        { data: { candidates } },
      );
    }
  }
  throw new OxtailError(
    "not-found",
    `No agent named ${JSON.stringify(wanted)}. Call list_project_sessions to see who is there.`,
    {
      data: { target: wanted },
    },
  );
}
