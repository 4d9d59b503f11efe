import fs from "node:fs";
import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import type { KV, Kvm } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import { OxtailError } from "@oxtail/core";
import type { AgentUser } from "./agents.js";
import type { ProjectNames } from "./names.js";

/** How to reach the NATS server. */
export interface LinkOptions {
  /** Server URL(s), comma-separated (`nats://host:4222`, `tls://…`). */
  url: string;
  /** A `.creds` file (JWT and NKey seed) for this agent's user, or null. */
  credsFile?: string | null;
  /** This agent's own user, minted from the project's signing key (per-agent credentials), or null. */
  agent?: AgentUser | null;
  /** A CA certificate file to verify the server's TLS certificate with, or null. */
  caFile?: string | null;
  /** The JetStream domain holding oxtail's streams (a hub reached through a leaf node), or null. */
  domain?: string | null;
  /** The connection's name, as the server's monitoring shows it. */
  name: string;
  /** How long a first connection is tried before calls fail, ms. */
  connectTimeoutMs?: number;
  /** Presence TTL when this link creates the bucket, ms (default {@link PRESENCE_TTL_MS}). */
  presenceTtlMs?: number;
}

/** How long presence records live without a heartbeat (the bucket's max age), ms. */
export const PRESENCE_TTL_MS = 30_000;
/** How long receipts are kept (the bucket's max age): 7 days, as the file-system store. */
export const RECEIPTS_TTL_MS = 7 * 24 * 60 * 60 * 1000;
/** How long pending asks are kept (the bucket's max age): 2 days, past any ask's deadline plus a day. */
export const ASKS_TTL_MS = 2 * 24 * 60 * 60 * 1000;

/** How long one store operation may take before it fails with `storage-failure`, ms. */
export const OP_TIMEOUT_MS = 30_000;

/**
 * Run one store operation against NATS: an error that is not already oxtail's becomes
 * `storage-failure` naming the operation, and an operation that does not finish within `ms` fails
 * the same way instead of hanging a tool call.
 */
export async function guarded<T>(
  what: string,
  run: () => Promise<T>,
  ms: number = OP_TIMEOUT_MS,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    timer.unref();
  });
  try {
    return await Promise.race([run(), timeout]);
  } catch (error) {
    if (error instanceof OxtailError) throw error;
    throw new OxtailError("storage-failure", `NATS: ${what} failed: ${(error as Error).message}`, {
      cause: error,
      origin: "nats",
    });
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The keys a KV bucket holds now (deleted ones included until their markers go: read each), from the
 * stream's per-subject counts: a request and its answer, no consumer.
 */
export async function bucketKeys(linked: Linked, bucket: string): Promise<string[]> {
  const prefix = `$KV.${bucket}.`;
  const info = await linked.jsm.streams.info(`KV_${bucket}`, { subjects_filter: `${prefix}>` });
  return Object.keys(info.state.subjects ?? {}).map((subject) => subject.slice(prefix.length));
}

/** An open connection with the project's stream and buckets in place. */
export interface Linked {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  presence: KV;
  receipts: KV;
  asks: KV;
}

/** One connection to NATS, opened on first use and shared by every store of a transport. */
export interface Link {
  /** The connection with the project's stream and buckets, once ready (rejects with `storage-failure`). */
  ready(): Promise<Linked>;
  /**
   * Like {@link ready}, but failing at once (`storage-failure`) while the connection is being made
   * again: an operation then does not wait out its timeout.
   */
  up(): Promise<Linked>;
  /** Whether the link is up now. */
  status(): "connecting" | "connected" | "reconnecting" | "closed";
  /**
   * Say which instance and mailboxes this server has (per-agent credentials: its user may then read
   * them). When the user changes on an open connection, resolves once it reconnected with it.
   */
  identify(instanceId: string, keys: readonly string[]): Promise<void>;
  /** The mailbox keys this link's user may read, or null when it is not restricted to its own. */
  ownKeys(): string[] | null;
  /** Drain and close. */
  close(): Promise<void>;
}

/** How long an identified link waits for its reconnection with the new user, ms. */
const REIDENTIFY_TIMEOUT_MS = 10_000;

/** Open a link for the project named by `names` (lazily: nothing happens before the first call). */
export function createLink(options: LinkOptions, names: ProjectNames): Link {
  let linked: Promise<Linked> | null = null;
  let state: ReturnType<Link["status"]> = "connecting";
  let connection: NatsConnection | null = null;
  /** The user JWT the connection last presented (per-agent credentials). */
  let presented: string | null = null;
  const reconnected: (() => void)[] = [];

  async function open(): Promise<Linked> {
    // Loaded on first use: a server on the file-system transport never loads the NATS client.
    const [{ connect, credsAuthenticator, jwtAuthenticator }, { jetstream, jetstreamManager }, { Kvm }] =
      await Promise.all([
        import("@nats-io/transport-node"),
        import("@nats-io/jetstream"),
        import("@nats-io/kv"),
      ]);
    const agent = options.agent;
    const authenticator = agent
      ? jwtAuthenticator(
          () => {
            presented = agent.jwt();
            return presented;
          },
          () => agent.seed(),
        )
      : options.credsFile
        ? credsAuthenticator(new Uint8Array(fs.readFileSync(options.credsFile)))
        : undefined;
    const { servers, user, pass } = splitCredentials(options.url);
    const nc = await connect({
      servers,
      ...(user ? { user, pass } : {}),
      name: options.name,
      authenticator,
      ...(agent ? { inboxPrefix: agent.inboxPrefix } : {}),
      tls: options.caFile ? { caFile: options.caFile } : undefined,
      timeout: options.connectTimeoutMs ?? 5000,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
    });
    connection = nc;
    state = "connected";
    void (async () => {
      for await (const s of nc.status()) {
        if (s.type === "disconnect" || s.type === "reconnecting") state = "reconnecting";
        else if (s.type === "reconnect") {
          state = "connected";
          for (const done of reconnected.splice(0)) done();
        }
      }
    })().catch(() => {});
    void nc.closed().then(() => {
      state = "closed";
    });
    const domain = options.domain ? { domain: options.domain } : {};
    const js = jetstream(nc, { timeout: 10_000, ...domain });
    const jsm = await jetstreamManager(nc, { timeout: 10_000, ...domain });
    await ensureStream(jsm, names);
    const kvm = new Kvm(js);
    const bucket = (name: string, ttl: number) =>
      kvm.create(name, { ttl, history: 1, storage: "file" } as Parameters<Kvm["create"]>[1]);
    const [presence, receipts, asks] = await Promise.all([
      bucket(names.presence, options.presenceTtlMs ?? PRESENCE_TTL_MS),
      bucket(names.receipts, RECEIPTS_TTL_MS),
      bucket(names.asks, ASKS_TTL_MS),
    ]);
    return { nc, js, jsm, presence, receipts, asks };
  }

  return {
    ready() {
      if (!linked) {
        linked = open().catch((error: unknown) => {
          linked = null;
          throw new OxtailError(
            "storage-failure",
            `Cannot reach the NATS server at ${redactUrl(options.url)}: ${(error as Error).message}`,
            { cause: error, origin: "nats" },
          );
        });
      }
      return linked;
    },
    up() {
      if (state === "reconnecting" || state === "closed")
        return Promise.reject(
          new OxtailError(
            "storage-failure",
            `The NATS server at ${redactUrl(options.url)} is not reachable now.`,
            {
              origin: "nats",
            },
          ),
        );
      return this.ready();
    },
    status: () => state,
    async identify(instanceId, keys) {
      const agent = options.agent;
      if (!agent?.identify(instanceId, keys)) return;
      // A connection being made presents the user it read: wait for it, then compare.
      if (linked) await linked.catch(() => {});
      const nc = connection;
      if (!nc || nc.isClosed() || presented === agent.jwt()) return;
      let timer: NodeJS.Timeout | undefined;
      const done = new Promise<void>((resolve) => {
        reconnected.push(resolve);
        timer = setTimeout(resolve, REIDENTIFY_TIMEOUT_MS);
        timer.unref();
      });
      await nc.reconnect();
      await done;
      clearTimeout(timer);
    },
    ownKeys: () => (options.agent ? options.agent.keys() : null),
    async close() {
      const nc = connection;
      linked = null;
      for (const done of reconnected.splice(0)) done();
      if (nc && !nc.isClosed()) await nc.drain().catch(() => nc.close());
      state = "closed";
    },
  };
}

/** Server URLs without credentials, and the user and password one of them carried (`nats://user:pass@host`). */
export function splitCredentials(url: string): { servers: string[]; user?: string; pass?: string } {
  let user: string | undefined;
  let pass: string | undefined;
  const servers = url
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .map((server) => {
      const at = /^([a-z]+:\/\/)([^@/]*)@(.*)$/i.exec(server);
      if (!at) return server;
      const [name, password] = (at[2] ?? "").split(":");
      user = decodeURIComponent(name ?? "");
      pass = password === undefined ? undefined : decodeURIComponent(password);
      return `${at[1]}${at[3]}`;
    });
  return { servers, ...(user ? { user } : {}), ...(pass !== undefined ? { pass } : {}) };
}

/** The URL as it may be shown: any password replaced. */
export function redactUrl(url: string): string {
  return url.replace(/(:\/\/[^:@/]*):[^@/]*@/g, "$1:***@");
}

async function ensureStream(jsm: JetStreamManager, names: ProjectNames): Promise<void> {
  const config = {
    name: names.stream,
    subjects: [`${names.mailboxes}.>`],
    // A mailbox's message is removed once its one reader acknowledged it.
    retention: "workqueue",
    storage: "file",
    // Nats-Msg-Id: a send retried within this window is stored once.
    duplicate_window: 10 * 60 * 1_000_000_000,
    allow_direct: true,
  } as const;
  try {
    await jsm.streams.info(names.stream);
  } catch {
    await jsm.streams.add(config as unknown as Parameters<JetStreamManager["streams"]["add"]>[0]);
  }
}
