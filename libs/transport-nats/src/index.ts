/**
 * @oxtail/transport-nats — oxtail's stores on NATS JetStream (SPEC §12), for agents on several
 * machines: mailboxes on a stream with a durable consumer each, presence, receipts and asks in KV
 * buckets, wake requests relayed to the peer's own machine.
 */

import type { AgentRecord } from "@oxtail/core";
import { instanceMailboxKey, isRecordAlive, mailboxKeyOf, type Transport } from "@oxtail/core/runtime";
import { type AgentUser, createAgentUser, type SigningKey } from "./agents.js";
import { createNatsAskStore } from "./asks.js";
import { createLink, type LinkOptions, PRESENCE_TTL_MS, redactUrl } from "./link.js";
import { createNatsMailboxStore } from "./mailbox.js";
import { projectNames } from "./names.js";
import { createOutbox } from "./outbox.js";
import type { ProjectIdentity } from "./project.js";
import { createNatsReceiptStore } from "./receipts.js";
import { createNatsRegistryStore } from "./registry.js";
import { remotePane, remoteTurns } from "./remote-read.js";
import { askServer, relayWaker, remoteHooks, remoteLiveness, serveWakes } from "./wake.js";

export type {
  AgentAuthority,
  AgentTemplate,
  AgentUser,
  ProjectAccount,
  SigningKey,
  SigningKeyFile,
} from "./agents.js";
export {
  agentAuthority,
  agentServerConfig,
  agentTemplate,
  createAgentUser,
  encodeJwt,
  jwtClaims,
  loadSigningKey,
  SIGNING_KEY_KIND,
  signingKeyFileName,
} from "./agents.js";
export { createNatsAskStore } from "./asks.js";
export type { NatsEnvOptions } from "./env.js";
export { DEFAULT_NATS_URL, natsTransportFromEnv } from "./env.js";
export { hostId } from "./host.js";
export type { Link, Linked, LinkOptions } from "./link.js";
export {
  ASKS_TTL_MS,
  createLink,
  PRESENCE_TTL_MS,
  RECEIPTS_TTL_MS,
  redactUrl,
  splitCredentials,
} from "./link.js";
export { CLAIM_ACK_WAIT_MS, createNatsMailboxStore } from "./mailbox.js";
export type { ProjectNames } from "./names.js";
export { projectNames } from "./names.js";
export type { Outbox, Queued } from "./outbox.js";
export { createOutbox, OUTBOX_RETRY_MS } from "./outbox.js";
export type { ProjectPermissions, SnippetOptions } from "./permissions.js";
export { natsConfigSnippet, projectPermissions } from "./permissions.js";
export type { ProjectIdentity } from "./project.js";
export { gitRemoteOf, normaliseRemote, projectIdentity } from "./project.js";
export { createNatsReceiptStore } from "./receipts.js";
export type { NatsRegistryOptions, NatsRegistryStore } from "./registry.js";
export { createNatsRegistryStore, HEARTBEAT_MS } from "./registry.js";

/** Options for {@link createNatsTransport}. */
export interface NatsTransportOptions extends Omit<LinkOptions, "name" | "agent"> {
  /** The project's scoped signing key: this server then connects as its own user (per-agent credentials). */
  signingKey?: SigningKey | null;
  /** The project every machine shares. */
  project: ProjectIdentity;
  /** This machine's host id. */
  host: string;
  /** This machine's checkout of the project (its top folder). */
  root: string;
  /** This machine's oxtail home: sends made while the link is down wait in `<home>/nats-outbox` (none: they fail). */
  home?: string;
  /** Presence heartbeat interval, ms (default: a third of the presence TTL). */
  heartbeatMs?: number;
  /** Mailboxes read with no registry record of this process's own (per-agent credentials may read them). */
  reads?: readonly string[];
}

/** The NATS transport of one server instance (connects on first use). */
export function createNatsTransport(options: NatsTransportOptions): Transport {
  const names = projectNames(options.project.token);
  const agent: AgentUser | null = options.signingKey ? createAgentUser(options.signingKey, names) : null;
  // A reader without a record of its own (the hook program) names its mailboxes before it connects.
  if (agent && options.reads?.length) agent.identify(`reader-${process.pid}`, options.reads);
  const link = createLink({ ...options, agent, name: `oxtail ${options.host} ${process.pid}` }, names);
  const ttl = options.presenceTtlMs ?? PRESENCE_TTL_MS;
  const registry = createNatsRegistryStore(link, names, {
    host: options.host,
    root: options.root,
    heartbeatMs: options.heartbeatMs ?? Math.max(200, Math.floor(ttl / 3)),
  });
  if (agent) {
    // This server's own record names its mailbox: its user may read that one (and the ones before).
    const put = registry.put.bind(registry);
    registry.put = async (record) => {
      // The instance's own mailbox too: mail sent before the session was known is moved from it.
      await link.identify(record.instance_id, [instanceMailboxKey(record.instance_id), mailboxKeyOf(record)]);
      return put(record);
    };
  }
  const mailbox = createNatsMailboxStore(link, names, options.home ? createOutbox(options.home) : null);
  const isRemote = (record: AgentRecord) => {
    const host = registry.hostOf(record.instance_id);
    return host !== null && host !== registry.host;
  };
  const asker = askServer(link, names);
  return {
    name: "nats",
    registry,
    mailbox,
    receipts: createNatsReceiptStore(link, names.receipts),
    asks: createNatsAskStore(link, names.asks),
    // Another machine's record lives while its heartbeat keeps it in the bucket; a local one while its process runs.
    isAlive: (record) => isRemote(record) || isRecordAlive(record),
    hostOf: (record) => (isRemote(record) ? registry.hostOf(record.instance_id) : null),
    remoteLiveness: remoteLiveness(link, names, isRemote),
    remoteHooks: remoteHooks(link, names, isRemote),
    remoteTurns: remoteTurns(asker, isRemote),
    remotePane: remotePane(asker, isRemote),
    waker: (local) => relayWaker(link, names, isRemote, local),
    serveWakes: (instanceId, handlers) => serveWakes(link, names, instanceId, handlers),
    describe: () => ({
      name: "nats",
      url: redactUrl(options.url),
      creds: options.signingKey ? "per-agent" : options.credsFile ? "set" : "none",
      tls_ca: options.caFile ? "set" : "none",
      ...(options.domain ? { domain: options.domain } : {}),
      project: options.project.id,
      project_source: options.project.source,
      host: options.host,
      presence_ttl_ms: ttl,
      stream: names.stream,
      link: link.status(),
      outbox: options.home ? "on" : "off",
    }),
    async close() {
      registry.stop();
      mailbox.stop();
      await link.close();
    },
  };
}
