import { createFsAskStore } from "../asks/store-fs.js";
import type { AskStore } from "../asks/types.js";
import { createFsMailboxStore } from "../mailbox/store-fs.js";
import type { MailboxStore } from "../mailbox/types.js";
import { createFsReceiptStore } from "../receipts/store-fs.js";
import type { ReceiptStore } from "../receipts/types.js";
import { createFsRegistryStore } from "../registry/store-fs.js";
import type { AgentRecord, RegistryStore } from "../registry/types.js";
import type { WakeReport } from "../tools/contracts.js";
import type { Tracer } from "../trace/trace.js";
import type { Waker, WakeStatus } from "../wake/waker.js";

/** How a server instance wakes its own agent when another machine asks (its local wake path). */
export interface WakeHandlers {
  wake(deadline: number): Promise<WakeReport>;
  status(deadline: number): Promise<WakeStatus>;
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
   * Why the hook program cannot hand this transport's mail over (absent: it can). The hook's
   * deliveries and the background waiters it runs (a client's sleeper that wakes it when mail lands)
   * read mailboxes in the data directory: on a transport that keeps mail elsewhere, the delivery
   * outlook does not count on them and wake strategies that wake on arrival (`capabilities.onArrival`)
   * are not ready, so the ladder goes on to the next rung.
   */
  readonly hooksCannotDeliver?: string;
  /** Liveness of a registry record (absent: the local process check). */
  isAlive?(record: AgentRecord): boolean;
  /** The machine (host id) a record of another machine lives on; null for this machine's (absent: all are here). */
  hostOf?(record: AgentRecord): string | null;
  /** The waker to use, given the local one (absent: the local one): agents elsewhere are woken by their own machine. */
  waker?(local: Waker): Waker;
  /** Answer wake requests other machines send to this server instance; returns a stop function. */
  serveWakes?(instanceId: string, handlers: WakeHandlers): () => void;
  /** What to show about the transport (no secrets). */
  describe(): Record<string, unknown>;
  /** Release connections and timers. */
  close(): Promise<void>;
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
