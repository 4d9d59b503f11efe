import fs from "node:fs";
import path from "node:path";

export const FIXTURES = path.join(import.meta.dirname, "fixtures");
export const CODEX_HOME = path.join(FIXTURES, "codex-home");

/** The recorded rollout and its thread id. */
export function recordedRollout(): { file: string; threadId: string } {
  const sessions = path.join(CODEX_HOME, "sessions");
  const walk = (dir: string): string[] =>
    fs
      .readdirSync(dir, { withFileTypes: true })
      .flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
  const file = walk(sessions).find((f) => f.endsWith(".jsonl")) as string;
  const threadId = /([0-9a-f-]{36})\.jsonl$/.exec(file)?.[1] as string;
  return { file, threadId };
}
