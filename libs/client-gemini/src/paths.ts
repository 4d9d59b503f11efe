import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { isSessionId, parseJsonLine } from "@oxtail/core";

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Gemini CLI's state folder: `$GEMINI_CLI_HOME/.gemini` (the variable replaces the home folder, as the
 * client reads it), else `~/.gemini`.
 */
export function geminiDir(env: Env, home?: string): string {
  if (env.GEMINI_CLI_HOME) return path.join(path.resolve(env.GEMINI_CLI_HOME), ".gemini");
  return path.join(home ?? env.HOME ?? os.homedir(), ".gemini");
}

/** A main session's chat file name: `session-<YYYY-MM-DDTHH-MM>-<first 8 chars of the session id>.jsonl`. */
const CHAT_RE = /^session-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-([0-9a-f]{8})\.jsonl$/i;

/** The first line of a chat file (its metadata: `sessionId`, `projectHash`, `startTime`, `kind`), or null. */
export function chatMetadata(file: string): Record<string, unknown> | null {
  let fd: number | null = null;
  try {
    fd = fs.openSync(file, "r");
    const buffer = Buffer.alloc(16 * 1024);
    const n = fs.readSync(fd, buffer, 0, buffer.length, 0);
    const first = buffer.toString("utf8", 0, n).split("\n")[0] ?? "";
    const record = parseJsonLine(first);
    return record && typeof record.sessionId === "string" ? record : null;
  } catch {
    return null;
  } finally {
    if (fd !== null) fs.closeSync(fd);
  }
}

/** The session id a chat file's metadata names (lower case), or null. */
export function chatSessionId(file: string): string | null {
  const id = chatMetadata(file)?.sessionId;
  return isSessionId(id) ? id.toLowerCase() : null;
}

function list(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

/**
 * The project folder names (`~/.gemini/tmp/<name>`) Gemini CLI gave `cwd`, from its registry
 * `projects.json` (`{"projects": {"<root>": "<name>"}}`); empty when unknown.
 */
export function projectSlugs(dir: string, cwd: string | null): string[] {
  if (!cwd) return [];
  try {
    const registry = JSON.parse(fs.readFileSync(path.join(dir, "projects.json"), "utf8")) as {
      projects?: Record<string, unknown>;
    };
    const slug = registry.projects?.[cwd];
    return typeof slug === "string" && !slug.includes("/") && slug !== ".." ? [slug] : [];
  } catch {
    return [];
  }
}

/** Chat files of main sessions: in the project's folder when `cwd` is known to the registry, else in all. */
export function listChats(dir: string, cwd: string | null = null): string[] {
  const tmp = path.join(dir, "tmp");
  const slugs = projectSlugs(dir, cwd);
  const folders = slugs.length > 0 ? slugs : list(tmp);
  return folders.flatMap((slug) => {
    const chats = path.join(tmp, slug, "chats");
    return list(chats)
      .filter((name) => CHAT_RE.test(name))
      .map((name) => path.join(chats, name));
  });
}

/**
 * The chat file of a session: `<gemini dir>/tmp/<project>/chats/session-<time>-<id8>.jsonl` whose
 * metadata names the session (the newest, if a resumed session wrote more than one).
 */
export function findChat(dir: string, sessionId: string, cwd: string | null = null): string | null {
  const id = sessionId.toLowerCase();
  const short = id.slice(0, 8);
  const search = (files: string[]) =>
    files
      .filter((f) => CHAT_RE.exec(path.basename(f))?.[1]?.toLowerCase() === short)
      .filter((f) => chatSessionId(f) === id)
      .sort()
      .at(-1) ?? null;
  return (cwd ? search(listChats(dir, cwd)) : null) ?? search(listChats(dir));
}
