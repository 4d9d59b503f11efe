import { processStartTime } from "../process/liveness.js";
import type { AgentRecord } from "../registry/types.js";

let recordCounter = 1000;

/**
 * A registry record for adapter tests: this process's pid and start time (so it counts as
 * alive; a record without a start time would expire), a unique instance id, and the given
 * client fields.
 */
export function makeAgentRecord(
  overrides: Partial<Omit<AgentRecord, "client">> & { client?: Partial<AgentRecord["client"]> } = {},
): AgentRecord {
  const now = new Date().toISOString();
  const pid = overrides.pid ?? process.pid;
  const { client, ...rest } = overrides;
  return {
    schema: 1,
    instance_id: `${pid}-${recordCounter++}`,
    pid,
    start_time: processStartTime(pid),
    started_at: now,
    updated_at: now,
    oxtail_version: "0.0.0-test",
    cwd: "/tmp",
    tmux: null,
    state: null,
    ...rest,
    client: {
      type: null,
      name: null,
      version: null,
      session_id: null,
      transcript_path: null,
      cwd: null,
      ...client,
    },
  };
}
