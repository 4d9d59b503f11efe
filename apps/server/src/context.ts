import {
  type AgentRecord,
  type ClientAdapter,
  OxtailError,
  type StrategyVerdict,
  safeLabel,
  tmuxSocketFromEnv,
  type WakeStrategy,
} from "@oxtail/core";
import {
  type AskStore,
  createFsIdempotencyStore,
  createFsRateStore,
  createFsTransport,
  createMailbox,
  createReceipts,
  createRegistry,
  createWaker,
  instanceMailboxKey,
  type LoadedAdapter,
  type LoopGuardConfig,
  loopGuardConfig,
  type Mailbox,
  type MailboxKey,
  mailboxKeyOf,
  onArrivalUnavailable,
  type RateBudgetStore,
  type Receipts,
  type Registry,
  type Sender,
  selfProcess,
  type Tracer,
  type Transport,
  type WakeReport,
  type Waker,
} from "@oxtail/core/runtime";
import { createTmux, type Tmux } from "@oxtail/wake-tmux";
import type { DeliveryLedger } from "./delivery.js";

/** A wake as reported by ask_peer and wake_status (core's contract). */
export type { WakeReport };

/** One adapter's detection verdicts, as get_my_session shows them. */
export interface DetectionEntry extends StrategyVerdict {
  adapter: string;
}

/** Everything a tool handler needs: the server instance's state and its stores. */
export interface ServerContext {
  readonly home: string;
  readonly version: string;
  readonly cwd: string;
  readonly tracer: Tracer;
  /** Where the registry, mailboxes, receipts and asks live (SPEC §12): `fs` unless configured. */
  readonly transport: Transport;
  readonly registry: Registry;
  readonly mailbox: Mailbox;
  /** Messages' lifecycles (SPEC §10); the mailbox records them as it sends and delivers. */
  readonly receipts: Receipts;
  /** Pending asks of every agent of the machine (durable asks, the ask-cycle check). */
  readonly asks: AskStore;
  /** The loop guard's rate budget of agent-originated messages, and its limits. */
  readonly rate: RateBudgetStore;
  readonly guard: LoopGuardConfig;
  /** The adapters tried so far (loaded after the MCP handshake; see {@link ServerContext.ready}). */
  readonly adapters: LoadedAdapter[];
  readonly wakeStrategies: Map<string, WakeStrategy>;
  /** Settles once adapters are loaded and this instance is detected and registered. */
  ready: Promise<void>;
  /** Take loaded adapters in, with the wake strategies they bring. */
  addAdapters(loaded: readonly LoadedAdapter[]): void;
  /** This instance's registry record (kept current by {@link ServerContext.updateSelf}). */
  self: AgentRecord;
  /** The latest detection verdicts. */
  detection: DetectionEntry[];
  /** MCP initialize clientInfo, once known. */
  clientInfo: { name: string; version?: string } | null;
  /** True once claim_session / register_my_session pinned the identity (detection no longer changes it). */
  pinned: boolean;
  /** Wakes peers through their adapters' ladders (one at a time per peer; remembers the last wake). */
  readonly waker: Waker;
  /** Holds the messages each answer hands out until the answer reached the client (SPEC §9). */
  readonly delivery: DeliveryLedger;
  /**
   * Session ids this server's own detection found (environment, ancestry, hook drops, request
   * `_meta`), with how: the evidence that lets it claim a session id a live peer holds.
   */
  readonly sessionEvidence: Map<string, string>;
  /**
   * Rewrite this instance's record (only when something changed), then adopt it: a failed write
   * changes nothing. On a new session id, mail sent to the instance mailbox moves over.
   */
  updateSelf(patch: (record: AgentRecord) => AgentRecord): Promise<void>;
  /** Move mail that peers sent to this instance's mailbox before it knew its session id. */
  collectStrayMail(): Promise<void>;
  /** Refuse (`session-id-in-use`) a session id that a live peer holds, unless detection found it here too. */
  assertMayClaim(sessionId: string): Promise<void>;
  /** Run a sending action at most once per idempotency key (none given: always run). */
  once<T extends Record<string, unknown>>(
    key: string | undefined,
    scope: string,
    action: () => Promise<T>,
  ): Promise<T & { replayed?: true }>;
  /** The adapter of a client type, if loaded. */
  adapterFor(type: string | null): ClientAdapter | null;
  /** tmux of a socket (or this server's own). */
  tmuxFor(socket: string | null | undefined): Tmux;
  /** This agent's mailbox. */
  myMailbox(): MailboxKey;
  /** This agent as a message sender. */
  sender(): Sender;
}

/** Options for {@link createContext}. */
export interface ContextOptions {
  home: string;
  version: string;
  cwd: string;
  tracer: Tracer;
  /** Wake strategies that do not come with an adapter (tmux). */
  wakeStrategies: WakeStrategy[];
  env: NodeJS.ProcessEnv;
  /** The ledger the transport settles answers with. */
  delivery: DeliveryLedger;
  /** Where shared state lives (default: the file-system transport under `home`). */
  transport?: Transport;
}

/** Build the context of one server instance (its record is not registered yet). */
export function createContext(options: ContextOptions): ServerContext {
  const { home, tracer } = options;
  const transport = options.transport ?? createFsTransport({ home, tracer });
  const registry = createRegistry({
    store: transport.registry,
    tracer,
    ...(transport.isAlive ? { isAlive: (record: AgentRecord) => transport.isAlive?.(record) ?? false } : {}),
  });
  const receipts = createReceipts({ store: transport.receipts, tracer });
  const mailbox = createMailbox({ store: transport.mailbox, tracer, receipts });
  const idempotency = createFsIdempotencyStore({ home });
  const me = selfProcess();
  const now = new Date().toISOString();
  const ownSocket = tmuxSocketFromEnv(options.env.TMUX);
  const tmuxCache = new Map<string, Tmux>();

  const context: ServerContext = {
    home,
    version: options.version,
    cwd: options.cwd,
    tracer,
    transport,
    registry,
    mailbox,
    receipts,
    asks: transport.asks,
    rate: createFsRateStore({ home, tracer }),
    guard: loopGuardConfig(home, options.env),
    adapters: [],
    wakeStrategies: new Map(options.wakeStrategies.map((s) => [s.name, s])),
    ready: Promise.resolve(),
    addAdapters(loaded) {
      for (const entry of loaded) {
        context.adapters.push(entry);
        for (const strategy of entry.adapter?.wakeStrategies ?? [])
          context.wakeStrategies.set(strategy.name, strategy);
      }
    },
    self: {
      schema: 1,
      instance_id: me.token,
      pid: me.pid,
      start_time: me.startTime,
      started_at: now,
      updated_at: now,
      oxtail_version: options.version,
      cwd: options.cwd,
      client: { type: null, name: null, version: null, session_id: null, transcript_path: null, cwd: null },
      tmux: options.env.TMUX_PANE
        ? { socket: ownSocket, session: null, window: null, pane: options.env.TMUX_PANE }
        : null,
      state: null,
    },
    detection: [],
    clientInfo: null,
    pinned: false,
    waker: withTransport(
      transport,
      createWaker({
        home,
        strategies: { [Symbol.iterator]: () => context.wakeStrategies.values() },
        tracer,
        adapterFor: (type) => context.adapterFor(type),
        ...onArrivalUnavailable(transport),
      }),
    ),
    delivery: options.delivery,
    sessionEvidence: new Map(),
    async updateSelf(patch) {
      const before = context.self;
      const next = patch(structuredClone(before));
      if (JSON.stringify({ ...next, updated_at: "" }) === JSON.stringify({ ...before, updated_at: "" }))
        return;
      next.updated_at = new Date().toISOString();
      await registry.update(next);
      context.self = next;
      if (next.client.session_id && next.client.session_id !== before.client.session_id) {
        tracer.trace({ kind: "identity.claimed", session_id: next.client.session_id });
        await context.collectStrayMail();
      }
    },
    async collectStrayMail() {
      if (!context.self.client.session_id) return;
      const moved = await mailbox.merge(
        instanceMailboxKey(context.self.instance_id),
        mailboxKeyOf(context.self),
      );
      if (moved > 0) tracer.trace({ kind: "mailbox.merged", into: context.self.client.session_id, moved });
    },
    async assertMayClaim(sessionId) {
      const id = sessionId.toLowerCase();
      if (context.sessionEvidence.has(id)) return;
      const holder = (await registry.list()).find(
        (a) => a.client.session_id === id && a.instance_id !== context.self.instance_id,
      );
      if (!holder) return;
      throw new OxtailError(
        "session-id-in-use",
        `Session ${id} belongs to a live ${holder.client.type ?? "agent"} (oxtail pid ${holder.pid}), and nothing this server detected says it is yours. Claim your own session id (get_my_session shows what detection found, and where your client keeps its id).`,
        { data: { session_id: id, holder_pid: holder.pid } },
      );
    },
    async once(key, scope, action) {
      if (key === undefined) return action();
      const { value, replayed } = await idempotency.once(context.myMailbox(), scope, key, action);
      return replayed ? { ...value, replayed: true as const } : value;
    },
    adapterFor(type) {
      return context.adapters.find((a) => a.adapter?.name === type)?.adapter ?? null;
    },
    tmuxFor(socket) {
      const key = socket ?? ownSocket ?? "";
      let tmux = tmuxCache.get(key);
      if (!tmux) {
        tmux = createTmux(key ? { socketPath: key } : {});
        tmuxCache.set(key, tmux);
      }
      return tmux;
    },
    myMailbox: () => mailboxKeyOf(context.self),
    sender: () => ({
      session_id: context.self.client.session_id,
      instance_id: context.self.instance_id,
      client_type: context.self.client.type,
      display_name: displayName(context.self),
    }),
  };
  return context;
}

/** The waker a transport asks for (agents on other machines are woken by their own), else the local one. */
function withTransport(transport: Transport, local: Waker): Waker {
  return transport.waker?.(local) ?? local;
}

/** How an agent is named to peers: `<client> (<tmux session>)`, as a safe one-line label. */
export function displayName(record: AgentRecord): string {
  const client = record.client.type ?? "agent";
  const where = record.tmux?.session ?? record.tmux?.pane ?? `pid ${record.pid}`;
  return safeLabel(`${client} (${where})`);
}
