import fs from "node:fs";
import path from "node:path";
import type { ClientKind } from "./install.ts";

function walk(dir: string, match: (name: string) => boolean, out: string[] = []): string[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p, match, out);
    else if (match(e.name)) out.push(p);
  }
  return out;
}

/** The newest transcript under a throwaway HOME: Claude's project JSONL, Codex's rollout, or Gemini CLI's chat. */
export function findTranscript(kind: ClientKind, home: string): string | null {
  return findTranscripts(kind, home)[0] ?? null;
}

/** Every transcript under a throwaway HOME, newest first. */
export function findTranscripts(kind: ClientKind, home: string): string[] {
  const files =
    kind === "claude"
      ? walk(path.join(home, ".claude", "projects"), (n) => n.endsWith(".jsonl")).filter(
          (f) => !f.includes(`${path.sep}subagents${path.sep}`),
        )
      : kind === "codex"
        ? walk(path.join(home, ".codex", "sessions"), (n) => n.startsWith("rollout-") && n.endsWith(".jsonl"))
        : walk(path.join(home, ".gemini", "tmp"), (n) => n.startsWith("session-") && n.endsWith(".jsonl"));
  files.sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs);
  return files;
}

/** Parsed JSON lines of a file; malformed and partial lines are skipped. */
export function readJsonLines(file: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const line of fs.readFileSync(file, "utf8").split("\n")) {
    if (!line.trim()) continue;
    try {
      const value = JSON.parse(line);
      if (value && typeof value === "object") out.push(value);
    } catch {
      // partial last line while the client writes
    }
  }
  return out;
}

/**
 * Finished turns in a transcript. Claude writes a `system` record of subtype
 * `turn_duration` at the end of each turn; Codex an `event_msg` `task_complete` (or
 * `turn_aborted`).
 */
export function countCompletedTurns(kind: ClientKind, file: string): number {
  if (kind === "gemini") return geminiCompletedTurns(file);
  let n = 0;
  for (const r of readJsonLines(file)) {
    if (kind === "claude" && r.type === "system" && r.subtype === "turn_duration") n += 1;
    if (kind === "codex" && r.type === "event_msg") {
      const type = (r.payload as { type?: string } | undefined)?.type;
      if (type === "task_complete" || type === "turn_aborted") n += 1;
    }
  }
  return n;
}

/**
 * Gemini CLI writes no end-of-turn record: a turn has ended when the model's message has no tool calls
 * (a message is re-appended in full as it changes, so each id counts once, in its newest version), or
 * when an error ended it.
 */
function geminiCompletedTurns(file: string): number {
  const newest = new Map<string, Record<string, unknown>>();
  for (const r of readJsonLines(file)) if (typeof r.id === "string") newest.set(r.id, r);
  let n = 0;
  for (const r of newest.values()) {
    const calls = Array.isArray(r.toolCalls) ? r.toolCalls.length : 0;
    const text = typeof r.content === "string" ? r.content : JSON.stringify(r.content ?? "");
    if (r.type === "gemini" && calls === 0 && text.trim() !== "" && text !== '""') n += 1;
    if (r.type === "error") n += 1;
  }
  return n;
}

/** Gemini CLI's session id: the first line of its chat file names it. */
export function geminiSessionId(file: string): string | null {
  const first = readJsonLines(file)[0];
  return typeof first?.sessionId === "string" ? first.sessionId : null;
}

/**
 * Claude Code's own record of the session it runs as process `pid`: `~/.claude/sessions/<pid>.json`
 * (by pid: 2.1.33x also keeps `<pid>.<hash>.key` files there), or null while it has not written it.
 */
export function readClaudeSessionFile(
  home: string,
  pid: number,
): { sessionId?: string; status?: string } | null {
  try {
    return JSON.parse(fs.readFileSync(path.join(home, ".claude", "sessions", `${pid}.json`), "utf8"));
  } catch {
    return null;
  }
}

/** Claude Code's own idle/busy, from `~/.claude/sessions/<pid>.json`. */
export function readClaudeStatus(home: string): string | null {
  const dir = path.join(home, ".claude", "sessions");
  for (const name of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
    if (!/^\d+\.json$/.test(name)) continue;
    try {
      const status = JSON.parse(fs.readFileSync(path.join(dir, name), "utf8")).status;
      if (typeof status === "string") return status;
    } catch {
      // being rewritten
    }
  }
  return null;
}
