import fs from "node:fs";
import {
  type AgentRecord,
  isProcessAlive,
  type Liveness,
  parseJsonLine,
  readLinesBackward,
} from "@oxtail/core";
import { findSessionFile } from "./sessions.js";

/**
 * Busy or idle. Claude Code's own session file is the best source (`status`); without
 * one, the transcript's end tells: a turn ends with a `turn_duration` record or an
 * assistant message that stopped for `end_turn`; a prompt, a tool call or a tool result
 * at the end means a turn is running.
 */
export async function claudeLiveness(dir: string, agent: AgentRecord): Promise<Liveness> {
  const sessionId = agent.client.session_id;
  const file = sessionId ? findSessionFile(dir, sessionId) : null;
  if (file?.status && isProcessAlive(file.pid)) {
    return {
      state: file.status,
      lastActivity: file.updatedAt,
      reason: `Claude Code's session file (pid ${file.pid}) says ${file.status}`,
    };
  }
  const transcript = agent.client.transcript_path;
  if (!transcript || !fs.existsSync(transcript)) {
    return { state: "unknown", lastActivity: null, reason: "no session file and no transcript yet" };
  }
  let scanned = 0;
  for await (const line of readLinesBackward(transcript)) {
    if (++scanned > 200) break;
    const r = parseJsonLine(line);
    if (!r || r.isSidechain === true) continue;
    const at = typeof r.timestamp === "string" ? r.timestamp : null;
    if (r.type === "system" && r.subtype === "turn_duration")
      return { state: "idle", lastActivity: at, reason: "the transcript's last turn has ended" };
    if (r.type === "assistant") {
      const stop = (r.message as { stop_reason?: string } | undefined)?.stop_reason;
      if (stop === "end_turn")
        return { state: "idle", lastActivity: at, reason: "the last assistant message ended its turn" };
      return { state: "busy", lastActivity: at, reason: "the last assistant message did not end its turn" };
    }
    if (r.type === "user" && r.isMeta !== true)
      return { state: "busy", lastActivity: at, reason: "a prompt or tool result awaits an answer" };
  }
  return { state: "unknown", lastActivity: null, reason: "no turn found at the transcript's end" };
}
