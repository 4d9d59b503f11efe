import type { ServerContext } from "../context.js";
import { peerLiveness } from "./outlook.js";
import { resolvePeer } from "./peers.js";
import { ok } from "./result.js";

/** wake_status: whether and how a peer could be woken now. */
export async function wakeStatus(context: ServerContext, args: { target: string }) {
  const peer = await resolvePeer(context, args.target);
  const liveness = await peerLiveness(context, peer);
  const status = await context.waker.status(peer);
  return ok({
    session_id: peer.client.session_id,
    client_type: peer.client.type,
    pane: peer.tmux?.pane ?? null,
    liveness: liveness
      ? { state: liveness.state, last_activity: liveness.lastActivity, reason: liveness.reason }
      : null,
    strategy: status.strategy,
    ready: status.ready,
    outcome: status.outcome,
    reason: status.reason,
    last_wake: context.waker.lastWake(peer),
  });
}
