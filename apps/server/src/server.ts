import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { RequestHandlerExtra } from "@modelcontextprotocol/sdk/shared/protocol.js";
import type { CallToolResult, ServerNotification, ServerRequest } from "@modelcontextprotocol/sdk/types.js";
import { TOOL_CONTRACTS, type ToolName } from "@oxtail/core";
import type { ServerContext } from "./context.js";
import { askPeer, wakeStatus } from "./tools/ask-peer.js";
import { claimSession, getMySession, registerMySession, setMyState } from "./tools/identity-tools.js";
import { listProjectSessions } from "./tools/list-project-sessions.js";
import { readMyMessages, sendMessage } from "./tools/messaging.js";
import { readSession } from "./tools/read-session.js";
import { fail } from "./tools/result.js";

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;
/** registerTool with one signature for every contract (the SDK's generics cannot see through a union of them). */
type RegisterTool = (
  name: string,
  config: {
    title: string;
    description: string;
    inputSchema: object;
    outputSchema: object;
    annotations: object;
  },
  callback: (args: never, extra: Extra) => Promise<CallToolResult>,
) => unknown;
/** A tool handler; `never` arguments accept every handler, each checked by its zod contract. */
type Handler = (
  context: ServerContext,
  args: never,
  extra: Extra,
  env: NodeJS.ProcessEnv,
) => Promise<CallToolResult>;

/** Each tool of SPEC §3 and its handler. Schemas, descriptions and annotations come from core. */
const HANDLERS: Record<ToolName, Handler> = {
  list_project_sessions: listProjectSessions,
  read_session: readSession,
  claim_session: claimSession,
  set_my_state: setMyState,
  send_message: sendMessage,
  read_my_messages: readMyMessages,
  ask_peer: askPeer,
  register_my_session: registerMySession,
  get_my_session: getMySession,
  wake_status: wakeStatus,
};

/** The MCP server: every tool wired to its handler; errors become results, never crashes. */
export function createMcpServer(
  context: ServerContext,
  env: NodeJS.ProcessEnv,
  beforeCall: (meta: Record<string, unknown> | undefined) => Promise<void>,
): McpServer {
  const server = new McpServer(
    { name: "oxtail", version: context.version },
    {
      instructions:
        "oxtail: see and talk to the other coding agents working in this project. Start with list_project_sessions.",
    },
  );
  for (const name of Object.keys(HANDLERS) as ToolName[]) {
    const contract = TOOL_CONTRACTS[name];
    const handler = HANDLERS[name];
    (server.registerTool.bind(server) as unknown as RegisterTool)(
      name,
      {
        title: contract.title,
        description: contract.description,
        inputSchema: contract.input.shape,
        outputSchema: contract.output.shape,
        annotations: contract.annotations,
      },
      async (args: unknown, extra: Extra) => {
        const started = Date.now();
        try {
          await beforeCall(extra._meta as Record<string, unknown> | undefined);
          const result = await handler(context, args as never, extra, env);
          context.tracer.trace({ kind: "tool", tool: name, ok: !result.isError, ms: Date.now() - started });
          return result;
        } catch (error) {
          context.tracer.trace({
            kind: "tool",
            tool: name,
            ok: false,
            error: String((error as Error)?.message ?? error),
            ms: Date.now() - started,
          });
          return fail(error);
        }
      },
    );
  }
  return server;
}
