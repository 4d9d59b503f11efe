import type { AgentRecord } from "@oxtail/core";
import { isOxtailError } from "@oxtail/core";
import { mailboxKeyOf } from "@oxtail/core/runtime";
import type { ServerContext } from "../context.js";
import { resolveTargets } from "./broadcast.js";
import { spendRateBudget, wakeLateAsker } from "./guard.js";
import { deliveryOutlook } from "./outlook.js";
import { callerScope } from "./peers.js";
import { ok } from "./result.js";

/** The peer's session id, when it has told it (absent, not null, otherwise). */
const toSession = (peer: AgentRecord) =>
  peer.client.session_id ? { to_session_id: peer.client.session_id } : {};

/**
 * send_message: fire-and-forget to a peer in scope, or one copy each to a list of peers or to every
 * peer (`"*"`); each copy gets its own id, receipt and delivery outlook. A repeated `idempotency_key`
 * sends nothing new. Every copy goes through the loop guard.
 */
export async function sendMessage(
  context: ServerContext,
  args: { target: string | string[]; body: string; reply_to?: string; idempotency_key?: string },
  _extra: unknown,
  env: NodeJS.ProcessEnv,
) {
  // A reply proves the model read the message it answers: its delivery is confirmed now.
  if (args.reply_to) context.delivery.seen(args.reply_to);
  const { peers, broadcast } = await resolveTargets(context, args.target);
  const outlooks = await Promise.all(peers.map(({ peer }) => deliveryOutlook(context, peer, "send", env)));
  const project = callerScope(context).project.id;
  // Each copy spends the loop guard's budget for its pair, and a reply to an ask its asker gave up on
  // wakes the asker (SPEC §10).
  const sendTo = async (peer: AgentRecord) => {
    await spendRateBudget(context, peer);
    const message = await context.mailbox.send({
      from: context.sender(),
      fromMailbox: context.myMailbox(),
      to: mailboxKeyOf(peer),
      toSessionId: peer.client.session_id,
      body: args.body,
      replyTo: args.reply_to ?? null,
      project,
    });
    await wakeLateAsker(context, message, peer);
    return message;
  };
  if (!broadcast) {
    const peer = (peers[0] as { peer: AgentRecord }).peer;
    const result = await context.once(args.idempotency_key, "send_message", async () => {
      const message = await sendTo(peer);
      return { message_id: message.id, ...toSession(peer) };
    });
    return ok({ ...result, delivery_outlook: outlooks[0] });
  }
  const result = await context.once(args.idempotency_key, "send_message", async () => {
    const messages: Record<string, unknown>[] = [];
    for (const [i, { target, peer }] of peers.entries()) {
      const entry = {
        target,
        ...(peer.client.session_id && peer.client.session_id !== target ? toSession(peer) : {}),
        ...(outlooks[i] ? { delivery_outlook: outlooks[i] } : {}),
      };
      try {
        messages.push({ ...entry, message_id: (await sendTo(peer)).id });
      } catch (error) {
        // Nothing sent yet: the send itself is wrong (same for every copy), say so as the call's error.
        // A copy refused by its pair's budget, or lost to the disk, is that copy's error alone.
        const ownError = isOxtailError(error, "storage-failure") || isOxtailError(error, "rate-limited");
        if (messages.every((m) => m.message_id === null) && !ownError) throw error;
        messages.push({
          ...entry,
          message_id: null,
          error: isOxtailError(error) ? error.code : "internal-error",
          message: (error as Error)?.message ?? String(error),
        });
      }
    }
    return { messages };
  });
  return ok(result);
}
