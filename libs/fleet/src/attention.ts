import type { AttentionFlag, FleetAgent } from "./model.js";

/** What {@link attentionOf} needs beyond the agent. */
export interface AttentionContext {
  now: number;
  /** Busy with no transcript growth this long is stalled (ms). */
  stallMs: number;
  /** The agent waits on, or is waited on by, a cycle of asks. */
  inCycle: boolean;
}

/**
 * Why an agent may need the person at the keyboard, from what the model knows of it:
 * - `waiting-on-human`: idle at its prompt with nothing queued and no ask of its own pending: its next
 *   turn needs a person (or a peer's message);
 * - `stalled`: busy, but its transcript (else its last activity) has not grown for `stallMs`;
 * - `unread-while-idle`: idle while messages wait in its mailbox (no hook or wake got them to it);
 * - `ask-cycle`: it is in a cycle of waiting asks, where nobody can answer.
 */
export function attentionOf(
  agent: Pick<FleetAgent, "state" | "unread" | "waiting_on" | "transcript_grew_at" | "last_activity">,
  context: AttentionContext,
): AttentionFlag[] {
  const flags: AttentionFlag[] = [];
  if (agent.state === "idle" && agent.unread === 0 && agent.waiting_on === 0) flags.push("waiting-on-human");
  if (agent.state === "busy") {
    const since = Date.parse(agent.transcript_grew_at ?? agent.last_activity ?? "");
    if (Number.isFinite(since) && context.now - since >= context.stallMs) flags.push("stalled");
  }
  if (agent.state === "idle" && agent.unread > 0) flags.push("unread-while-idle");
  if (context.inCycle) flags.push("ask-cycle");
  return flags;
}

/**
 * When the agent would become `stalled` if nothing changes (epoch ms), or null: the watcher sets one
 * timer for the earliest of these instead of polling.
 */
export function stallDueAt(
  agent: Pick<FleetAgent, "state" | "transcript_grew_at" | "last_activity" | "attention">,
  stallMs: number,
): number | null {
  if (agent.state !== "busy" || agent.attention.includes("stalled")) return null;
  const since = Date.parse(agent.transcript_grew_at ?? agent.last_activity ?? "");
  return Number.isFinite(since) ? since + stallMs : null;
}
