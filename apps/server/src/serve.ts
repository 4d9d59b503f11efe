import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { createTracer, ensurePrivateDir, resolveHome } from "@oxtail/core";
import tmuxWake from "@oxtail/wake-tmux";
import { configuredAdapters, loadAdapters } from "./adapters.js";
import { createContext, readVersion } from "./context.js";
import { detectIdentity, identityFromMeta, scheduleRedetection } from "./identity.js";
import { createMcpServer } from "./server.js";

/** Serve MCP over stdio until the client goes away. Registers this instance and unregisters at exit. */
export async function serve(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  // stdout carries JSON-RPC only: anything else a library prints goes to stderr.
  console.log = console.error;
  console.info = console.error;
  console.warn = console.error;

  const home = resolveHome(env);
  ensurePrivateDir(home);
  const tracer = createTracer(env.MCP_TRACE_FILE);
  const version = readVersion();
  const cwd = process.cwd();
  const { names, problems } = configuredAdapters(home, env);
  const adapters = await loadAdapters(names, [cwd, path.dirname(new URL(import.meta.url).pathname)]);
  for (const problem of problems) process.stderr.write(`[oxtail] config: ${problem}\n`);
  for (const failed of adapters.filter((a) => !a.adapter))
    process.stderr.write(`[oxtail] adapter ${failed.specifier} skipped: ${failed.error}\n`);

  const context = createContext({
    home,
    version,
    cwd,
    tracer,
    adapters,
    wakeStrategies: [tmuxWake(), ...adapters.flatMap((a) => a.adapter?.wakeStrategies ?? [])],
    env,
  });
  await detectIdentity(context, env).catch((error) =>
    tracer.trace({ kind: "identity.failed", error: String(error) }),
  );
  await context.registry.register(context.self);
  warnIfHookMissing(context.self.client.type, env);
  tracer.trace({
    kind: "server.started",
    instance_id: context.self.instance_id,
    version,
    adapters: adapters.map((a) => a.specifier),
  });

  let detectedAfterInit = false;
  const beforeCall = async (meta: Record<string, unknown> | undefined) => {
    if (meta) await identityFromMeta(context, meta);
    if (!context.self.client.session_id || !detectedAfterInit) {
      detectedAfterInit = true;
      await detectIdentity(context, env).catch(() => {});
    }
  };
  const server = createMcpServer(context, env, beforeCall);
  server.server.oninitialized = () => {
    const info = server.server.getClientVersion();
    context.clientInfo = info ? { name: info.name, version: info.version } : null;
    void detectIdentity(context, env)
      .then(() => {
        detectedAfterInit = true;
      })
      .catch(() => {});
  };
  const stopRedetect = scheduleRedetection(context, env);

  let closing = false;
  const shutdown = async (reason: string) => {
    if (closing) return;
    closing = true;
    stopRedetect();
    tracer.trace({ kind: "server.stopping", reason });
    // Replies ask_peer returned and still holds: no cancel came for them, so they are delivered.
    await Promise.all([...context.heldReplies].map((settle) => settle().catch(() => {})));
    await context.registry.unregister(context.self.instance_id).catch(() => {});
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGHUP", () => void shutdown("SIGHUP"));
  process.stdin.on("end", () => void shutdown("stdin closed"));
  process.stdin.on("close", () => void shutdown("stdin closed"));
  const transport = new StdioServerTransport();
  transport.onclose = () => void shutdown("transport closed");
  await server.connect(transport);
  // Remember which requests the client cancels, also after they were answered: a cancel can cross
  // ask_peer's answer, and the client then drops the answer (ask_peer then puts its reply back).
  const deliver = transport.onmessage;
  transport.onmessage = (message) => {
    if ("method" in message && message.method === "notifications/cancelled") {
      const id = (message.params as { requestId?: unknown } | undefined)?.requestId;
      if (typeof id === "string" || typeof id === "number") {
        context.cancelledRequests.add(id);
        if (context.cancelledRequests.size > 1000) {
          const oldest = context.cancelledRequests.values().next().value;
          if (oldest !== undefined) context.cancelledRequests.delete(oldest);
        }
      }
    }
    deliver?.(message);
  };
}

/** Say once on stderr when the detected client has no oxtail hook installed (mail then waits for read_my_messages). */
function warnIfHookMissing(client: string | null, env: NodeJS.ProcessEnv): void {
  const home = env.HOME ?? os.homedir();
  const file =
    client === "claude"
      ? path.join(env.CLAUDE_CONFIG_DIR ?? path.join(home, ".claude"), "settings.json")
      : client === "codex"
        ? path.join(env.CODEX_HOME ?? path.join(home, ".codex"), "hooks.json")
        : null;
  if (!file) return;
  let text = "";
  try {
    text = fs.readFileSync(file, "utf8");
  } catch {
    // no file: no hook
  }
  if (!text.includes("oxtail-hook")) {
    process.stderr.write(
      `[oxtail] the oxtail hook is not installed for ${client} (${file}): peers' messages wait until read_my_messages is called. Run: oxtail install-hook --${client}\n`,
    );
  }
}
