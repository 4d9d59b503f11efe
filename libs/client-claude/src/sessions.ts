import fs from "node:fs";
import path from "node:path";
import { isSessionId } from "@oxtail/core";

/** What Claude Code says about itself in `~/.claude/sessions/<pid>.json`. */
export interface ClaudeSessionFile {
  pid: number;
  sessionId: string;
  cwd: string | null;
  status: "idle" | "busy" | null;
  updatedAt: string | null;
  version: string | null;
  /** Newer versions: `<session>:@<window>.%<pane>`. */
  tmux: string | null;
}

function parse(file: string): ClaudeSessionFile | null {
  try {
    const raw = JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>;
    if (!isSessionId(raw.sessionId) || typeof raw.pid !== "number") return null;
    const status = raw.status === "idle" || raw.status === "busy" ? raw.status : null;
    const str = (v: unknown) => (typeof v === "string" ? v : null);
    const updated = raw.updatedAt;
    return {
      pid: raw.pid,
      sessionId: raw.sessionId.toLowerCase(),
      cwd: str(raw.cwd),
      status,
      updatedAt: typeof updated === "number" ? new Date(updated).toISOString() : str(updated),
      version: str(raw.version),
      tmux: str(raw.tmux),
    };
  } catch {
    return null;
  }
}

/** The session file of the Claude Code process `pid`, if it wrote one. */
export function readSessionFile(dir: string, pid: number): ClaudeSessionFile | null {
  return parse(path.join(dir, "sessions", `${pid}.json`));
}

/** The session file that names `sessionId`, if any (newest first). */
export function findSessionFile(dir: string, sessionId: string): ClaudeSessionFile | null {
  let names: string[];
  try {
    names = fs.readdirSync(path.join(dir, "sessions"));
  } catch {
    return null;
  }
  const hits = names
    .filter((n) => /^\d+\.json$/.test(n))
    .map((n) => parse(path.join(dir, "sessions", n)))
    .filter((s): s is ClaudeSessionFile => s !== null && s.sessionId === sessionId.toLowerCase());
  return hits.sort((a, b) => (b.updatedAt ?? "").localeCompare(a.updatedAt ?? ""))[0] ?? null;
}

/** The pane id in a session file's `tmux` field (`work:@1.%3` → `%3`). */
export function paneFromTmuxField(value: string | null): string | null {
  return value ? (/%\d+$/.exec(value)?.[0] ?? null) : null;
}
