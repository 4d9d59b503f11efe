import fs from "node:fs";
import { type AgentRecord, type Liveness, parseJsonLine, readLinesBackward } from "@oxtail/core";

/**
 * Busy or idle from the rollout's task events: a `task_started` with no later
 * `task_complete` / `turn_aborted` is a running turn.
 */
export async function codexLiveness(agent: AgentRecord): Promise<Liveness> {
  const file = agent.client.transcript_path;
  if (!file || !fs.existsSync(file)) {
    return {
      state: "unknown",
      lastActivity: null,
      reason: "no rollout yet (Codex writes it at the first turn)",
    };
  }
  let lastActivity: string | null = null;
  let scanned = 0;
  for await (const line of readLinesBackward(file)) {
    if (++scanned > 2000) break;
    const r = parseJsonLine(line);
    if (!r) continue;
    lastActivity ??= typeof r.timestamp === "string" ? r.timestamp : null;
    if (r.type !== "event_msg") continue;
    const type = (r.payload as { type?: string } | undefined)?.type;
    if (type === "task_started")
      return { state: "busy", lastActivity, reason: "a task started and has not completed" };
    if (type === "task_complete" || type === "turn_aborted")
      return { state: "idle", lastActivity, reason: `the last task event is ${type}` };
  }
  return { state: "unknown", lastActivity, reason: "no task event in the rollout's tail" };
}
