import type { ServerContext } from "../context.js";
import { ok } from "./result.js";

/** get_my_session: this record, how detection went, which adapters loaded, which transport. */
export async function getMySession(context: ServerContext) {
  const hint = context.adapterFor(context.self.client.type)?.sessionIdHint;
  return ok({
    record: context.self as unknown as Record<string, unknown>,
    ...(hint ? { session_id_hint: hint } : {}),
    detection: context.detection.map(({ adapter, strategy, found, reason }) => ({
      adapter,
      strategy,
      found,
      reason,
    })),
    adapters: context.adapters.map((a) => ({
      name: a.adapter?.name ?? a.specifier,
      loaded: a.adapter !== null,
      ...(a.error ? { error: a.error } : {}),
    })),
    transport: context.transport.describe(),
  });
}
