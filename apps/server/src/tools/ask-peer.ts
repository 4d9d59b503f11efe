import fs from "node:fs";
import type { RequestHandlerExtra } from "@modelcontextprotocol/sdk/shared/protocol.js";
import type { ServerNotification, ServerRequest } from "@modelcontextprotocol/sdk/types.js";
import {
  type AgentRecord,
  acquireWakeLock,
  type Claim,
  DEFAULT_ASK_TIMEOUT_MS,
  mailboxKeyOf,
  OxtailError,
} from "@oxtail/core";
import type { ServerContext, WakeReport } from "../context.js";
import { messageOut } from "./messaging.js";
import { resolvePeer } from "./peers.js";
import { ok } from "./result.js";

/** How long ask_peer holds a returned reply before acknowledging it, ms: a cancel crossing the answer arrives well within it. */
export const REPLY_HOLD_MS = 1500;

/**
 * Acknowledge a returned reply a moment later, unless the client cancelled this call meanwhile:
 * its cancel then crossed our answer and the client dropped the answer, so the reply goes back to
 * the mailbox for read_my_messages (loses nothing). Until then the reply stays claimed by this
 * process, so it is not shown twice; if the process dies, the claim is recovered (at least once).
 */
function holdReply(context: ServerContext, requestId: string | number, claim: Claim): void {
  let settled = false;
  const settle = async () => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    context.heldReplies.delete(settle);
    if (context.cancelledRequests.has(requestId)) await claim.release();
    else await claim.ack();
  };
  const timer = setTimeout(() => void settle().catch(() => {}), REPLY_HOLD_MS);
  timer.unref();
  context.heldReplies.add(settle);
}

/** How often ask_peer sends a progress notification while it waits (keeps idle-call timeouts away). */
export const PROGRESS_EVERY_MS = 5000;

/** The wait of ask_peer: the argument, else `OXTAIL_ASK_PEER_TIMEOUT_MS`, else 45 s. */
export function askTimeout(requested: number | undefined, env: NodeJS.ProcessEnv): number {
  if (requested) return requested;
  const fromEnv = Number(env.OXTAIL_ASK_PEER_TIMEOUT_MS);
  return Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv : DEFAULT_ASK_TIMEOUT_MS;
}

/** How long a wake has to show a new turn before it is retried (once), in ms. */
export const WAKE_VERIFY_MS = 8000;

/** The size of the peer's transcript (-1 when it has none yet): one stat, cheap enough before a send. */
function transcriptSize(peer: AgentRecord): number {
  try {
    if (peer.client.transcript_path) return fs.statSync(peer.client.transcript_path).size;
  } catch {
    // no transcript yet
  }
  return -1;
}

/** What tells that the peer started a turn: its transcript grew, or it turned busy. */
async function turnSignal(
  context: ServerContext,
  peer: AgentRecord,
): Promise<{ size: number; busy: boolean }> {
  const adapter = context.adapterFor(peer.client.type);
  const size = transcriptSize(peer);
  const live =
    adapter?.capabilities.liveness && adapter.liveness
      ? await adapter.liveness(peer).catch(() => null)
      : null;
  return { size, busy: live?.state === "busy" };
}

/** Wait until the peer shows a new turn compared with `before`; the ms it took, or null. */
async function verifyTurn(
  context: ServerContext,
  peer: AgentRecord,
  before: { size: number },
  started: number,
  withinMs: number,
): Promise<number | null> {
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline) {
    const now = await turnSignal(context, peer);
    if (now.busy || now.size > before.size) return Date.now() - started;
    await new Promise((r) => setTimeout(r, 100));
  }
  return null;
}

/**
 * Wake a peer through its adapter's wake ladder (default: tmux). Each rung that types is
 * verified — the peer's transcript grows or it turns busy within {@link WAKE_VERIFY_MS} —
 * and retried once (`options.retry`: for tmux, a flush key and Enter, no second paste)
 * before the next rung is tried. One wake per peer at a time: a second caller shares the
 * first's outcome. `baseline` is the peer's turn signal from before the message was sent: a
 * rung that fires on the message itself (Claude's asyncRewake sleeper) is verified against it.
 */
export function wakePeer(
  context: ServerContext,
  peer: AgentRecord,
  baseline?: { size: number },
): Promise<WakeReport> {
  const key = peer.client.session_id ?? peer.instance_id;
  const inFlight = context.wakesInFlight.get(key);
  if (inFlight) return inFlight;
  const run = (async (): Promise<WakeReport> => {
    // One wake per peer across every oxtail process: another server may be typing right now.
    const release = acquireWakeLock(context.home, key);
    if (!release) {
      const report = {
        attempted: false,
        strategy: null,
        outcome: "skipped",
        verified_after_ms: null,
        reason: "another oxtail server is waking this peer right now",
      };
      context.lastWakes.set(key, report);
      return report;
    }
    try {
      return await wakeLadder(context, peer, key, baseline);
    } finally {
      release();
    }
  })().finally(() => context.wakesInFlight.delete(key));
  context.wakesInFlight.set(key, run);
  return run;
}

/** Try each rung of the peer's wake ladder; verify what it typed; retry once. */
async function wakeLadder(
  context: ServerContext,
  peer: AgentRecord,
  key: string,
  baseline?: { size: number },
): Promise<WakeReport> {
  const adapter = context.adapterFor(peer.client.type);
  const ladder = adapter?.wakeProfile?.ladder ?? [{ strategy: "tmux" }];
  let last: WakeReport = {
    attempted: false,
    strategy: null,
    outcome: "skipped",
    verified_after_ms: null,
    reason: "no wake strategy applies to this peer",
  };
  for (const [index, rung] of ladder.entries()) {
    const strategy = context.wakeStrategies.get(rung.strategy);
    if (!strategy) continue;
    const before = index === 0 && baseline ? baseline : { size: transcriptSize(peer) };
    const started = Date.now();
    for (const retry of [false, true]) {
      const options = { ...(rung.options ?? {}), ...(retry ? { retry: true } : {}) };
      const outcome = await strategy.wake({ agent: peer, adapter, options }).catch((error: unknown) => ({
        attempted: true,
        strategy: rung.strategy,
        outcome: "failed" as const,
        verifiedAfterMs: null,
        reason: String((error as Error)?.message ?? error),
      }));
      last = {
        attempted: outcome.attempted,
        strategy: outcome.strategy,
        outcome: outcome.outcome,
        verified_after_ms: outcome.verifiedAfterMs,
        reason: outcome.reason,
      };
      if (outcome.outcome === "submitted" || outcome.outcome !== "unverified") break;
      const verified = await verifyTurn(context, peer, before, started, WAKE_VERIFY_MS);
      if (verified !== null) {
        last = {
          ...last,
          outcome: "submitted",
          verified_after_ms: verified,
          reason: `${outcome.reason}; the peer started a turn${retry ? " after one retry" : ""}`,
        };
        break;
      }
      last = {
        ...last,
        reason: `${outcome.reason}; no new turn within ${WAKE_VERIFY_MS / 1000} s${retry ? " after one retry" : ""}`,
      };
    }
    if (last.outcome === "submitted") break;
  }
  context.lastWakes.set(key, last);
  context.tracer.trace({ kind: "wake", peer: key, ...last });
  return last;
}

/**
 * ask_peer: send, wake the peer if idle, and wait for its reply — a message from the
 * peer that was not already waiting when the question was asked (one with
 * `reply_to` = the question is preferred). On timeout the question stays delivered.
 * Cancellation claims nothing.
 */
export async function askPeer(
  context: ServerContext,
  args: { target: string; body: string; timeout_ms?: number },
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
  const stale = new Set(
    (await context.mailbox.peek(inbox)).filter((m) => m.from.session_id === peerSession).map((m) => m.id),
  );
  const baseline = { size: transcriptSize(peer) };
  const question = await context.mailbox.send({
    from: context.sender(),
    fromMailbox: inbox,
    to: mailboxKeyOf(peer),
    toSessionId: peerSession,
    body: args.body,
    replyTo: null,
  });
  const wake = await wakePeer(context, peer, baseline);
  const timeoutMs = askTimeout(args.timeout_ms, env);
  const progressToken = extra._meta?.progressToken;
  const started = Date.now();
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
      },
    );
    // A cancel may cross the answer (already in the stdin pipe, or sent just after): the reply is
    // held, and put back for read_my_messages if that cancel comes (loses nothing).
    const reply = claim?.messages[0] ?? null;
    if (claim) holdReply(context, extra.requestId, claim);
    return ok({
      question_id: question.id,
      timed_out: reply === null,
      reply: reply ? messageOut(reply) : null,
      wake,
    });
  } finally {
    if (progress) clearInterval(progress);
  }
}

/** wake_status: whether and how a peer could be woken now. */
export async function wakeStatus(context: ServerContext, args: { target: string }) {
  const peer = await resolvePeer(context, args.target);
  const adapter = context.adapterFor(peer.client.type);
  const liveness =
    adapter?.capabilities.liveness && adapter.liveness
      ? await adapter.liveness(peer).catch(() => null)
      : null;
  const ladder = adapter?.wakeProfile?.ladder ?? [{ strategy: "tmux" }];
  let chosen: string | null = null;
  const reasons: string[] = [];
  for (const rung of ladder) {
    const strategy = context.wakeStrategies.get(rung.strategy);
    if (!strategy) {
      reasons.push(`${rung.strategy}: not available`);
      continue;
    }
    const readiness = await strategy.readiness({ agent: peer, adapter, options: rung.options ?? {} });
    reasons.push(`${rung.strategy}: ${readiness.reason}`);
    if (readiness.ready) {
      chosen = rung.strategy;
      break;
    }
  }
  return ok({
    session_id: peer.client.session_id,
    client_type: peer.client.type,
    pane: peer.tmux?.pane ?? null,
    liveness: liveness
      ? { state: liveness.state, last_activity: liveness.lastActivity, reason: liveness.reason }
      : null,
    strategy: chosen,
    ready: chosen !== null,
    reason: reasons.join("; "),
    last_wake: context.lastWakes.get(peer.client.session_id ?? peer.instance_id) ?? null,
  });
}
