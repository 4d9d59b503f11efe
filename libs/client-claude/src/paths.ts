import fs from "node:fs";
import os from "node:os";
import path from "node:path";

/** Where Claude Code keeps its state: `$CLAUDE_CONFIG_DIR`, else `~/.claude`. */
export function claudeDir(env: Readonly<Record<string, string | undefined>>, home?: string): string {
  if (env.CLAUDE_CONFIG_DIR) return path.resolve(env.CLAUDE_CONFIG_DIR);
  return path.join(home ?? env.HOME ?? os.homedir(), ".claude");
}

/**
 * The folder name Claude Code gives a project: its cwd with every character that is not
 * a letter or digit replaced by `-` (`/tmp/my proj` → `-tmp-my-proj`). Names over 200
 * characters are cut and hashed by the client; {@link findTranscriptIn} then falls back
 * to a scan.
 */
export function projectKey(cwd: string): string {
  return cwd.replace(/[^A-Za-z0-9]/g, "-");
}

/** The transcript of `sessionId`: under the cwd's project folder, else any project folder. */
export function findTranscriptIn(dir: string, sessionId: string, cwd: string | null): string | null {
  const name = `${sessionId}.jsonl`;
  const projects = path.join(dir, "projects");
  if (cwd) {
    const direct = path.join(projects, projectKey(cwd), name);
    if (fs.existsSync(direct)) return direct;
  }
  let folders: string[];
  try {
    folders = fs.readdirSync(projects);
  } catch {
    return null;
  }
  for (const folder of folders) {
    const candidate = path.join(projects, folder, name);
    if (fs.existsSync(candidate)) return candidate;
  }
  return null;
}
