import fs from "node:fs";
import { type AgentRecord, type ClientAdapter, type Liveness, safeLabel, type Turn } from "@oxtail/core";
import {
  createFsAskStore,
  createFsMailboxStore,
  createFsReceiptStore,
  createFsRegistryStore,
  createMailbox,
  createProjectResolver,
  createReceipts,
  createRegistry,
  isWaiting,
  type MailboxKey,
  type Message,
  mailboxKeyOf,
  NULL_TRACER,
  OPERATOR_CLIENT_TYPE,
  originOf,
  type PendingAsk,
  type Receipt,
  shortSessionId,
  type Tracer,
  type Transport,
} from "@oxtail/core/runtime";
import { attentionOf } from "./attention.js";
import { edgeInCycle, nodesInCycles } from "./graph.js";
import {
  FLEET_SCHEMA_VERSION,
  type FleetAgent,
  type FleetAsk,
  type FleetMessage,
  type FleetReceipt,
  type FleetState,
} from "./model.js";

/** Busy with no transcript growth for this long is `stalled`, by default (ms). */
export const DEFAULT_STALL_MS = 5 * 60 * 1000;
/** How many messages the timeline keeps, newest last. */
export const TIMELINE_MAX = 200;

/** What the fleet is read from. */
export interface FleetOptions {
  /** The data directory (`OXTAIL_HOME`, resolved). */
  home: string;
  /** The folder the person is in: its project is the scope (SPEC §1). */
  cwd: string;
  /** Every project's agents, not only the project of `cwd`. */
  all?: boolean;
  /** The loaded client adapters (busy/idle, transcripts). */
  adapters: readonly ClientAdapter[];
  /** Busy with no transcript growth this long is stalled (ms); default {@link DEFAULT_STALL_MS}. */
  stallMs?: number;
  now?: () => number;
  tracer?: Tracer;
  /**
   * Where the registry, mailboxes, asks and receipts are (SPEC §12); absent, the data directory. With
   * a transport that joins machines, agents of other machines are shown too (`machine` names theirs).
   */
  transport?: Transport;
}

/**
 * What changed since the last read, as the watcher saw it: only those sources are read again (the
 * others come from the last read). Absent: everything is read.
 */
export interface FleetChanges {
  /** The registry (`sessions/`): agents came, went or changed their record. */
  registry?: boolean;
  /** Pending asks (`asks/`). */
  asks?: boolean;
  /** Receipts: every one (true), or those of these message ids. */
  receipts?: boolean | ReadonlySet<string>;
  /** The mailboxes (keys) whose waiting messages changed. */
  mailboxes?: ReadonlySet<string>;
  /** The agents (mailbox keys) whose transcript changed. */
  transcripts?: ReadonlySet<string>;
}

/** Reads the fleet from core's stores; remembers the messages it saw, for the timeline. */
export interface FleetReader {
  /** The model as it is now; with `changes`, only what changed is read again. */
  read(changes?: FleetChanges): Promise<FleetState>;
  /** The newest turns of an agent (by id, session id or tmux name), or null without a transcript. */
  recentTurns(agent: string, limit?: number): Promise<Turn[] | null>;
  /** The registry records of the last read (for the watcher: transcripts to watch). */
  records(): readonly AgentRecord[];
  /** The options read with. */
  readonly options: Readonly<FleetOptions>;
}

const cwdOf = (agent: AgentRecord) => agent.client.cwd ?? agent.cwd;
const idOf = (agent: AgentRecord) => agent.client.session_id ?? agent.instance_id;

/** When the file last changed (ISO), or null. */
function mtimeOf(file: string | null): string | null {
  if (!file) return null;
  try {
    return fs.statSync(file).mtime.toISOString();
  } catch {
    return null;
  }
}

function receiptOut(r: Receipt | null): FleetReceipt | null {
  if (!r) return null;
  return {
    state: r.state,
    delivered_at: r.delivered?.at ?? null,
    via: r.delivered?.via ?? null,
    replied_at: r.replied?.at ?? null,
    reply_id: r.replied?.reply_id ?? null,
    expired_at: r.expired?.at ?? null,
  };
}

/**
 * A reader of the fleet built on core's stores only: the registry (agents, cards), each agent's
 * mailbox (unread counts, and the bodies of messages while they wait), pending asks (who waits for
 * whom), receipts (what became of each message), and the loaded adapters (busy/idle, transcripts).
 * Messages are remembered from the first read that sees them waiting, so the timeline holds what was
 * in flight while the view ran (a delivered message has left its mailbox).
 */
export function createFleetReader(options: FleetOptions): FleetReader {
  const tracer = options.tracer ?? NULL_TRACER;
  const now = options.now ?? Date.now;
  const stallMs = options.stallMs ?? DEFAULT_STALL_MS;
  const { transport } = options;
  const registry = createRegistry({
    store: transport?.registry ?? createFsRegistryStore({ home: options.home, tracer }),
    tracer,
    ...(transport?.isAlive ? { isAlive: (record: AgentRecord) => transport.isAlive?.(record) ?? false } : {}),
  });
  const mailbox = createMailbox({
    store: transport?.mailbox ?? createFsMailboxStore({ home: options.home, tracer }),
    tracer,
  });
  const asks = transport?.asks ?? createFsAskStore({ home: options.home, tracer });
  const receipts = createReceipts({
    store: transport?.receipts ?? createFsReceiptStore({ home: options.home, tracer }),
    tracer,
  });
  /** The machine an agent of another machine is on; null for this machine's. */
  const machineOf = (agent: AgentRecord): string | null => transport?.hostOf?.(agent) ?? null;
  const projects = createProjectResolver();
  const scope = projects.resolveScope(undefined, options.cwd);
  const seen = new Map<string, Message>();
  /** Receipts that can no longer change (replied, expired), kept so they are read once. */
  const settled = new Map<string, FleetReceipt>();
  let last: AgentRecord[] = [];
  let listed: AgentRecord[] | null = null;
  let askCache: PendingAsk[] | null = null;
  const peeks = new Map<string, Message[]>();
  const lives = new Map<string, { updated_at: string; live: Liveness | null }>();
  const openReceipts = new Map<string, FleetReceipt | null>();
  const adapterFor = (type: string | null) => options.adapters.find((a) => a.name === type) ?? null;

  async function liveness(agent: AgentRecord): Promise<Liveness | null> {
    // Another machine's agent: its process and files are there, and its server there tells.
    const remote = transport?.remoteLiveness?.(agent);
    if (remote) return remote.catch(() => null);
    if (machineOf(agent) !== null) return null;
    const adapter = adapterFor(agent.client.type);
    if (!adapter?.capabilities.liveness || !adapter.liveness) return null;
    return adapter.liveness(agent).catch(() => null);
  }

  async function receiptOf(id: string, fresh: boolean): Promise<FleetReceipt | null> {
    const known = settled.get(id);
    if (known) return known;
    if (!fresh && openReceipts.has(id)) return openReceipts.get(id) ?? null;
    const r = receiptOut(await receipts.get(id).catch(() => null));
    if (r && (r.state === "replied" || r.state === "expired")) {
      settled.set(id, r);
      openReceipts.delete(id);
    } else openReceipts.set(id, r);
    return r;
  }

  function remember(messages: readonly Message[]): void {
    for (const m of messages) if (!seen.has(m.id)) seen.set(m.id, m);
    if (seen.size <= TIMELINE_MAX * 2) return;
    const ids = [...seen.keys()].sort();
    for (const id of ids.slice(0, ids.length - TIMELINE_MAX)) {
      seen.delete(id);
      settled.delete(id);
      openReceipts.delete(id);
    }
  }

  async function read(changes?: FleetChanges): Promise<FleetState> {
    const at = now();
    const everything = changes === undefined;
    if (everything || changes.registry || !listed)
      listed = (await registry.list()).filter((a) => a.client.type !== OPERATOR_CLIENT_TYPE);
    const everyone = listed;
    const records = options.all
      ? everyone
      : everyone.filter((a) => projects.projectOf(cwdOf(a)).id === scope.project.id);
    last = records;
    const mailboxes = new Set<string>(records.map(mailboxKeyOf));
    const labelOf = new Map<string, string>();
    for (const r of records)
      labelOf.set(mailboxKeyOf(r), r.tmux?.session ? safeLabel(r.tmux.session, 64) : shortSessionId(idOf(r)));

    const pending = await Promise.all(
      records.map(async (r) => {
        const key = mailboxKeyOf(r);
        const known = peeks.get(key);
        if (known && !everything && !changes.mailboxes?.has(key)) return known;
        const fresh = await mailbox.peek(key as MailboxKey).catch(() => [] as Message[]);
        peeks.set(key, fresh);
        return fresh;
      }),
    );
    for (const key of peeks.keys()) if (!mailboxes.has(key)) peeks.delete(key);
    remember(pending.flat());
    const live = await Promise.all(
      records.map(async (r) => {
        const key = mailboxKeyOf(r);
        const known = lives.get(key);
        if (known && known.updated_at === r.updated_at && !everything && !changes.transcripts?.has(key))
          return known.live;
        const fresh = await liveness(r);
        lives.set(key, { updated_at: r.updated_at, live: fresh });
        return fresh;
      }),
    );
    for (const key of lives.keys()) if (!mailboxes.has(key)) lives.delete(key);

    if (everything || changes.asks || !askCache) askCache = await asks.list().catch(() => []);
    const waiting = askCache.filter(
      (a) => isWaiting(a, at) && (mailboxes.has(a.asker.mailbox) || mailboxes.has(a.target.mailbox)),
    );
    const edges = waiting.map((a) => ({ from: a.asker.mailbox, to: a.target.mailbox }));
    const cyclic = nodesInCycles(edges);
    const party = (p: { mailbox: string; display_name: string }) => ({
      mailbox: p.mailbox,
      name: labelOf.get(p.mailbox) ?? safeLabel(p.display_name, 64),
    });
    const askList: FleetAsk[] = waiting
      .sort((x, y) => x.created_at - y.created_at)
      .map((a) => ({
        question_id: a.question_id,
        asker: party(a.asker),
        target: party(a.target),
        created_at: new Date(a.created_at).toISOString(),
        deadline: new Date(a.deadline).toISOString(),
        in_cycle: edgeInCycle({ from: a.asker.mailbox, to: a.target.mailbox }, cyclic, edges),
      }));

    const agents: FleetAgent[] = records.map((r, i) => {
      const key = mailboxKeyOf(r);
      const liveness = live[i] ?? null;
      const project = projects.projectOf(cwdOf(r));
      const grew = mtimeOf(r.client.transcript_path);
      const machine = machineOf(r);
      const agent: FleetAgent = {
        id: idOf(r),
        mailbox: key,
        name: r.tmux?.session ? safeLabel(r.tmux.session, 64) : null,
        client: r.client.type ? safeLabel(r.client.type, 64) : null,
        session_id: r.client.session_id,
        state: liveness?.state ?? "unknown",
        state_reason: liveness
          ? safeLabel(liveness.reason)
          : machine !== null
            ? "on another machine: only its own machine can tell busy from idle"
            : "its adapter cannot tell busy from idle",
        machine: machine === null ? null : safeLabel(machine, 128),
        card: r.state?.purpose ? { purpose: safeLabel(r.state.purpose), set_at: r.state.set_at } : null,
        project: project.id,
        worktree: project.worktree,
        last_activity: liveness?.lastActivity ?? r.updated_at,
        transcript_grew_at: grew,
        unread: pending[i]?.length ?? 0,
        waiting_on: waiting.filter((a) => a.asker.mailbox === key).length,
        asked_by: waiting.filter((a) => a.target.mailbox === key).length,
        tmux: r.tmux
          ? {
              session: r.tmux.session ? safeLabel(r.tmux.session, 512) : null,
              pane: r.tmux.pane ? safeLabel(r.tmux.pane, 64) : null,
            }
          : null,
        attention: [],
      };
      agent.attention = attentionOf(agent, { now: at, stallMs, inCycle: cyclic.has(key) });
      return agent;
    });
    agents.sort((x, y) => (x.name ?? x.id).localeCompare(y.name ?? y.id) || x.id.localeCompare(y.id));

    const shown = [...seen.values()]
      .filter((m) => options.all || mailboxes.has(m.to.mailbox))
      .sort((x, y) => (x.id < y.id ? -1 : 1))
      .slice(-TIMELINE_MAX);
    const freshReceipt = (id: string) =>
      everything ||
      changes.receipts === true ||
      (changes.receipts instanceof Set && changes.receipts.has(id));
    const timeline: FleetMessage[] = await Promise.all(
      shown.map(async (m) => {
        const fromKey = m.from.session_id
          ? m.from.session_id.toLowerCase()
          : `instance-${m.from.instance_id}`;
        return {
          id: m.id,
          created_at: m.created_at,
          from: {
            mailbox: fromKey,
            name: labelOf.get(fromKey) ?? safeLabel(m.from.display_name, 64),
            session_id: m.from.session_id,
            client: m.from.client_type ? safeLabel(m.from.client_type, 64) : null,
          },
          to: {
            mailbox: m.to.mailbox,
            name: labelOf.get(m.to.mailbox) ?? m.to.mailbox,
            session_id: m.to.session_id,
          },
          origin: originOf(m),
          reply_to: m.reply_to,
          body: m.body,
          receipt: await receiptOf(m.id, freshReceipt(m.id)),
        };
      }),
    );

    return {
      v: FLEET_SCHEMA_VERSION,
      generated_at: new Date(at).toISOString(),
      scope: options.all
        ? { all: true, project: null, worktree: null }
        : { all: false, project: scope.project.id, worktree: scope.project.worktree },
      agents,
      asks: askList,
      timeline,
    };
  }

  async function recentTurns(target: string, limit = 10): Promise<Turn[] | null> {
    const record = last.find(
      (r) => idOf(r) === target || r.client.session_id === target || r.tmux?.session === target,
    );
    if (!record) return null;
    // Another machine's agent: its transcript is there, and its own server reads it.
    const remote = transport?.remoteTurns?.(record, limit);
    if (remote) return remote.then((tail) => tail.turns).catch(() => null);
    const adapter = adapterFor(record.client.type);
    const transcript = record.client.transcript_path;
    if (!transcript || !adapter?.capabilities.transcript || !adapter.readTranscript) return null;
    const tail = await adapter.readTranscript(transcript, { limit }).catch(() => null);
    return tail?.turns ?? null;
  }

  return { read, recentTurns, records: () => last, options };
}
