import type { RequestHandlerExtra } from "@modelcontextprotocol/sdk/shared/protocol.js";
import type {
  CallToolRequest,
  CallToolResult,
  ServerNotification,
  ServerRequest,
} from "@modelcontextprotocol/sdk/types.js";
import { OxtailError, type OxtailErrorCode } from "@oxtail/core";
import { TOOL_CONTRACTS, type ToolContract, type ToolName } from "@oxtail/core/runtime";
import type { z } from "zod";
import type { ServerContext } from "./context.js";
import { askPeer } from "./tools/ask-peer.js";
import { claimSession } from "./tools/claim-session.js";
import { getMySession } from "./tools/get-my-session.js";
import { listProjectSessions } from "./tools/list-project-sessions.js";
import { messageStatus } from "./tools/message-status.js";
import { readMyMessages } from "./tools/read-my-messages.js";
import { readSession } from "./tools/read-session.js";
import { registerMySession } from "./tools/register-my-session.js";
import { fail } from "./tools/result.js";
import { sendMessage } from "./tools/send-message.js";
import { setMyState } from "./tools/set-my-state.js";
import { wakeStatus } from "./tools/wake-status.js";

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;
/** A tool handler; `never` arguments accept every handler, each checked by its zod contract first. */
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
  message_status: messageStatus,
};

/**
 * Arguments that fail a tool's schema: `invalid-input` in the contract's shape (or the contract's
 * more precise code for the field, e.g. `body-too-large`), with what to fix.
 */
function invalidInput(name: ToolName, error: z.ZodError): OxtailError {
  const issues = error.issues.map((issue) => ({
    path: issue.path.join(".") || "(arguments)",
    message: issue.message,
  }));
  const fieldErrors: Readonly<Record<string, OxtailErrorCode>> =
    (TOOL_CONTRACTS[name] as ToolContract).fieldErrors ?? {};
  // A value over a field's limit gets the field's code; a missing or mistyped one stays invalid-input.
  const field = error.issues
    .filter((issue) => issue.code === "too_big" || issue.code === "custom")
    .map((issue) => String(issue.path[0] ?? ""))
    .find((f) => Object.hasOwn(fieldErrors, f));
  return new OxtailError(
    field ? (fieldErrors[field] as OxtailErrorCode) : "invalid-input",
    `Invalid arguments for ${name}: ${issues.map((i) => `${i.path}: ${i.message}`).join("; ")}. See the tool's input schema.`,
    { data: { issues } },
  );
}

/**
 * The tool calls of one server: each checked against its contract (failures are `invalid-input`
 * results), run by its handler, and answered with a result — never a crash or a bare protocol error.
 * Whatever a call claimed goes back when it fails or the client cancels it.
 */
export function createToolCaller(
  context: ServerContext,
  env: NodeJS.ProcessEnv,
  beforeCall: (meta: Record<string, unknown> | undefined) => Promise<void>,
): (request: CallToolRequest, extra: Extra) => Promise<CallToolResult> {
  return async (request, extra) => {
    const name = request.params.name;
    const started = Date.now();
    const trace = (ok: boolean, error?: string) =>
      context.tracer.trace({
        kind: "tool",
        tool: name,
        ok,
        ms: Date.now() - started,
        ...(error ? { error } : {}),
      });
    if (!Object.hasOwn(HANDLERS, name)) {
      trace(false, "unknown tool");
      return fail(
        new OxtailError(
          "invalid-input",
          `There is no tool ${JSON.stringify(name.slice(0, 80))}. Call tools/list.`,
        ),
      );
    }
    const tool = name as ToolName;
    const parsed = TOOL_CONTRACTS[tool].input.safeParse(request.params.arguments ?? {});
    if (!parsed.success) {
      trace(false, "invalid-input");
      return fail(invalidInput(tool, parsed.error));
    }
    try {
      await beforeCall(extra._meta as Record<string, unknown> | undefined);
      const result = await HANDLERS[tool](context, parsed.data as never, extra, env);
      trace(!result.isError);
      if (result.isError) context.delivery.abandon(extra.requestId, "the call failed");
      return result;
    } catch (error) {
      trace(false, String((error as Error)?.message ?? error));
      context.delivery.abandon(extra.requestId, "the call failed");
      return fail(error);
    } finally {
      // A call aborted by the client gets no answer: whatever it claimed goes back.
      if (extra.signal.aborted) context.delivery.abandon(extra.requestId, "the client cancelled the call");
    }
  };
}
