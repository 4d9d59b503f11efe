// The `oxtail` MCP server's start-up. It answers the handshake (`initialize`, `tools/list`) with as
// little loaded as possible — the SDK's Protocol (tool-server.ts), the line transport and the tool list the build wrote —
// and loads everything else (core, adapters, detection, registration) right after: start-up time is a
// service level (SPEC §8, `npm run bench -- startup`).
import {
  CallToolRequestSchema,
  type JSONRPCMessage,
  ListToolsRequestSchema,
} from "@modelcontextprotocol/sdk/types.js";
import { DeliveryLedger } from "./delivery.js";
import type { Runtime } from "./runtime.js";
import { INSTRUCTIONS, loadToolList } from "./tool-list.js";
import { ToolServer } from "./tool-server.js";
import { LineTransport, MAX_REQUEST_BYTES, type OversizedRequest } from "./transport.js";
import { readVersion } from "./version.js";

/** Serve MCP over stdio until the client goes away. Registers this instance and unregisters at exit. */
export async function serve(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  // stdout carries JSON-RPC only: anything else a library prints goes to stderr.
  console.log = console.error;
  console.info = console.error;
  console.warn = console.error;

  const delivery = new DeliveryLedger();
  const server = new ToolServer(
    { name: "oxtail", version: readVersion() },
    { capabilities: { tools: {} }, instructions: INSTRUCTIONS },
  );
  const tools = loadToolList();
  let runtime: Promise<Runtime> | null = null;
  const started = () => {
    runtime ??= import("./runtime.js").then((m) => m.startRuntime(env, delivery));
    return runtime;
  };
  server.setRequestHandler(ListToolsRequestSchema, async () => {
    // Traced (when a trace file is set): a client lists the tools when it has connected the server,
    // which clients do in the background; before that its model is offered none of them.
    if (env.MCP_TRACE_FILE)
      void started()
        .then((r) => r.context.tracer.trace({ kind: "mcp.tools-listed" }))
        .catch(() => {});
    return { tools: await tools };
  });
  server.setRequestHandler(CallToolRequestSchema, async (request, extra) =>
    (await started()).call(request, extra),
  );
  server.oninitialized = () => {
    const info = server.getClientVersion();
    void started().then((r) => r.initialized(info ? { name: info.name, version: info.version } : null));
  };

  let closing = false;
  const shutdown = async (reason: string) => {
    if (closing) return;
    closing = true;
    // Messages in answers not yet written, or written but not yet acknowledged, go back (at least once).
    await delivery.shutdown().catch(() => {});
    if (runtime) await (await runtime).stop(reason).catch(() => {});
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGHUP", () => void shutdown("SIGHUP"));
  process.stdin.on("end", () => void shutdown("stdin closed"));
  process.stdin.on("close", () => void shutdown("stdin closed"));
  const transport = new LineTransport({ answerOversized });
  transport.onclose = () => void shutdown("transport closed");
  delivery.attach(transport);
  await server.connect(transport);
  // Outermost on the transport: a malformed tools/call never reaches the SDK, which would answer it
  // with a bare protocol error (-32603 and a schema dump) instead of the contract's shape.
  const next = transport.onmessage;
  transport.onmessage = (message: JSONRPCMessage) => {
    const answer = answerMalformedToolCall(message);
    if (!answer) return next?.(message);
    void transport.send(answer).catch(() => {});
  };
  // Detection and registration start now, not at the first tool call: peers should see this agent.
  void started();
}

/** A tool result in the contract's error shape (`{ ok: false, error, message }`), built without core. */
function errorResult(error: string, message: string, data?: Record<string, unknown>) {
  const body = { ok: false, error, message, ...(data ? { data } : {}) };
  return { isError: true, content: [{ type: "text", text: JSON.stringify(body) }] };
}

/**
 * The answer to a tools/call request malformed beyond its arguments' schema (no tool name, arguments
 * that are not an object): `invalid-input`; null for every other message.
 */
function answerMalformedToolCall(message: JSONRPCMessage): JSONRPCMessage | null {
  if (!("method" in message) || message.method !== "tools/call" || !("id" in message)) return null;
  const params = message.params as Record<string, unknown> | undefined;
  const args = params?.arguments;
  const problem =
    typeof params?.name !== "string"
      ? "params.name must be the name of a tool"
      : args !== undefined && (args === null || typeof args !== "object" || Array.isArray(args))
        ? "params.arguments must be an object"
        : null;
  if (!problem) return null;
  return {
    jsonrpc: "2.0",
    id: message.id,
    result: errorResult(
      "invalid-input",
      `Invalid tools/call request: ${problem}. Call tools/list for the tools.`,
    ),
  } as JSONRPCMessage;
}

/**
 * A request too large to read: a tool call gets `body-too-large` as its result (the contract's
 * error shape, written here so that this path loads nothing more); anything else a JSON-RPC error.
 */
function answerOversized(request: OversizedRequest): JSONRPCMessage | null {
  if (request.id === null) return null;
  const message = `The request is ${request.bytes} bytes; oxtail reads at most ${MAX_REQUEST_BYTES}. A message body may be 8 KiB: send a path to a file instead.`;
  if (request.method === "tools/call") {
    const result = errorResult("body-too-large", message, { bytes: request.bytes, limit: MAX_REQUEST_BYTES });
    return { jsonrpc: "2.0", id: request.id, result } as JSONRPCMessage;
  }
  return { jsonrpc: "2.0", id: request.id, error: { code: -32600, message } };
}
