import os from "node:os";
import path from "node:path";

/** The environment as an adapter receives it. */
export type Env = Readonly<Record<string, string | undefined>>;

/** Where Plainlog keeps its files: `$PLAINLOG_HOME`, else `~/.plainlog`. */
export function plainlogHome(env: Env, home?: string): string {
  if (env.PLAINLOG_HOME) return path.resolve(env.PLAINLOG_HOME);
  return path.join(home ?? env.HOME ?? os.homedir(), ".plainlog");
}

/**
 * Where Plainlog writes its sessions (`<id>.jsonl` transcripts, `<id>.wake` inboxes): `$PLAINLOG_DIR`
 * (Plainlog sets it for its MCP servers and hooks), else `<Plainlog home>/sessions`.
 */
export function sessionsDir(env: Env, home?: string): string {
  if (env.PLAINLOG_DIR) return path.resolve(env.PLAINLOG_DIR);
  return path.join(plainlogHome(env, home), "sessions");
}

/** A session's transcript in a sessions folder (session ids are lower-case UUIDs). */
export function transcriptFile(dir: string, sessionId: string): string {
  return path.join(dir, `${sessionId.toLowerCase()}.jsonl`);
}

/** A session's wake inbox, next to its transcript: Plainlog reads each line appended to it as a prompt. */
export function wakeFile(dir: string, sessionId: string): string {
  return path.join(dir, `${sessionId.toLowerCase()}.wake`);
}
