import type { AgentRecord } from "@oxtail/core";
import { findLateAsk, type Message, mailboxKeyOf } from "@oxtail/core/runtime";
import type { ServerContext } from "../context.js";
import { callerScope } from "./peers.js";

/** How long the wake of an asker whose ask timed out may take, ms (it runs after the send answered). */
const LATE_REPLY_WAKE_MS = 30_000;

/**
 * The loop guard before an agent's message leaves (SPEC §10): one message from the pair's and the
 * project's rate budgets, or `rate-limited`. Operator messages do not come through here.
 */
export async function spendRateBudget(context: ServerContext, peer: AgentRecord): Promise<void> {
  await context.rate.spend(
    { from: context.myMailbox(), to: mailboxKeyOf(peer), project: callerScope(context).project.id },
    context.guard,
  );
}

/**
 * After a message left: when it answers an ask whose asker stopped waiting (timed out, or its server
 * went away), the asker gets it in its mailbox as usual, and is woken if it sits idle — this server
 * does that, as the replier's. The ask is then marked answered. Never fails the send.
 */
export async function wakeLateAsker(
  context: ServerContext,
  message: Message,
  peer: AgentRecord,
): Promise<void> {
  try {
    const now = Date.now();
    const ask = findLateAsk(
      await context.asks.list(),
      { from: context.myMailbox(), to: mailboxKeyOf(peer), reply_to: message.reply_to, created_ms: now },
      now,
    );
    if (!ask) return;
    await context.asks.put({ ...ask, status: "answered", updated_at: now });
    context.tracer.trace({ kind: "ask.late-reply", question_id: ask.question_id, reply: message.id });
    void context.waker
      .wake(peer, { deadline: now + LATE_REPLY_WAKE_MS })
      .then((report) =>
        context.tracer.trace({ kind: "ask.late-reply-wake", question_id: ask.question_id, ...report }),
      )
      .catch(() => {});
  } catch (error) {
    context.tracer.trace({ kind: "ask.late-reply-failed", error: String(error) });
  }
}
