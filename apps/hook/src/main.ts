// The Node part of oxtail-hook: `main.mjs <adapter> <event> [<mode>]`, stdin = the client's hook JSON
// (all of it: the shell front either leaves stdin unread or passes on what it read, then the rest).
// It loads the adapter named on the command line and does what that adapter declares for the event.
// On any internal error it prints nothing and exits 0 (traced when MCP_TRACE_FILE is set): a hook
// never breaks its client. Mail is acknowledged only once the answer carrying it was written; on a
// failed write, an error or a termination signal it goes back (a SIGKILL leaves a claim that the
// next reader recovers).
import path from "node:path";
import { type HookMode, resolveHome } from "@oxtail/core";
import {
  builtinAdapters,
  configuredAdapters,
  createFsTransport,
  createTracer,
  loadAdapterNamed,
  readSessionTransport,
  type Transport,
  transportNameOf,
} from "@oxtail/core/runtime";
import { handleHook } from "./handle.js";

const tracer = createTracer(process.env.MCP_TRACE_FILE);
const [adapterName = "", event = "", modeArg] = process.argv.slice(2);
const MODES: readonly string[] = ["deliver", "record", "wake"];
const mode = MODES.includes(modeArg ?? "") ? (modeArg as HookMode) : undefined;
/** How long a first connection to NATS is tried: the client waits for its hook meanwhile (ms). */
const NATS_CONNECT_TIMEOUT_MS = 2000;

/**
 * The session's mail where its server keeps it (SPEC §12): the transport the client's environment
 * names (`OXTAIL_TRANSPORT`), else the one the session's server recorded for it (its variables may be
 * set only in the MCP server entry), else the data directory. NATS is read as the session's own reader
 * (with per-agent credentials, a user that may read this mailbox only); its client loads only then.
 */
async function openTransport(home: string, mailbox: string, cwd: string): Promise<Transport> {
  const env = process.env.OXTAIL_TRANSPORT?.trim()
    ? process.env
    : { ...process.env, ...(readSessionTransport(home, mailbox) ?? {}) };
  if (transportNameOf(env) === "fs") return createFsTransport({ home, tracer });
  const { natsTransportFromEnv } = await import("@oxtail/transport-nats");
  return natsTransportFromEnv(env, {
    home,
    cwd,
    reads: [mailbox],
    connectTimeoutMs: NATS_CONNECT_TIMEOUT_MS,
  });
}

/** What to do with held mail if this process is told to stop before it settled it. */
let onTerminate: (() => Promise<void>) | null = null;
for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"] as const) {
  process.on(signal, () => {
    const settle = onTerminate;
    onTerminate = null;
    // release() renames synchronously before its promise settles, so exiting right after is safe.
    void settle?.();
    process.exit(0);
  });
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** Write `text` to `stream`; resolves true once it was handed to the OS, false if that failed. */
function writeFully(stream: NodeJS.WriteStream, text: string): Promise<boolean> {
  return new Promise((resolve) => {
    // A closed pipe reports EPIPE as an 'error' event too; without a listener it would crash.
    stream.on("error", () => resolve(false));
    try {
      stream.write(text, (error) => resolve(!error));
    } catch {
      resolve(false);
    }
  });
}

try {
  const text = await readStdin();
  let payload: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(text || "{}");
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed))
      payload = parsed as Record<string, unknown>;
  } catch {
    // not JSON: the adapter may still find the session in the environment
  }
  const home = resolveHome(process.env);
  const packageDir = path.resolve(import.meta.dirname, "..");
  const { names } = configuredAdapters(home, process.env, builtinAdapters(packageDir));
  const adapter = await loadAdapterNamed(adapterName, names, [process.cwd(), packageDir]);
  if (!adapter) {
    tracer.trace({ kind: "hook.no-adapter", adapter: adapterName, event });
  } else {
    const result = await handleHook({
      adapter,
      event,
      mode,
      payload,
      env: process.env,
      home,
      tracer,
      openTransport: (mailbox, cwd) => openTransport(home, mailbox, cwd),
    });
    const { stdout, stderr, exitCode } = result.answer;
    if (stdout === undefined && stderr === undefined) {
      process.exit(0);
    }
    onTerminate = result.undelivered;
    const written =
      (stdout === undefined ||
        (await writeFully(process.stdout, stdout.endsWith("\n") ? stdout : `${stdout}\n`))) &&
      (stderr === undefined ||
        (await writeFully(process.stderr, stderr.endsWith("\n") ? stderr : `${stderr}\n`)));
    onTerminate = null;
    await (written ? result.delivered() : result.undelivered());
    if (!written) tracer.trace({ kind: "hook.undelivered", adapter: adapterName, event });
    process.exit(written ? exitCode : 0);
  }
} catch (error) {
  tracer.trace({
    kind: "hook.failed",
    adapter: adapterName,
    event,
    error: String((error as Error)?.stack ?? error),
  });
}
process.exit(0);
