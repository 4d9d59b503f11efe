import path from "node:path";
import { OxtailError } from "@oxtail/core";
import { createProjectResolver, type Transport } from "@oxtail/core/runtime";
import { loadSigningKey } from "./agents.js";
import { hostId } from "./host.js";
import { createNatsTransport } from "./index.js";
import { projectIdentity } from "./project.js";

/** The NATS server used when `OXTAIL_NATS_URL` is not set. */
export const DEFAULT_NATS_URL = "nats://127.0.0.1:4222";

/** `OXTAIL_NATS_PRESENCE_TTL_MS`: how long a machine that went away stays listed (when the bucket is made). */
function presenceTtl(env: NodeJS.ProcessEnv): { presenceTtlMs?: number } {
  const raw = env.OXTAIL_NATS_PRESENCE_TTL_MS?.trim();
  if (!raw) return {};
  const ms = Number(raw);
  if (!Number.isInteger(ms) || ms < 1000 || ms > 3_600_000)
    throw new OxtailError(
      "invalid-input",
      `OXTAIL_NATS_PRESENCE_TTL_MS=${JSON.stringify(raw.slice(0, 40))} must be a whole number of ms from 1000 to 3600000.`,
    );
  return { presenceTtlMs: ms };
}

/** The variables {@link natsTransportFromEnv} reads; those naming files are made absolute when recorded. */
const VARIABLES = [
  "OXTAIL_NATS_URL",
  "OXTAIL_NATS_CREDS",
  "OXTAIL_NATS_SIGNING_KEY",
  "OXTAIL_NATS_CA",
  "OXTAIL_NATS_DOMAIN",
  "OXTAIL_NATS_PRESENCE_TTL_MS",
  "OXTAIL_PROJECT",
  "OXTAIL_HOST_ID",
] as const;
const FILE_VARIABLES: ReadonlySet<string> = new Set([
  "OXTAIL_NATS_CREDS",
  "OXTAIL_NATS_SIGNING_KEY",
  "OXTAIL_NATS_CA",
]);

/** Where a process using the NATS transport is, and what it reads. */
export interface NatsEnvOptions {
  /** The oxtail data directory of this machine. */
  home: string;
  /** The folder it runs in: its project is the one every machine shares. */
  cwd: string;
  /**
   * The mailboxes a process with no registry record of its own reads (the hook program: its
   * session's). With per-agent credentials its user may read those and no other.
   */
  reads?: readonly string[];
  /** How long the first connection is tried, ms (a hook's is short: its client waits for it). */
  connectTimeoutMs?: number;
}

/**
 * The NATS transport as the environment describes it (docs/several-machines.md §2): `OXTAIL_NATS_URL`,
 * `OXTAIL_NATS_CREDS` (a `.creds` file) or `OXTAIL_NATS_SIGNING_KEY` (the project's signing key: this
 * process connects as its own user), `OXTAIL_NATS_CA` (TLS), `OXTAIL_NATS_DOMAIN` (a hub through a leaf
 * node), `OXTAIL_NATS_PRESENCE_TTL_MS`, `OXTAIL_PROJECT`, `OXTAIL_HOST_ID`. `invalid-input` for a
 * project with no name every machine shares (no git remote and no `OXTAIL_PROJECT`) or for settings
 * that do not go together; `invalid-input` or `unsafe-path` for a signing key file that cannot be used.
 */
export function natsTransportFromEnv(env: NodeJS.ProcessEnv, options: NatsEnvOptions): Transport {
  const { home, cwd } = options;
  const project = projectIdentity(env, cwd);
  const credsFile = env.OXTAIL_NATS_CREDS?.trim() || null;
  const keyFile = env.OXTAIL_NATS_SIGNING_KEY?.trim() || null;
  if (keyFile && credsFile)
    throw new OxtailError(
      "invalid-input",
      "Set OXTAIL_NATS_SIGNING_KEY (each agent its own user) or OXTAIL_NATS_CREDS (one user), not both.",
    );
  const environment: Record<string, string> = { OXTAIL_TRANSPORT: "nats" };
  for (const name of VARIABLES) {
    const value = env[name]?.trim();
    if (value) environment[name] = FILE_VARIABLES.has(name) ? path.resolve(cwd, value) : value;
  }
  // As found here: the hook need not ask git, and names the same project whatever its folder.
  environment.OXTAIL_PROJECT = project.id;
  const transport = createNatsTransport({
    url: env.OXTAIL_NATS_URL?.trim() || DEFAULT_NATS_URL,
    credsFile,
    signingKey: keyFile ? loadSigningKey(keyFile, project.token) : null,
    caFile: env.OXTAIL_NATS_CA?.trim() || null,
    domain: env.OXTAIL_NATS_DOMAIN?.trim() || null,
    project,
    host: hostId(home, env),
    root: createProjectResolver().projectOf(cwd).worktree,
    home,
    ...presenceTtl(env),
    ...(options.reads ? { reads: options.reads } : {}),
    ...(options.connectTimeoutMs ? { connectTimeoutMs: options.connectTimeoutMs } : {}),
  });
  // Another process of this machine (the session's hook program) opens the same transport from these.
  return { ...transport, environment: () => ({ ...environment }) };
}
