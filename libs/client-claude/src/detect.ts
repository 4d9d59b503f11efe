import fs from "node:fs";
import path from "node:path";
import {
  clientInfoVerdict,
  type DetectedSession,
  type DetectionContext,
  type DetectionReport,
  isSessionId,
  openFiles,
  type ProcessInfo,
  processAncestry,
  processEnvironment,
  processStartedAt,
  readIdentityDrops,
  type StrategyVerdict,
  tmuxSocketFromEnv,
} from "@oxtail/core";
import { findTranscriptIn, projectKey } from "./paths.js";
import { paneFromTmuxField, readSessionFile } from "./sessions.js";

/** The fields of a detected session that hold text (the client's pid is a number). */
type TextField = Exclude<keyof DetectedSession, "clientPid">;

/** The MCP `initialize` clientInfo name Claude Code sends. */
export const CLAUDE_CLIENT_INFO_NAME = "claude-code";

/** True for a Claude Code process (the npm package runs `bin/claude.exe`, a native binary). */
export function isClaudeProcess(p: ProcessInfo): boolean {
  const argv0 = p.cmdline.split(" ")[0] ?? "";
  return /^claude(\.exe)?$/.test(p.comm) || /(^|\/)claude(\.exe)?$/.test(argv0);
}

/**
 * Claude Code's detection ladder. Each strategy reports what it found and why:
 * clientInfo, environment (`CLAUDE_CODE_SESSION_ID`, `TMUX_PANE`), process ancestry (the
 * `claude` process among our ancestors, its session file and environment), a hook's
 * identity drop, and transcript birth (a transcript created after the client started).
 */
export async function detectClaude(context: DetectionContext, dir: string): Promise<DetectionReport> {
  const strategies: StrategyVerdict[] = [];
  const session: DetectedSession = {};
  const take = (key: TextField, value: string | null | undefined): void => {
    if (value && !session[key]) session[key] = value;
  };

  // 1. clientInfo
  const byClientInfo = clientInfoVerdict(context.clientInfo, CLAUDE_CLIENT_INFO_NAME);
  const byInfo = byClientInfo.verdict.found;
  strategies.push(byClientInfo.verdict);
  take("clientVersion", byClientInfo.version);

  // 2. environment
  const env = context.env;
  const envId = env.CLAUDE_CODE_SESSION_ID;
  const byEnv = env.CLAUDECODE === "1" || isSessionId(envId);
  if (isSessionId(envId)) take("sessionId", envId.toLowerCase());
  take("cwd", env.CLAUDE_PROJECT_DIR ?? null);
  take("tmuxPane", env.TMUX_PANE ?? null);
  take("tmuxSocket", tmuxSocketFromEnv(env.TMUX));
  strategies.push({
    strategy: "env",
    found: byEnv,
    reason: isSessionId(envId)
      ? `CLAUDE_CODE_SESSION_ID=${envId}${env.TMUX_PANE ? `, TMUX_PANE=${env.TMUX_PANE}` : ""}`
      : env.CLAUDECODE === "1"
        ? "CLAUDECODE=1 but no CLAUDE_CODE_SESSION_ID (an older Claude Code)"
        : "no CLAUDECODE / CLAUDE_CODE_SESSION_ID in the environment",
  });

  // 3. process ancestry (Linux /proc)
  const ancestors = processAncestry(context.pid);
  const claude = ancestors.find(isClaudeProcess);
  if (claude) {
    // The client's own process: a wake types only into the pane whose processes include it (or us).
    session.clientPid = claude.pid;
    take("clientStartTime", claude.startTime);
    const file = readSessionFile(dir, claude.pid);
    const parentEnv = processEnvironment(claude.pid);
    const open = openFiles(claude.pid).find(
      (f) => f.endsWith(".jsonl") && f.includes(`${path.sep}projects${path.sep}`),
    );
    take("sessionId", file?.sessionId ?? null);
    take("cwd", file?.cwd ?? null);
    take("tmuxPane", paneFromTmuxField(file?.tmux ?? null) ?? parentEnv?.TMUX_PANE ?? null);
    take("tmuxSocket", tmuxSocketFromEnv(parentEnv?.TMUX));
    take("transcriptPath", open ?? null);
    take("clientVersion", file?.version ?? null);
    strategies.push({
      strategy: "ancestry",
      found: true,
      reason: `ancestor pid ${claude.pid} is Claude Code${file ? `; its session file names ${file.sessionId}` : "; it has no session file"}${open ? `; it holds ${open} open` : ""}`,
    });
  } else {
    strategies.push({
      strategy: "ancestry",
      found: false,
      reason:
        ancestors.length === 0
          ? "no process ancestry (not Linux, or /proc unreadable)"
          : "no Claude Code process among our ancestors",
    });
  }

  // 4. identity dropped by a hook (SessionStart / UserPromptSubmit)
  const drops = context.oxtailHome
    ? readIdentityDrops(context.oxtailHome).filter((d) => d.client_type === "claude")
    : [];
  const drop = drops.find((d) =>
    session.sessionId
      ? d.session_id === session.sessionId
      : claude
        ? d.ancestor_pids.includes(claude.pid)
        : false,
  );
  if (drop) {
    take("sessionId", drop.session_id);
    take("transcriptPath", drop.transcript_path);
    take("cwd", drop.cwd);
    take("tmuxPane", drop.tmux_pane);
    take("tmuxSocket", drop.tmux_socket);
  }
  strategies.push({
    strategy: "hook-drop",
    found: Boolean(drop),
    reason: drop
      ? `the ${drop.event} hook left ${drop.session_id} at ${drop.at}`
      : !context.oxtailHome
        ? "no oxtail data directory"
        : drops.length === 0
          ? "no Claude hook has left an identity drop (is the hook installed?)"
          : "no drop matches this client process",
  });

  // 5. transcript birth: the one transcript of this project created since the client started
  const cwd = session.cwd ?? context.cwd;
  const clientStart = claude ? processStartedAt(claude.pid) : null;
  if (!session.sessionId && clientStart) {
    const folder = path.join(dir, "projects", projectKey(cwd));
    const born = listJsonl(folder).filter((f) => birthOf(f) >= clientStart - 1000);
    if (born.length === 1 && born[0]) {
      take("transcriptPath", born[0]);
      take("sessionId", path.basename(born[0], ".jsonl"));
    }
    strategies.push({
      strategy: "transcript-birth",
      found: born.length === 1,
      reason:
        born.length === 1
          ? `${born[0]} was created after the client started`
          : born.length === 0
            ? "no transcript created since the client started (Claude writes it at the first prompt)"
            : `${born.length} transcripts were created since the client started: ambiguous`,
    });
  } else {
    strategies.push({
      strategy: "transcript-birth",
      found: false,
      reason: session.sessionId
        ? "not needed: the session id is known"
        : "the client's start time is unknown",
    });
  }

  if (session.sessionId && !session.transcriptPath) {
    // Claude writes the transcript at the first prompt; until then, name the path it will have.
    const existing = findTranscriptIn(dir, session.sessionId, cwd);
    take(
      "transcriptPath",
      existing ?? path.join(dir, "projects", projectKey(cwd), `${session.sessionId}.jsonl`),
    );
  }
  take("cwd", context.cwd);
  const matched = byInfo || byEnv || Boolean(claude);
  return matched ? { matched, strategies, session } : { matched, strategies };
}

function listJsonl(folder: string): string[] {
  try {
    return fs
      .readdirSync(folder)
      .filter((n) => n.endsWith(".jsonl"))
      .map((n) => path.join(folder, n));
  } catch {
    return [];
  }
}

function birthOf(file: string): number {
  const stat = fs.statSync(file);
  return stat.birthtimeMs > 0 ? stat.birthtimeMs : stat.ctimeMs;
}
