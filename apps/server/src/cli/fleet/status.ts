// `oxtail status [--json] [--all]`: the fleet model, read once and printed.
import type { ClientAdapter } from "@oxtail/core";
import { createTracer } from "@oxtail/core/runtime";
import { createFleetReader } from "@oxtail/fleet";
import { configuredTransport } from "../../transport-config.js";
import { stallMsFrom } from "./stall.js";
import { statusText } from "./text.js";

/** What `oxtail status` needs. */
export interface StatusContext {
  adapters: readonly ClientAdapter[];
  oxtailHome: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  out(text: string): void;
  json: boolean;
  all: boolean;
  /** The terminal's width, when stdout is one. */
  columns?: number;
}

/**
 * Print the fleet once: text for a person, or the versioned JSON shape of docs/fleet.md. Read from the
 * transport the environment selects (`OXTAIL_TRANSPORT`): with NATS, other machines' agents too.
 */
export async function runStatus(context: StatusContext): Promise<number> {
  const tracer = createTracer(context.env.MCP_TRACE_FILE);
  const transport = await configuredTransport(context.env, context.oxtailHome, context.cwd, tracer);
  const state = await createFleetReader({
    home: context.oxtailHome,
    cwd: context.cwd,
    all: context.all,
    adapters: context.adapters,
    ...stallMsFrom(context.env),
    tracer,
    transport,
  })
    .read()
    .finally(() => transport.close().catch(() => {}));
  if (context.json) context.out(`${JSON.stringify(state, null, 2)}\n`);
  else context.out(statusText(state, { now: Date.now(), columns: context.columns ?? 160 }));
  return 0;
}
