import { createFsTransport, type Tracer, type Transport, transportNameOf } from "@oxtail/core/runtime";

/**
 * The transport the environment asks for (SPEC §12): `OXTAIL_TRANSPORT` unset or `fs` → the data
 * directory; `nats` → NATS JetStream as the `OXTAIL_NATS_*` variables describe it
 * (`natsTransportFromEnv`, docs/several-machines.md §2). `invalid-input` for anything else, and for
 * NATS settings that cannot be used (a project with no name every machine shares, say).
 */
export async function configuredTransport(
  env: NodeJS.ProcessEnv,
  home: string,
  cwd: string,
  tracer?: Tracer,
): Promise<Transport> {
  if (transportNameOf(env) === "fs") return createFsTransport({ home, ...(tracer ? { tracer } : {}) });
  // Loaded only here: the NATS client's modules would stay resident in every server on the data directory.
  const { natsTransportFromEnv } = await import("@oxtail/transport-nats");
  return natsTransportFromEnv(env, { home, cwd });
}
