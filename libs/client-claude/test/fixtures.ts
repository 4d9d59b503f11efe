import fs from "node:fs";
import path from "node:path";

export const FIXTURES = path.join(import.meta.dirname, "fixtures");
export const CLAUDE_HOME = path.join(FIXTURES, "claude-home");

/** The recorded session: its transcript, id and project key. */
export function recordedSession(): { file: string; sessionId: string; key: string } {
  const projects = path.join(CLAUDE_HOME, "projects");
  const key = fs.readdirSync(projects)[0] as string;
  const name = fs.readdirSync(path.join(projects, key)).find((n) => n.endsWith(".jsonl")) as string;
  return { file: path.join(projects, key, name), sessionId: path.basename(name, ".jsonl"), key };
}
