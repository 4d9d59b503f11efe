import type { Liveness, TranscriptTail } from "../adapter/types.js";
import { createFsAskStore } from "../asks/store-fs.js";
import type { AskStore } from "../asks/types.js";
import { OxtailError } from "../errors.js";
import { createFsMailboxStore } from "../mailbox/store-fs.js";
import type { MailboxStore } from "../mailbox/types.js";
import { createFsReceiptStore } from "../receipts/store-fs.js";
import type { ReceiptStore } from "../receipts/types.js";
import { createFsRegistryStore } from "../registry/store-fs.js";
import type { AgentRecord, RegistryStore } from "../registry/types.js";
import type { DeliveryOutlook, WakeReport } from "../tools/contracts.js";
import type { Tracer } from "../trace/trace.js";
import type { Waker, WakeStatus } from "../wake/waker.js";

/** How a server instance answers another machine about its own agent: its local wake path and busy/idle. */
export interface WakeHandlers {
  wake(deadline: number): Promise<WakeReport>;
  status(deadline: number): Promise<WakeStatus>;
  /** Its agent's busy/idle as its adapter sees it on this machine (null: the adapter cannot tell). */
  liveness?(): Promise<Liveness | null>;
  /** Whether oxtail's hooks run for its agent, as judged on this machine (a delivery outlook's `hooks`). */
  hooks?(): Promise<DeliveryOutlook["hooks"]>;
  /**
   * Its agent's newest turns (at most `limit`), read from its transcript on this machine; rejects with an
   * `OxtailError` (`no-transcript`…) when it has none.
   */
  turns?(limit: number): Promise<TranscriptTail>;
  /** The last `lines` lines of its agent's tmux pane on this machine; rejects with an `OxtailError` when it has none. */
  pane?(lines: number): Promise<string>;
}

/**
 * Where a server's shared state lives (SPEC §12): the registry, mailboxes, receipts and pending asks,
 * plus how agents on other machines are woken. The file-system transport is the default; a
 * distributed one (`@oxtail/transport-nats`) implements the same stores.
 */
export interface Transport {
  /** `fs`, `nats`, …: what `get_my_session` and `doctor` report. */
  readonly name: string;
  readonly registry: RegistryStore;
  readonly mailbox: MailboxStore;
  readonly receipts: ReceiptStore;
  readonly asks: AskStore;
  /**
   * Why the hook program and the background waiters it runs (a client's sleeper that wakes it when
   * mail lands) cannot hand this transport's mail over (absent: they can). The delivery outlook then
   * does not count on hooks, and wake strategies that wake on arrival (`capabilities.onArrival`) are
   * not ready, so the ladder goes on to the next rung. A transport that keeps mail outside the data
   * directory can still serve them: the hook reads it through the transport, and the agent's server
   * keeps arrival hints for what must cost nothing while it waits (`keepArrivalHints`).
   */
  readonly hooksCannotDeliver?: string;
  /** Liveness of a registry record (absent: the local process check). */
  isAlive?(record: AgentRecord): boolean;
  /** The machine (host id) a record of another machine lives on; null for this machine's (absent: all are here). */
  hostOf?(record: AgentRecord): string | null;
  /**
   * An agent of another machine's busy/idle, as that machine's server reports it (`unknown` with the
   * reason when it does not answer); null for this machine's agents, whose adapter tells.
   */
  remoteLiveness?(record: AgentRecord): Promise<Liveness> | null;
  /**
   * Whether oxtail's hooks run for an agent of another machine, as that machine judges it (null when it
   * does not answer); null for this machine's agents.
   */
  remoteHooks?(record: AgentRecord): Promise<DeliveryOutlook["hooks"] | null> | null;
  /**
   * An agent of another machine's newest turns, read there by its own server (its transcript is on that
   * machine); rejects with that server's `OxtailError`, or `timeout` when it does not answer. Null for this
   * machine's agents, whose adapter reads them.
   */
  remoteTurns?(record: AgentRecord, limit: number): Promise<TranscriptTail> | null;
  /** An agent of another machine's tmux pane, read there by its own server; null for this machine's agents. */
  remotePane?(record: AgentRecord, lines: number): Promise<string> | null;
  /** The waker to use, given the local one (absent: the local one): agents elsewhere are woken by their own machine. */
  waker?(local: Waker): Waker;
  /** Answer wake requests other machines send to this server instance; returns a stop function. */
  serveWakes?(instanceId: string, handlers: WakeHandlers): () => void;
  /**
   * The variables that open this same transport in another process of this machine (the hook program),
   * as `OXTAIL_*` environment variables; absent for the data directory, which needs none.
   */
  environment?(): Record<string, string>;
  /** What to show about the transport (no secrets). */
  describe(): Record<string, unknown>;
  /** Release connections and timers. */
  close(): Promise<void>;
}

/** The transports `OXTAIL_TRANSPORT` may name: the data directory, and NATS JetStream (`@oxtail/transport-nats`). */
export const TRANSPORT_NAMES = ["fs", "nats"] as const;
/** One of {@link TRANSPORT_NAMES}. */
export type TransportName = (typeof TRANSPORT_NAMES)[number];

/**
 * The transport `OXTAIL_TRANSPORT` names (SPEC §12): unset or `fs`, the data directory; `nats`. Anything
 * else is `invalid-input`, with the names it may take.
 */
export function transportNameOf(env: NodeJS.ProcessEnv): TransportName {
  const name = env.OXTAIL_TRANSPORT?.trim() || "fs";
  if (name === "fs" || name === "nats") return name;
  throw new OxtailError(
    "invalid-input",
    `OXTAIL_TRANSPORT=${JSON.stringify(name.slice(0, 40))} is not a transport; use one of ${TRANSPORT_NAMES.join(", ")}.`,
  );
}

/** The waker's `onArrivalUnavailable` for a transport: why waiters that wake on arrival cannot work on it, if so. */
export function onArrivalUnavailable(transport: Transport): { onArrivalUnavailable?: string } {
  const why = transport.hooksCannotDeliver;
  return why ? { onArrivalUnavailable: why } : {};
}

/** Options for {@link createFsTransport}. */
export interface FsTransportOptions {
  home: string;
  tracer?: Tracer;
}

/** The default transport: everything under the oxtail data directory of this machine. */
export function createFsTransport(options: FsTransportOptions): Transport {
  const { home, tracer } = options;
  return {
    name: "fs",
    registry: createFsRegistryStore({ home, tracer }),
    mailbox: createFsMailboxStore({ home, tracer }),
    receipts: createFsReceiptStore({ home, tracer }),
    asks: createFsAskStore({ home, tracer }),
    describe: () => ({ name: "fs", home }),
    close: async () => {},
  };
}
