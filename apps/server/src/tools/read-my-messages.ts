import type { RequestHandlerExtra } from "@modelcontextprotocol/sdk/shared/protocol.js";
import type { ServerNotification, ServerRequest } from "@modelcontextprotocol/sdk/types.js";
import { DEFAULT_READ_MAX_BYTES, DEFAULT_READ_MAX_MESSAGES } from "@oxtail/core/runtime";
import type { ServerContext } from "../context.js";
import { messageOut, messagesNote } from "./message-out.js";
import { ok } from "./result.js";

/**
 * read_my_messages: this agent's mail, oldest first, at most `max_messages` / `max_bytes` of it,
 * with how many still wait. The messages stay claimed until the answer has reached the client
 * (the delivery ledger acknowledges them then, or puts them back on a cancel or a failure).
 */
export async function readMyMessages(
  context: ServerContext,
  args: { max_messages?: number; max_bytes?: number },
  extra: RequestHandlerExtra<ServerRequest, ServerNotification>,
) {
  await context.collectStrayMail();
  const claim = await context.mailbox.claim(context.myMailbox(), {
    maxMessages: args.max_messages ?? DEFAULT_READ_MAX_MESSAGES,
    maxBytes: args.max_bytes ?? DEFAULT_READ_MAX_BYTES,
    via: "read_my_messages",
  });
  context.delivery.hold(extra.requestId, claim);
  return ok({
    messages: claim.entries.map((e) => messageOut(e.message, { redelivered: e.redelivered })),
    remaining: claim.remaining,
    ...messagesNote(claim.messages),
  });
}
