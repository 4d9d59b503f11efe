import fs from "node:fs";
import {
  clientInfoVerdict,
  type DetectionContext,
  type DetectionReport,
  isSessionId,
  tmuxSocketFromEnv,
} from "@oxtail/core";
import { transcriptFile } from "./paths.js";

/** The name Plainlog gives itself in MCP `initialize`. */
export const PLAINLOG_CLIENT_NAME = "plainlog";
/** The variable Plainlog sets for its MCP servers and hooks: the session id. */
export const PLAINLOG_SESSION_ENV = "PLAINLOG_SESSION_ID";

/**
 * The detection ladder: `clientInfo` (Plainlog names itself in `initialize`), `env` (it passes the
 * session id in PLAINLOG_SESSION_ID), then `transcript` (the session's file is where Plainlog writes it).
 * Every rung says why it found something or not: `get_my_session` shows it.
 */
export async function detectPlainlog(context: DetectionContext, dir: string): Promise<DetectionReport> {
  const info = clientInfoVerdict(context.clientInfo, PLAINLOG_CLIENT_NAME);
  const raw = context.env[PLAINLOG_SESSION_ENV];
  const sessionId = isSessionId(raw) ? raw.toLowerCase() : null;
  const transcript = sessionId ? transcriptFile(dir, sessionId) : null;
  const written = transcript !== null && fs.existsSync(transcript);
  const strategies = [
    info.verdict,
    {
      strategy: "env",
      found: sessionId !== null,
      reason: sessionId
        ? `${PLAINLOG_SESSION_ENV}=${sessionId}`
        : raw
          ? `${PLAINLOG_SESSION_ENV} is not a session id`
          : `no ${PLAINLOG_SESSION_ENV} in the environment`,
    },
    {
      strategy: "transcript",
      found: written,
      reason: transcript
        ? `${transcript} ${written ? "exists" : "is not written yet (Plainlog writes it at the first turn)"}`
        : "no session id to look for",
    },
  ];
  if (!info.verdict.found && !sessionId) return { matched: false, strategies };
  return {
    matched: true,
    strategies,
    session: {
      sessionId,
      transcriptPath: transcript,
      cwd: context.cwd,
      clientVersion: info.version,
      tmuxPane: context.env.TMUX_PANE ?? null,
      tmuxSocket: tmuxSocketFromEnv(context.env.TMUX),
    },
  };
}
