import { mailboxKeyOf } from "@oxtail/core/runtime";
import type { ServerContext } from "../context.js";
import { spendRateBudget, wakeLateAsker } from "./guard.js";
import { resolvePeer } from "./peers.js";
import { ok } from "./result.js";

/** send_message: fire-and-forget to a peer in scope; a repeated `idempotency_key` sends nothing new. */
export async function sendMessage(
  context: ServerContext,
  args: { target: string; body: string; reply_to?: string; idempotency_key?: string },
) {
  const peer = await resolvePeer(context, args.target);
  const result = await context.once(args.idempotency_key, "send_message", async () => {
    await spendRateBudget(context, peer);
    const message = await context.mailbox.send({
      from: context.sender(),
      fromMailbox: context.myMailbox(),
      to: mailboxKeyOf(peer),
      toSessionId: peer.client.session_id,
      body: args.body,
      replyTo: args.reply_to ?? null,
    });
    await wakeLateAsker(context, message, peer);
    return { message_id: message.id, to_session_id: peer.client.session_id };
  });
  return ok(result);
}
