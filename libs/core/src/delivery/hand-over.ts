import type { Mailbox } from "../mailbox/mailbox.js";
import type { Claim, ClaimedMessage, MailboxKey, Message } from "../mailbox/types.js";
import type { DeliveryVia } from "../receipts/types.js";
import { deliveryIntro, messageFraming, REPLY_HINT } from "./framing.js";

/** Clients cut hook output over 10 000 characters: a delivery stays below this by default. */
export const DEFAULT_DELIVERY_CHARS = 9000;
/** At most this many messages per delivery. */
export const MAX_DELIVERY_MESSAGES = 50;

/**
 * Render claimed mail as facts for the model: who sent what, when, and how a reply is made.
 * Messages that do not fit within `maxChars` are left out (the caller puts them back). A message
 * handed out before to a reader that stopped says so: the model may have seen it. `remaining` is
 * how many more wait in the mailbox besides `entries`.
 */
export function formatDelivery(
  entries: readonly ClaimedMessage[],
  remaining = 0,
  maxChars: number = DEFAULT_DELIVERY_CHARS,
): { text: string; delivered: Message[] } {
  const delivered: Message[] = [];
  const parts: string[] = [];
  let size = 0;
  for (const { message: m, redelivered } of entries) {
    const part = [
      `--- message ${m.id}${m.from.session_id ? ` (sender session ${m.from.session_id})` : ""}, sent ${m.created_at}${m.reply_to ? `, in reply to ${m.reply_to}` : ""}${redelivered ? " (redelivered: an earlier delivery was interrupted, you may have seen it already)" : ""}.`,
      `${messageFraming(m)} Its text:`,
      m.body,
    ].join("\n");
    if (delivered.length > 0 && size + part.length > maxChars) break;
    delivered.push(m);
    parts.push(part);
    size += part.length;
  }
  const more = remaining + entries.length - delivered.length;
  const text = [
    deliveryIntro(delivered.length),
    ...parts,
    "---",
    ...(more > 0
      ? [
          `${more} more ${more === 1 ? "message waits" : "messages wait"} in your mailbox: they come with the next deliveries, or read them with the oxtail read_my_messages tool.`,
        ]
      : []),
    REPLY_HINT,
  ].join("\n");
  return { text, delivered };
}

/** Mail taken for one hand-over: what to show, and the claim to settle once it was shown (or not). */
export interface HandOver {
  /** The framed text for the model. */
  text: string;
  /** The messages in `text`; the claim holds exactly these. */
  messages: readonly Message[];
  /** Acknowledge once `text` reached the client; release otherwise. */
  claim: Claim;
}

/**
 * Claim a mailbox's oldest waiting mail, one bounded batch (as much as fits `maxChars`), framed for
 * the model; null when none waits. What was claimed but does not fit is put back at once; the
 * caller acknowledges the rest once delivered (recorded in their receipts as delivered by `via`),
 * or releases it.
 */
export async function takeHandOver(
  mailbox: Mailbox,
  key: MailboxKey,
  via: DeliveryVia,
  maxChars: number = DEFAULT_DELIVERY_CHARS,
): Promise<HandOver | null> {
  const claim = await mailbox.claim(key, { maxMessages: MAX_DELIVERY_MESSAGES, maxBytes: maxChars, via });
  if (claim.messages.length === 0) return null;
  try {
    const { text, delivered } = formatDelivery(claim.entries, claim.remaining, maxChars);
    const shown = new Set(delivered.map((m) => m.id));
    const rest = claim.messages.filter((m) => !shown.has(m.id)).map((m) => m.id);
    if (rest.length > 0) await claim.release(rest);
    return { text, messages: delivered, claim };
  } catch (error) {
    await claim.release();
    throw error;
  }
}
