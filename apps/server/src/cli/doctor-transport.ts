// `oxtail doctor`'s transport line (SPEC §12): which transport the environment selects and, for NATS,
// whether its server answers with the project's stream and buckets.
import type { DoctorCheck } from "@oxtail/core";
import { configuredTransport } from "../transport-config.js";

/** How long doctor waits for the NATS server, ms. */
const NATS_CHECK_MS = 8000;

/** The transport check: `ok` with what is configured, or `fix` with what to do. */
export async function transportCheck(
  env: NodeJS.ProcessEnv,
  oxtailHome: string,
  cwd: string,
): Promise<DoctorCheck> {
  let transport: Awaited<ReturnType<typeof configuredTransport>>;
  try {
    transport = await configuredTransport(env, oxtailHome, cwd);
  } catch (error) {
    return {
      status: "fix",
      what: `transport: ${(error as Error).message.replace(/^\[oxtail\]\s*/, "")}`,
      fix: "set OXTAIL_TRANSPORT to fs or nats (and OXTAIL_PROJECT when the repository has no remote)",
    };
  }
  const about = transport.describe();
  if (transport.name === "fs") {
    await transport.close();
    return { status: "ok", what: "transport: fs (this machine's data directory)" };
  }
  const where = `${String(about.url)}, project ${String(about.project)} (${String(about.project_source)}), host ${String(about.host)}`;
  try {
    const listing = await Promise.race([
      transport.registry.list(),
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error("no answer")), NATS_CHECK_MS).unref(),
      ),
    ]);
    return {
      status: "ok",
      what: `transport: nats at ${where}: reachable, ${listing.records.length} agent(s) present`,
    };
  } catch (error) {
    return {
      status: "fix",
      what: `transport: nats at ${where}: ${(error as Error).message.replace(/^\[oxtail\]\s*(\[nats\]\s*)?/, "")}`,
      fix: "start nats-server with JetStream (nats-server -js) or set OXTAIL_NATS_URL / OXTAIL_NATS_CREDS (docs/several-machines.md)",
    };
  } finally {
    await transport.close().catch(() => {});
  }
}
