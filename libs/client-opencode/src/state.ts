import path from "node:path";
import { parseJsonLine, readLinesBackward, resolveHome } from "@oxtail/core";
import { isOpenCodeSessionId } from "./ids.js";

/** One line of a session's state log, as the plugin writes it (src/plugin.ts). */
export interface StateLine {
  /** OpenCode's own session id (`ses_…`). */
  session: string;
  status: "busy" | "idle";
  /** The TUI's server as OpenCode told the plugin (`serverUrl`), or null. */
  serverUrl: string | null;
  /** The OpenCode process the plugin runs in. */
  pid: number | null;
  cwd: string | null;
  at: string | null;
}

/** Where the plugin keeps a session's state log: `$OXTAIL_HOME/opencode/<uuid>.jsonl`. */
export function stateLogPath(
  uuid: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): string {
  return path.join(resolveHome(env as NodeJS.ProcessEnv), "opencode", `${uuid.toLowerCase()}.jsonl`);
}

/** A state line, or null for anything else (unknown, malformed, partial). */
export function parseStateLine(line: string): StateLine | null {
  const r = parseJsonLine(line);
  if (r?.v !== 1 || !isOpenCodeSessionId(r.session)) return null;
  if (r.status !== "busy" && r.status !== "idle") return null;
  return {
    session: r.session,
    status: r.status,
    serverUrl: typeof r.server_url === "string" ? r.server_url : null,
    pid: Number.isInteger(r.pid) && (r.pid as number) > 0 ? (r.pid as number) : null,
    cwd: typeof r.cwd === "string" ? r.cwd : null,
    at: typeof r.at === "string" && !Number.isNaN(Date.parse(r.at)) ? r.at : null,
  };
}

/** The newest state line of a log, read from its end (at most `maxLines` lines looked at); throws no-transcript when missing. */
export async function newestState(file: string, maxLines = 200): Promise<StateLine | null> {
  let seen = 0;
  for await (const line of readLinesBackward(file)) {
    const state = parseStateLine(line);
    if (state) return state;
    if (++seen >= maxLines) break;
  }
  return null;
}
