import fs from "node:fs";
import path from "node:path";
import {
  type AgentRecord,
  type ClientAdapter,
  createFsMailboxStore,
  createFsRegistryStore,
  createMailbox,
  createRegistry,
  instanceMailboxKey,
  type Mailbox,
  type MailboxKey,
  mailboxKeyOf,
  type Registry,
  type Sender,
  type StrategyVerdict,
  selfProcess,
  type Tracer,
  tmuxSocketFromEnv,
  type WakeStrategy,
} from "@oxtail/core";
import { createTmux, type Tmux } from "@oxtail/wake-tmux";
import type { LoadedAdapter } from "./adapters.js";

/** A wake as reported by ask_peer and wake_status. */
export interface WakeReport {
  attempted: boolean;
  strategy: string | null;
  outcome: string;
  verified_after_ms: number | null;
  reason: string;
}

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
  readonly registry: Registry;
  readonly mailbox: Mailbox;
  readonly adapters: LoadedAdapter[];
  readonly wakeStrategies: Map<string, WakeStrategy>;
  /** This instance's registry record (kept current by {@link ServerContext.updateSelf}). */
  self: AgentRecord;
  /** The latest detection verdicts. */
  detection: DetectionEntry[];
  /** MCP initialize clientInfo, once known. */
  clientInfo: { name: string; version?: string } | null;
  /** True once claim_session / register_my_session pinned the identity (detection no longer changes it). */
  pinned: boolean;
  /** Last wake per peer session id. */
  readonly lastWakes: Map<string, WakeReport>;
  /** Wakes in flight per peer session id (one at a time). */
  readonly wakesInFlight: Map<string, Promise<WakeReport>>;
  /**
   * Ids of requests the client cancelled (notifications/cancelled), newest last: read after a
   * call has answered, when a cancel crossed the answer (see ask_peer's held replies).
   */
  readonly cancelledRequests: Set<string | number>;
  /** Replies ask_peer returned and holds for a moment before acknowledging them; flushed at shutdown. */
  readonly heldReplies: Set<() => Promise<void>>;
  /** Rewrite this instance's record; merges its instance mailbox into the session mailbox on a claim. */
  updateSelf(patch: (record: AgentRecord) => AgentRecord): Promise<void>;
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
  adapters: LoadedAdapter[];
  wakeStrategies: WakeStrategy[];
  env: NodeJS.ProcessEnv;
}

/** The package version of the server (from its package.json). */
export function readVersion(): string {
  for (const candidate of ["../package.json", "../../package.json"]) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, candidate), "utf8"));
      if (pkg.name === "oxtail" && typeof pkg.version === "string") return pkg.version;
    } catch {
      // try the next
    }
  }
  return "0.0.0";
}

/** Build the context of one server instance (its record is not registered yet). */
export function createContext(options: ContextOptions): ServerContext {
  const { home, tracer } = options;
  const registry = createRegistry({ store: createFsRegistryStore({ home, tracer }), tracer });
  const mailbox = createMailbox({ store: createFsMailboxStore({ home, tracer }), tracer });
  const me = selfProcess();
  const now = new Date().toISOString();
  const ownSocket = tmuxSocketFromEnv(options.env.TMUX);
  const tmuxCache = new Map<string, Tmux>();

  const context: ServerContext = {
    home,
    version: options.version,
    cwd: options.cwd,
    tracer,
    registry,
    mailbox,
    adapters: options.adapters,
    wakeStrategies: new Map(options.wakeStrategies.map((s) => [s.name, s])),
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
    lastWakes: new Map(),
    wakesInFlight: new Map(),
    cancelledRequests: new Set(),
    heldReplies: new Set(),
    async updateSelf(patch) {
      const before = context.self;
      const next = patch(structuredClone(before));
      next.updated_at = new Date().toISOString();
      context.self = next;
      await registry.update(next);
      const newSession = next.client.session_id && next.client.session_id !== before.client.session_id;
      if (newSession) {
        const moved = await mailbox.merge(instanceMailboxKey(next.instance_id), mailboxKeyOf(next));
        tracer.trace({
          kind: "identity.claimed",
          session_id: next.client.session_id,
          merged_messages: moved,
        });
      }
    },
    adapterFor(type) {
      return options.adapters.find((a) => a.adapter?.name === type)?.adapter ?? null;
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

/** How an agent is named to peers: `<client> (<tmux session>)`. */
export function displayName(record: AgentRecord): string {
  const client = record.client.type ?? "agent";
  const where = record.tmux?.session ?? record.tmux?.pane ?? `pid ${record.pid}`;
  return `${client} (${where})`;
}
