import type { AgentRecord } from "../src/registry/types.ts";

let counter = 1000;

/** A registry record for tests; `pid` defaults to this process (alive). */
export function makeRecord(
  overrides: Partial<Omit<AgentRecord, "client">> & { client?: Partial<AgentRecord["client"]> } = {},
): AgentRecord {
  const now = new Date().toISOString();
  const pid = overrides.pid ?? process.pid;
  const { client, ...rest } = overrides;
  return {
    schema: 1,
    instance_id: `${pid}-${counter++}`,
    pid,
    start_time: null,
    started_at: now,
    updated_at: now,
    oxtail_version: "0.0.0-test",
    cwd: "/tmp",
    tmux: null,
    state: null,
    ...rest,
    client: {
      type: "claude",
      name: "claude-code",
      version: "1",
      session_id: null,
      transcript_path: null,
      cwd: null,
      ...client,
    },
  };
}
