import { type AgentRecord, isOxtailError, OxtailError } from "@oxtail/core";
import { MAX_BROADCAST_TARGETS, mailboxKeyOf } from "@oxtail/core/runtime";
import type { ServerContext } from "../context.js";
import { agentsInScope, callerScope, isMe, resolvePeer } from "./peers.js";

/** A peer a send goes to, and the target that named it. */
export interface Recipient {
  target: string;
  peer: AgentRecord;
}

/**
 * The peers a send_message target names: one peer; every peer of the caller's project but itself
 * (`"*"`); or each peer of a list. A list is validated whole before anything is sent (all or
 * nothing): the first target that is not found, out of scope, ambiguous or the caller itself fails
 * the call, naming it. Targets naming one peer twice count once. More than
 * {@link MAX_BROADCAST_TARGETS} peers is `too-many-targets`.
 */
export async function resolveTargets(
  context: ServerContext,
  target: string | string[],
): Promise<{ peers: Recipient[]; broadcast: boolean }> {
  if (typeof target === "string" && target !== "*")
    return { peers: [{ target, peer: await resolvePeer(context, target) }], broadcast: false };
  let recipients: Recipient[];
  if (target === "*") {
    const peers = (await agentsInScope(context, callerScope(context))).filter((a) => !isMe(context, a));
    if (peers.length === 0)
      throw new OxtailError("not-found", "No other agent works in this project: nobody to send to.");
    recipients = peers.map((peer) => ({ target: peer.client.session_id ?? peer.instance_id, peer }));
  } else {
    recipients = [];
    for (const name of target) {
      if (name === "*")
        throw new OxtailError("invalid-input", 'Use "*" alone (as the whole target), not inside a list.');
      try {
        recipients.push({ target: name, peer: await resolvePeer(context, name) });
      } catch (error) {
        if (!isOxtailError(error)) throw error;
        throw new OxtailError(
          error.code,
          `Target ${JSON.stringify(name)}: ${error.detail} Nothing was sent.`,
          {
            data: { ...error.data, target: name },
          },
        );
      }
    }
  }
  const seen = new Set<string>();
  const unique = recipients.filter(({ peer }) => {
    const key = mailboxKeyOf(peer);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  if (unique.length > MAX_BROADCAST_TARGETS)
    throw new OxtailError(
      "too-many-targets",
      `That is ${unique.length} peers; one send_message reaches at most ${MAX_BROADCAST_TARGETS}. Name fewer targets. Nothing was sent.`,
      { data: { count: unique.length, limit: MAX_BROADCAST_TARGETS } },
    );
  return { peers: unique, broadcast: true };
}
