import type { AgentRecord } from "@oxtail/core";
import { assertNoAskCycle, mailboxKeyOf } from "@oxtail/core/runtime";
import { displayName, type ServerContext } from "../context.js";
import { spendRateBudget } from "./guard.js";

const asker = (context: ServerContext) => ({
  mailbox: context.myMailbox(),
  display_name: displayName(context.self),
});
const targetOf = (peer: AgentRecord) => ({ mailbox: mailboxKeyOf(peer), display_name: displayName(peer) });

/**
 * The loop guard before a new question leaves: an ask that would close a cycle of waiting asks is
 * `ask-cycle` (with the chain); then one message from the rate budget (`rate-limited`).
 */
export async function guardAsk(context: ServerContext, peer: AgentRecord): Promise<void> {
  await assertNoAskCycle(context.asks, asker(context), targetOf(peer));
  await spendRateBudget(context, peer);
}

/**
 * Put the ask on disk while its asker waits (SPEC §10, durable asks): a new question, or a retry with
 * the same idempotency key resuming the wait for the same question (after a restart of this server,
 * or a client's retry), which moves its deadline.
 */
export async function recordAsk(
  context: ServerContext,
  peer: AgentRecord,
  questionId: string,
  deadline: number,
): Promise<void> {
  const now = Date.now();
  const known = await context.asks.get(questionId);
  await context.asks.put({
    v: 1,
    question_id: questionId,
    asker: asker(context),
    target: targetOf(peer),
    created_at: known?.created_at ?? now,
    deadline,
    status: "waiting",
    updated_at: now,
  });
}

/**
 * The wait ended: answered (the record goes), or not (timed out or cancelled: the record stays as
 * `timed-out`, so the peer's late reply wakes this agent). Never fails the call.
 */
export async function settleAsk(
  context: ServerContext,
  questionId: string,
  answered: boolean,
): Promise<void> {
  try {
    if (answered) {
      await context.asks.remove(questionId);
      return;
    }
    const ask = await context.asks.get(questionId);
    if (ask?.status === "waiting")
      await context.asks.put({ ...ask, status: "timed-out", updated_at: Date.now() });
  } catch (error) {
    context.tracer.trace({ kind: "ask.settle-failed", question_id: questionId, error: String(error) });
  }
}
