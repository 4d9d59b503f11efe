import type { AgentRecord } from "@oxtail/core";
import { createMessageId, type MailboxKey, type Message, sessionMailboxKey } from "@oxtail/core/runtime";

/** A fresh session id. */
export function sessionId(): string {
  return crypto.randomUUID();
}

/** A mailbox key for a fresh session. */
export function mailbox(): MailboxKey {
  return sessionMailboxKey(sessionId());
}

/** A valid message to `to`. */
export function message(to: MailboxKey, body: string, replyTo: string | null = null): Message {
  return {
    v: 1,
    id: createMessageId(),
    from: { session_id: null, instance_id: "1-a", client_type: null, display_name: "sender" },
    to: { mailbox: to, session_id: to },
    body,
    reply_to: replyTo,
    created_at: new Date().toISOString(),
  };
}

/** A registry record of a server instance in `cwd`. */
export function record(instanceId: string, cwd: string, session: string | null = null): AgentRecord {
  const now = new Date().toISOString();
  return {
    schema: 1,
    instance_id: instanceId,
    pid: process.pid,
    start_time: null,
    started_at: now,
    updated_at: now,
    oxtail_version: "0.0.0",
    cwd,
    client: {
      type: "test",
      name: null,
      version: null,
      session_id: session,
      transcript_path: `${cwd}/transcript.jsonl`,
      cwd,
    },
    tmux: { socket: "/tmp/x", session: "s", window: "1", pane: "%1" },
    state: null,
  };
}
