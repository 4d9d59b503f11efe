import type { RequestHandlerExtra } from "@modelcontextprotocol/sdk/shared/protocol.js";
import type { ServerNotification, ServerRequest } from "@modelcontextprotocol/sdk/types.js";
import { OxtailError } from "@oxtail/core";
import { DEFAULT_ASK_TIMEOUT_MS, mailboxKeyOf } from "@oxtail/core/runtime";
import type { ServerContext } from "../context.js";
import { guardAsk, recordAsk, settleAsk } from "./ask-record.js";
import { messageOut, messagesNote } from "./message-out.js";
import { deliveryOutlook } from "./outlook.js";
import { callerScope, resolvePeer } from "./peers.js";
import { ok } from "./result.js";

/** How often ask_peer sends a progress notification while it waits (keeps idle-call timeouts away). */
export const PROGRESS_EVERY_MS = 5000;

/** The wait of ask_peer: the argument, else `OXTAIL_ASK_PEER_TIMEOUT_MS`, else 45 s. */
export function askTimeout(requested: number | undefined, env: NodeJS.ProcessEnv): number {
  if (requested) return requested;
  const fromEnv = Number(env.OXTAIL_ASK_PEER_TIMEOUT_MS);
  return Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv : DEFAULT_ASK_TIMEOUT_MS;
}

/**
 * ask_peer: send, wake the peer if idle, and wait for its reply — a message from the
 * peer that was not already waiting when the question was asked (one with
 * `reply_to` = the question is preferred). On timeout the question stays delivered.
 * Cancellation claims nothing. The wake runs alongside the wait, inside the same deadline
 * (SPEC §9 "Deadlines hold"): a reply ends it early, and the result reports it either way.
 */
export async function askPeer(
  context: ServerContext,
  args: { target: string; body: string; timeout_ms?: number; idempotency_key?: string },
  extra: RequestHandlerExtra<ServerRequest, ServerNotification>,
  env: NodeJS.ProcessEnv,
) {
  const peer = await resolvePeer(context, args.target);
  const peerSession = peer.client.session_id;
  if (!peerSession) {
    throw new OxtailError(
      "peer-has-no-session-id",
      "That peer has not told oxtail its session id yet, so its reply could not be recognised. Use send_message, or ask it to run claim_session.",
    );
  }
  const inbox = context.myMailbox();
  await context.collectStrayMail();
  const waiting = (await context.mailbox.peek(inbox)).filter((m) => m.from.session_id === peerSession);
  const baseline = await context.waker.turnSignal(peer);
  // Judged before the question lands (a sleeper's wake would make the peer look busy a moment later).
  const outlook = await deliveryOutlook(context, peer, "ask", env);
  // With an idempotency key, a retry sends nothing new: it waits again for the first question's reply.
  const asked = await context.once(args.idempotency_key, "ask_peer", async () => {
    await guardAsk(context, peer);
    const question = await context.mailbox.send({
      from: context.sender(),
      fromMailbox: inbox,
      to: mailboxKeyOf(peer),
      toSessionId: peerSession,
      body: args.body,
      replyTo: null,
      project: callerScope(context).project.id,
    });
    return { question_id: question.id };
  });
  const question = { id: asked.question_id };
  // Messages from the peer that were already waiting before the question are not its reply.
  const stale = new Set(waiting.filter((m) => m.id < question.id).map((m) => m.id));
  const timeoutMs = askTimeout(args.timeout_ms, env);
  const progressToken = extra._meta?.progressToken;
  const started = Date.now();
  await recordAsk(context, peer, question.id, started + timeoutMs);
  const stopWake = new AbortController();
  const waking = context.waker.wake(peer, {
    baseline,
    deadline: started + timeoutMs,
    signal: AbortSignal.any([stopWake.signal, extra.signal]),
  });
  const progress =
    progressToken === undefined
      ? null
      : setInterval(() => {
          void extra
            .sendNotification({
              method: "notifications/progress",
              params: {
                progressToken,
                progress: Date.now() - started,
                total: timeoutMs,
                message: "waiting for the peer's reply",
              },
            })
            .catch(() => {});
        }, PROGRESS_EVERY_MS);
  try {
    const claim = await context.mailbox.waitFor(
      inbox,
      (m) => m.from.session_id === peerSession && !stale.has(m.id),
      {
        timeoutMs,
        signal: extra.signal,
        prefer: (m) => m.reply_to === question.id,
        via: "ask-reply",
      },
    );
    // The reply stays claimed until the answer reached the client; a cancel crossing it puts it back.
    const reply = claim?.messages[0] ?? null;
    await settleAsk(context, question.id, reply !== null);
    if (claim) context.delivery.hold(extra.requestId, claim);
    // A reply ends the wake (after a short last watch for the turn it proves); on a timeout the wake
    // has met the same deadline and settles by itself.
    if (reply) stopWake.abort(new Error("the peer's reply arrived"));
    const wake = await waking;
    return ok({
      question_id: question.id,
      ...(asked.replayed ? { replayed: true } : {}),
      delivery_outlook: outlook,
      timed_out: reply === null,
      reply: reply ? messageOut(reply, { redelivered: claim?.entries[0]?.redelivered }) : null,
      ...messagesNote(reply ? [reply] : []),
      wake,
    });
  } finally {
    if (progress) clearInterval(progress);
    stopWake.abort();
  }
}
