// The sentinel tree outside the data directory: what a followed symlink would reach. It mirrors the
// data directory's layout (a mailbox with a waiting message, a claim and a temp file of dead
// processes, a registry record of a dead server, an identity drop), so an oxtail that followed a link
// into it would deliver, move, prune or trust something here, and the snapshot would show it.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createMessageId } from "@oxtail/core/runtime";

/** A process token no process has (pid far above any in use, start time 1). */
export const DEAD_TOKEN = "3999999-1";

/** A valid message file's content, to `session`, with `id`. */
export function messageJson(id: string, to: string, body = "planted"): string {
  return JSON.stringify({
    v: 1,
    id,
    from: { session_id: null, instance_id: DEAD_TOKEN, client_type: "claude", display_name: "planted" },
    to: { mailbox: to, session_id: to },
    body,
    reply_to: null,
    created_at: new Date().toISOString(),
  });
}

/** A valid registry record of a dead server working in `cwd`. */
export function deadRecordJson(cwd: string, sessionId: string | null, token = DEAD_TOKEN): string {
  const [pid, start] = token.split("-");
  const now = new Date().toISOString();
  return JSON.stringify({
    schema: 1,
    instance_id: token,
    pid: Number(pid),
    start_time: start,
    started_at: now,
    updated_at: now,
    oxtail_version: "0.1.0",
    cwd,
    client: {
      type: "claude",
      name: null,
      version: null,
      session_id: sessionId,
      transcript_path: null,
      cwd,
    },
    tmux: null,
    state: null,
  });
}

/** The sentinel tree; removed by {@link Outside.dispose}. */
export class Outside {
  readonly root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-outside-")));
  /** A message id older than any the servers make. */
  readonly messageId = createMessageId(Date.now() - 60_000);

  /**
   * Build the tree for a world whose agents work in `cwd`: `session` is the mailbox mirrored here,
   * `dropped` the sessions that get an identity drop naming this tree as their folder.
   */
  populate(session: string, cwd: string, dropped: string[] = [session]): this {
    const w = (rel: string, text: string, mode = 0o644) => {
      const file = path.join(this.root, rel);
      fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o755 });
      fs.writeFileSync(file, text, { mode });
    };
    w("victim.txt", "nothing may change this file\n");
    w("secret/note.txt", "private\n", 0o640);
    w("message.json", messageJson(this.messageId, session, "FROM-OUTSIDE: must never be delivered"));
    for (const box of [`mailboxes/${session}`, "mbox"]) {
      w(`${box}/new/${this.messageId}.json`, messageJson(this.messageId, session, "FROM-OUTSIDE"));
      w(
        `${box}/cur/${this.messageId}.json.${DEAD_TOKEN}`,
        messageJson(this.messageId, session, "FROM-OUTSIDE claim"),
      );
      w(`${box}/tmp/${this.messageId}.${DEAD_TOKEN}.tmp`, "a dead writer's temp file");
      fs.mkdirSync(path.join(this.root, box, "bad"), { mode: 0o755 });
    }
    w(`sessions/${DEAD_TOKEN}.json`, deadRecordJson(cwd, null));
    w("record.json", deadRecordJson(cwd, null));
    for (const id of dropped)
      w(
        `identity/${id}.json`,
        JSON.stringify({
          v: 1,
          client_type: "claude",
          session_id: id,
          transcript_path: path.join(this.root, "transcript.jsonl"),
          cwd: this.root,
          ancestor_pids: [1],
          tmux_pane: "%999",
          tmux_socket: null,
          event: "SessionStart",
          at: new Date().toISOString(),
        }),
      );
    w("lock.json", JSON.stringify({ pid: 3999999, start_time: "1", at: 0 }));
    for (const dir of ["wakes", "sent", "sleepers", "empty"]) fs.mkdirSync(path.join(this.root, dir));
    return this;
  }

  /** A path in the tree. */
  at(rel: string): string {
    return path.join(this.root, rel);
  }

  dispose(): void {
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}
