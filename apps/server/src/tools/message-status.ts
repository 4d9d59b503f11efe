import { isOxtailError, OxtailError } from "@oxtail/core";
import { expiryOf, isMessageId, type MailboxKey, mailboxKeyOf, type Receipt } from "@oxtail/core/runtime";
import type { ServerContext } from "../context.js";
import { callerScope } from "./peers.js";
import { ok } from "./result.js";

type Entry =
  | ReturnType<typeof receiptOut>
  | { id: string; error: "not-found" | "out-of-scope" | "invalid-input"; message: string };

/** A receipt as the model reads it: what did not happen (yet) is absent, not null. */
function receiptOut(r: Receipt) {
  return {
    id: r.id,
    state: r.state,
    ...(r.to.session_id ? { to_session_id: r.to.session_id } : {}),
    ...(r.reply_to ? { reply_to: r.reply_to } : {}),
    queued_at: r.queued_at,
    ...(r.delivered ? { delivered: r.delivered.via ? r.delivered : { at: r.delivered.at } } : {}),
    ...(r.replied ? { replied: r.replied } : {}),
    ...(r.expired ? { expired: r.expired } : {}),
  };
}

/**
 * The receipt of one message, as the caller may see it: only messages sent from its own project
 * (SPEC §1: another project's is `out-of-scope`, an unknown or pruned id `not-found`). A message
 * still queued is checked against what is true now and recorded as expired when it can no longer
 * be delivered (see core's `expiryOf`).
 */
async function statusOf(
  context: ServerContext,
  id: string,
  project: string,
  liveMailboxes: () => Promise<Set<string>>,
): Promise<Entry> {
  if (!isMessageId(id))
    return { id, error: "invalid-input", message: `${JSON.stringify(id)} is not a message id.` };
  let receipt = await context.receipts.get(id);
  if (!receipt)
    return {
      id,
      error: "not-found",
      message: "No receipt: not a message sent through oxtail, or older than the retention (7 days).",
    };
  const mine = receipt.from_mailbox === context.myMailbox();
  if (receipt.project !== project && !mine)
    return {
      id,
      error: "out-of-scope",
      message: "That message was sent from another project; only its project sees its receipt.",
    };
  if (receipt.state === "queued") {
    const to = receipt.to.mailbox;
    const live = (await liveMailboxes()).has(to);
    const waiting = live ? true : await stillWaiting(context, to as MailboxKey, id);
    const reason = expiryOf(receipt, { recipientLive: live, waiting, now: Date.now() });
    if (reason) {
      await context.receipts.expired(id, reason);
      receipt = (await context.receipts.get(id)) ?? receipt;
    }
  }
  return receiptOut(receipt);
}

/**
 * Whether message `id` still waits in mailbox `to`. A per-agent NATS user may not look into a peer's
 * mailbox (`out-of-scope`): then whether that mailbox holds anything stands in (a count, no bodies).
 */
async function stillWaiting(context: ServerContext, to: MailboxKey, id: string): Promise<boolean> {
  try {
    return (await context.mailbox.peek(to)).some((m) => m.id === id);
  } catch (error) {
    if (isOxtailError(error, "out-of-scope")) return context.mailbox.hasPending(to).catch(() => false);
    return false;
  }
}

/** message_status: what became of messages this project sent. */
export async function messageStatus(context: ServerContext, args: { id?: string; ids?: string[] }) {
  const project = callerScope(context).project.id;
  // The registry is read once per call, and only when a queued message needs it.
  let live: Promise<Set<string>> | null = null;
  const liveMailboxes = () => {
    live ??= context.registry.list().then((agents) => new Set(agents.map(mailboxKeyOf)));
    return live;
  };
  if (args.id !== undefined) {
    const entry = await statusOf(context, args.id, project, liveMailboxes);
    if ("error" in entry) throw new OxtailError(entry.error, entry.message, { data: { id: args.id } });
    return ok({ receipts: [entry] });
  }
  const receipts: Entry[] = [];
  for (const id of args.ids ?? []) receipts.push(await statusOf(context, id, project, liveMailboxes));
  return ok({ receipts });
}
