import { OxtailError } from "../errors.js";
import type { AskStore, PendingAsk } from "./types.js";

/** One agent of an ask chain, as `ask-cycle` reports it. */
export interface ChainLink {
  session_id: string;
  display_name: string;
}

/** True while the ask's asker still waits for its answer. */
export function isWaiting(ask: PendingAsk, now: number): boolean {
  return ask.status === "waiting" && ask.deadline > now;
}

/**
 * The cycle that an ask from `asker` to `target` would close, or null: the chain of waiting asks
 * followed from `target` (who waits for whom) comes back to `asker`. The result runs from the asker
 * through the target and back to the asker: `[asker, target, …, asker]`.
 */
export function findAskCycle(
  asks: readonly PendingAsk[],
  asker: { mailbox: string; display_name: string },
  target: { mailbox: string; display_name: string },
  now: number,
): ChainLink[] | null {
  const waiting = asks.filter((a) => isWaiting(a, now));
  const link = (p: { mailbox: string; display_name: string }): ChainLink => ({
    session_id: p.mailbox,
    display_name: p.display_name,
  });
  // Depth-first over "current waits for": an agent usually waits on one ask, but two concurrent
  // calls of one agent are possible, so every branch is followed (each agent once).
  const seen = new Set<string>();
  const walk = (
    current: { mailbox: string; display_name: string },
    path: ChainLink[],
  ): ChainLink[] | null => {
    if (current.mailbox === asker.mailbox) return path;
    if (seen.has(current.mailbox)) return null;
    seen.add(current.mailbox);
    for (const ask of waiting.filter((a) => a.asker.mailbox === current.mailbox)) {
      const found = walk(ask.target, [...path, link(ask.target)]);
      if (found) return found;
    }
    return null;
  };
  return walk(target, [link(asker), link(target)]);
}

/**
 * Refuse (`ask-cycle`, with the `chain` in `data`) an ask that would close a cycle of waiting asks:
 * every agent in it would wait for the next one until the timeouts, and none could answer.
 */
export async function assertNoAskCycle(
  store: AskStore,
  asker: { mailbox: string; display_name: string },
  target: { mailbox: string; display_name: string },
  now: number = Date.now(),
): Promise<void> {
  const chain = findAskCycle(await store.list(), asker, target, now);
  if (!chain) return;
  throw new OxtailError(
    "ask-cycle",
    `Asking this peer would close a loop of agents waiting for each other (${chain.map((c) => c.display_name).join(" → ")}): nobody in it could answer. If the peer asked you something, answer it with send_message (reply_to = its question id) instead of asking back; otherwise tell the user.`,
    { data: { chain } },
  );
}

/**
 * The ask a message answers after its asker stopped waiting (timed out, or its server went away past
 * the deadline), or null: an ask from the message's recipient to its sender, its question named by
 * `reply_to` (preferred), else the newest such ask older than the message.
 */
export function findLateAsk(
  asks: readonly PendingAsk[],
  message: { from: string; to: string; reply_to: string | null; created_ms: number },
  now: number,
): PendingAsk | null {
  const late = asks.filter(
    (a) =>
      a.asker.mailbox === message.to &&
      a.target.mailbox === message.from &&
      a.created_at <= message.created_ms &&
      (a.status === "timed-out" || (a.status === "waiting" && a.deadline <= now)),
  );
  return (
    late.find((a) => a.question_id === message.reply_to) ??
    late.sort((x, y) => y.created_at - x.created_at)[0] ??
    null
  );
}
