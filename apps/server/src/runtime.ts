import os from "node:os";
import type { RequestHandlerExtra } from "@modelcontextprotocol/sdk/shared/protocol.js";
import type {
  CallToolRequest,
  CallToolResult,
  ServerNotification,
  ServerRequest,
} from "@modelcontextprotocol/sdk/types.js";
import { isOxtailError, resolveHome } from "@oxtail/core";
import { createTracer, ensurePrivateDir, keepArrivalHints } from "@oxtail/core/runtime";
import tmuxWake from "@oxtail/wake-tmux";
import { loadConfiguredAdapters } from "./adapters.js";
import { createContext, type ServerContext } from "./context.js";
import type { DeliveryLedger } from "./delivery.js";
import { detectIdentity, identityFromMeta, scheduleRedetection } from "./identity.js";
import { createToolCaller } from "./tool-calls.js";
import { hookState, peerLiveness } from "./tools/outlook.js";
import { readPane, readTurns } from "./tools/read-session.js";
import { configuredTransport } from "./transport-config.js";
import { readVersion } from "./version.js";

/** What the running server does after its handshake: tool calls, and stopping. */
export interface Runtime {
  context: ServerContext;
  call(
    request: CallToolRequest,
    extra: RequestHandlerExtra<ServerRequest, ServerNotification>,
  ): Promise<CallToolResult>;
  /** The MCP initialize clientInfo arrived. */
  initialized(info: { name: string; version?: string } | null): void;
  /** Stop: settle held mail, unregister. */
  stop(reason: string): Promise<void>;
}

/**
 * Everything behind the handshake: the data directory, the adapters (built-in and configured), this
 * instance's detection and registration, and the tool calls. Started once the MCP handshake can be
 * answered; every tool call waits for detection and registration (`context.ready`).
 */
export async function startRuntime(env: NodeJS.ProcessEnv, delivery: DeliveryLedger): Promise<Runtime> {
  const home = resolveHome(env);
  try {
    ensurePrivateDir(home);
  } catch (error) {
    // Not a private folder of ours (a FIFO, a file, someone else's): nothing can work, say so and stop.
    if (isOxtailError(error, "unsafe-path")) {
      process.stderr.write(`[oxtail] ${(error as Error).message}\n`);
      process.exit(78);
    }
    // A folder that cannot be written (read-only, full): the calls that write fail with their code,
    // the others still answer.
    process.stderr.write(`[oxtail] ${(error as Error).message}\n`);
  }
  const tracer = createTracer(env.MCP_TRACE_FILE);
  delivery.useTracer(tracer);
  const version = readVersion();
  const cwd = process.cwd();
  let transport: Awaited<ReturnType<typeof configuredTransport>>;
  try {
    transport = await configuredTransport(env, home, cwd, tracer);
  } catch (error) {
    // A transport that cannot be set up (unknown name, no shared project name): say so and stop.
    process.stderr.write(`[oxtail] ${(error as Error).message}\n`);
    process.exit(78);
  }
  const context = createContext({
    home,
    version,
    cwd,
    tracer,
    wakeStrategies: [tmuxWake()],
    env,
    delivery,
    transport,
  });
  let stopServingWakes = () => {};
  let stopHints = () => {};
  let stopping = false;
  let stopRedetect = () => {};
  let detectedAfterInit = false;
  const beforeCall = async (meta: Record<string, unknown> | undefined) => {
    await context.ready;
    if (meta) await identityFromMeta(context, meta);
    if (!context.self.client.session_id || !detectedAfterInit) {
      detectedAfterInit = true;
      await detectIdentity(context, env).catch(() => {});
    }
  };
  context.ready = (async () => {
    const { adapters, problems } = await loadConfiguredAdapters(home, env, cwd);
    for (const problem of problems) process.stderr.write(`[oxtail] config: ${problem}\n`);
    for (const failed of adapters.filter((a) => !a.adapter))
      process.stderr.write(`[oxtail] adapter ${failed.specifier} skipped: ${failed.error}\n`);
    context.addAdapters(adapters);
    await detectIdentity(context, env).catch((error) =>
      tracer.trace({ kind: "identity.failed", error: String(error) }),
    );
    if (stopping) return;
    try {
      await context.registry.register(context.self);
    } catch (error) {
      // Peers cannot see this agent (a read-only or full data directory), but it still serves.
      tracer.trace({ kind: "server.register-failed", error: String(error) });
      process.stderr.write(`[oxtail] could not register this agent: ${(error as Error).message}\n`);
    }
    stopRedetect = scheduleRedetection(context, env);
    // Another machine asks this server to wake its own agent: the local wake path does it.
    stopServingWakes =
      transport.serveWakes?.(context.self.instance_id, {
        wake: (deadline) => context.waker.wake(context.self, { deadline }),
        status: (deadline) => context.waker.status(context.self, { deadline }),
        liveness: () => peerLiveness(context, context.self),
        hooks: () => hookState(context, context.self, env).then((h) => h.state),
        turns: (limit) => readTurns(context, context.self, limit),
        pane: (lines) => readPane(context, context.self, lines),
      }) ?? stopServingWakes;
    // Mail kept outside the data directory (NATS): the hook program's front and a sleeper, which cost
    // nothing while nothing waits, look at the hint this server keeps of its own mailbox.
    if (transport.name !== "fs")
      stopHints = keepArrivalHints({
        home,
        store: transport.mailbox,
        key: () => context.myMailbox(),
        session: () => context.self.client.session_id,
        ...(transport.environment ? { environment: transport.environment() } : {}),
        tracer,
      });
    void warnIfNotSetUp(context, env);
    tracer.trace({
      kind: "server.started",
      instance_id: context.self.instance_id,
      version,
      adapters: adapters.map((a) => a.specifier),
    });
  })();
  context.ready.catch((error) => tracer.trace({ kind: "server.start-failed", error: String(error) }));
  return {
    context,
    call: createToolCaller(context, env, beforeCall),
    initialized(info) {
      context.clientInfo = info;
      void context.ready
        .then(() => detectIdentity(context, env))
        .then(() => {
          detectedAfterInit = true;
        })
        .catch(() => {});
    },
    async stop(reason) {
      stopping = true;
      stopRedetect();
      tracer.trace({ kind: "server.stopping", reason });
      await context.ready.catch(() => {});
      await context.registry.unregister(context.self.instance_id).catch(() => {});
      stopServingWakes();
      stopHints();
      await transport.close().catch(() => {});
    },
  };
}

/**
 * Say once on stderr when the detected client's adapter has hooks and onboarding but oxtail is not set
 * up for it (peers' messages then wait until read_my_messages is called).
 */
async function warnIfNotSetUp(context: ServerContext, env: NodeJS.ProcessEnv): Promise<void> {
  const adapter = context.adapterFor(context.self.client.type);
  if (!adapter?.capabilities.hooks || !adapter.onboarding) return;
  const configured = await adapter.onboarding
    .configured({
      env,
      home: env.HOME ?? os.homedir(),
      cwd: context.cwd,
      project: false,
      hooksOnly: true,
      server: { command: process.execPath, args: [] },
      hookProgram: "",
      options: {},
    })
    .catch(() => true);
  if (!configured)
    process.stderr.write(
      `[oxtail] oxtail's hooks are not set up for ${adapter.displayName}: peers' messages wait until read_my_messages is called. Run: oxtail setup --${adapter.name}\n`,
    );
}
