import { type Message, mailboxKeyOf } from "@oxtail/core";
import type { ServerContext } from "../context.js";
import { resolvePeer } from "./peers.js";
import { ok } from "./result.js";

/** A message as a tool returns it. */
export function messageOut(m: Message) {
  return {
    id: m.id,
    from: {
      session_id: m.from.session_id,
      client_type: m.from.client_type,
      display_name: m.from.display_name,
    },
    body: m.body,
    reply_to: m.reply_to,
    created_at: m.created_at,
  };
}

/** send_message: fire-and-forget to a peer in scope. */
export async function sendMessage(
  context: ServerContext,
  args: { target: string; body: string; reply_to?: string },
) {
  const peer = await resolvePeer(context, args.target);
  const message = await context.mailbox.send({
    from: context.sender(),
    fromMailbox: context.myMailbox(),
    to: mailboxKeyOf(peer),
    toSessionId: peer.client.session_id,
    body: args.body,
    replyTo: args.reply_to ?? null,
  });
  return ok({ message_id: message.id, to_session_id: peer.client.session_id });
}

/** read_my_messages: return and consume this agent's mail, oldest first. */
export async function readMyMessages(context: ServerContext) {
  const claim = await context.mailbox.drain(context.myMailbox());
  const messages = claim.messages.map(messageOut);
  await claim.ack();
  return ok({ messages });
}
