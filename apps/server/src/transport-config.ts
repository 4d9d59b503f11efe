import { OxtailError } from "@oxtail/core";
import { createFsTransport, createProjectResolver, type Tracer, type Transport } from "@oxtail/core/runtime";

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

/** The transports `OXTAIL_TRANSPORT` may name. */
export const TRANSPORT_NAMES = ["fs", "nats"] as const;

/** The NATS server used when `OXTAIL_NATS_URL` is not set. */
export const DEFAULT_NATS_URL = "nats://127.0.0.1:4222";

/**
 * The transport the environment asks for (SPEC §12): `OXTAIL_TRANSPORT` unset or `fs` → the data
 * directory; `nats` → NATS JetStream at `OXTAIL_NATS_URL` with `OXTAIL_NATS_CREDS` (a `.creds` file)
 * `OXTAIL_NATS_CA` (a CA file for TLS) and `OXTAIL_NATS_DOMAIN` (the JetStream domain, through a leaf node); `OXTAIL_NATS_PRESENCE_TTL_MS` sets the presence TTL;
 * `OXTAIL_NATS_SIGNING_KEY` (the project's signing key file) makes this server connect as its own user,
 * which reads only its own mailboxes. `invalid-input` for anything else, or for a project that
 * has no name every machine shares (no git remote and no `OXTAIL_PROJECT`); `invalid-input` or
 * `unsafe-path` for a signing key file that cannot be used.
 */
export async function configuredTransport(
  env: NodeJS.ProcessEnv,
  home: string,
  cwd: string,
  tracer?: Tracer,
): Promise<Transport> {
  const name = env.OXTAIL_TRANSPORT?.trim() || "fs";
  if (name === "fs") return createFsTransport({ home, ...(tracer ? { tracer } : {}) });
  if (name !== "nats")
    throw new OxtailError(
      "invalid-input",
      `OXTAIL_TRANSPORT=${JSON.stringify(name.slice(0, 40))} is not a transport; use one of ${TRANSPORT_NAMES.join(", ")}.`,
    );
  // Loaded only here: the NATS client's modules would stay resident in every server on the data directory.
  const { createNatsTransport, hostId, loadSigningKey, projectIdentity } = await import(
    "@oxtail/transport-nats"
  );
  const project = projectIdentity(env, cwd);
  const credsFile = env.OXTAIL_NATS_CREDS?.trim() || null;
  const keyFile = env.OXTAIL_NATS_SIGNING_KEY?.trim() || null;
  if (keyFile && credsFile)
    throw new OxtailError(
      "invalid-input",
      "Set OXTAIL_NATS_SIGNING_KEY (each agent its own user) or OXTAIL_NATS_CREDS (one user), not both.",
    );
  return createNatsTransport({
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
  });
}
