import fs from "node:fs";
import type { AgentRecord, Liveness } from "@oxtail/core";
import { newestState, stateLogPath } from "./state.js";

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The agent's state log: the one its record names, else the one of its session. */
export function agentStateLog(agent: AgentRecord): string | null {
  if (agent.client.transcript_path) return agent.client.transcript_path;
  return agent.client.session_id ? stateLogPath(agent.client.session_id) : null;
}

/**
 * Busy or idle from OpenCode's own status events (`session.status` busy/idle/retry and
 * `session.idle`), as the oxtail plugin logged them; unknown when nothing was logged or the OpenCode
 * process that logged them has exited.
 */
export async function openCodeLiveness(agent: AgentRecord): Promise<Liveness> {
  const file = agentStateLog(agent);
  if (!file || !fs.existsSync(file))
    return {
      state: "unknown",
      lastActivity: null,
      reason: "the oxtail plugin has logged no status for this session",
    };
  const state = await newestState(file).catch(() => null);
  if (!state) return { state: "unknown", lastActivity: null, reason: "no status line in the plugin's log" };
  if (state.pid !== null && !alive(state.pid))
    return { state: "unknown", lastActivity: state.at, reason: `OpenCode (pid ${state.pid}) has exited` };
  return state.status === "busy"
    ? {
        state: "busy",
        lastActivity: state.at,
        reason: "OpenCode's last status event for the session is busy",
      }
    : {
        state: "idle",
        lastActivity: state.at,
        reason: "OpenCode's last status event for the session is idle",
      };
}
