import {
  clientInfoVerdict,
  type DetectedSession,
  type DetectionContext,
  type DetectionReport,
  type IdentityDrop,
  type ProcessInfo,
  processAncestry,
  readIdentityDrops,
  type StrategyVerdict,
  tmuxSocketFromEnv,
} from "@oxtail/core";

/** The MCP `initialize` clientInfo name OpenCode sends (1.18.33). */
export const OPENCODE_CLIENT_INFO_NAME = "opencode";
/** The adapter's name: `client_type` in the plugin's identity drops. */
export const OPENCODE_ADAPTER_NAME = "opencode";

/** An OpenCode process (the npm launcher execs the native binary, named `opencode`). */
export function isOpenCodeProcess(p: ProcessInfo): boolean {
  const argv0 = p.cmdline.split(" ")[0] ?? "";
  return p.comm === "opencode" || /(^|\/)opencode(\.exe)?$/.test(argv0);
}

/**
 * OpenCode's detection ladder: clientInfo `opencode`; `OPENCODE_PID` (OpenCode gives its MCP
 * servers its whole environment plus `OPENCODE=1`, `OPENCODE_PID`); process ancestry (the server is
 * OpenCode's child); and the session, from the identity drop the oxtail plugin leaves for each
 * session it sees, taken from this OpenCode process. OpenCode runs one MCP server per process, for
 * all its sessions: the session with the newest status event is taken.
 */
export async function detectOpenCode(context: DetectionContext): Promise<DetectionReport> {
  const strategies: StrategyVerdict[] = [];
  const session: DetectedSession = {};
  const info = clientInfoVerdict(context.clientInfo, OPENCODE_CLIENT_INFO_NAME);
  strategies.push(info.verdict);
  if (info.version) session.clientVersion = info.version;

  const envPid = Number(context.env.OPENCODE_PID);
  const pidFromEnv = Number.isInteger(envPid) && envPid > 0 ? envPid : null;
  strategies.push({
    strategy: "env",
    found: pidFromEnv !== null,
    reason: pidFromEnv
      ? `OPENCODE_PID=${pidFromEnv}`
      : "no OPENCODE_PID (OpenCode sets it for its MCP servers)",
  });

  const ancestor = processAncestry(context.pid).find(isOpenCodeProcess) ?? null;
  strategies.push({
    strategy: "ancestry",
    found: ancestor !== null,
    reason: ancestor ? `ancestor pid ${ancestor.pid} is OpenCode` : "no OpenCode process among our ancestors",
  });
  const clientPid = ancestor?.pid ?? pidFromEnv;
  if (ancestor) {
    session.clientPid = ancestor.pid;
    session.clientStartTime = ancestor.startTime;
  }

  const drops = context.oxtailHome
    ? readIdentityDrops(context.oxtailHome).filter((d) => d.client_type === OPENCODE_ADAPTER_NAME)
    : [];
  const drop: IdentityDrop | null =
    clientPid === null ? null : (drops.find((d) => d.ancestor_pids.includes(clientPid)) ?? null);
  if (drop) {
    session.sessionId = drop.session_id;
    session.transcriptPath = drop.transcript_path;
    session.cwd = drop.cwd;
  }
  strategies.push({
    strategy: "plugin",
    found: drop !== null,
    reason: drop
      ? `the oxtail plugin in OpenCode pid ${clientPid} logged session ${drop.session_id} (${drop.event}, ${drop.at})`
      : !context.oxtailHome
        ? "no oxtail data directory"
        : clientPid === null
          ? "no OpenCode process known to match the plugin's drops with"
          : "the oxtail plugin has logged no session of this OpenCode yet (it does at the first prompt; is it installed? oxtail setup --opencode)",
  });

  session.tmuxPane = drop?.tmux_pane ?? context.env.TMUX_PANE ?? null;
  session.tmuxSocket = drop?.tmux_socket ?? tmuxSocketFromEnv(context.env.TMUX);
  session.cwd ??= context.cwd;
  const matched = info.verdict.found || pidFromEnv !== null || ancestor !== null;
  return matched ? { matched, strategies, session } : { matched, strategies };
}
