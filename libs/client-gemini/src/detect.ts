import {
  clientInfoVerdict,
  type DetectedSession,
  type DetectionContext,
  type DetectionReport,
  type IdentityDrop,
  type ProcessInfo,
  processAncestry,
  processEnvironment,
  processStartedAt,
  readIdentityDrops,
  type StrategyVerdict,
  tmuxSocketFromEnv,
} from "@oxtail/core";
import { chatMetadata, chatSessionId, findChat, listChats } from "./paths.js";

/** The fields of a detected session that hold text (the client's pid is a number). */
type TextField = Exclude<keyof DetectedSession, "clientPid">;

/** The MCP `initialize` clientInfo name Gemini CLI sends. */
export const GEMINI_CLIENT_INFO_NAME = "gemini-cli-mcp-client";
/** The variable Gemini CLI adds to its MCP servers' (and tools') environment. */
export const GEMINI_ENV_MARK = "GEMINI_CLI";

/**
 * A Gemini CLI process: Node running the `gemini` launcher or the bundle's `gemini.js` (the CLI
 * relaunches itself once as a child with a larger heap; the child runs the session, its hooks and
 * its MCP servers).
 */
export function isGeminiProcess(p: ProcessInfo): boolean {
  const argv = p.cmdline.split(" ");
  if (p.comm === "gemini") return true;
  return argv.slice(0, 6).some((arg) => /(^|\/)gemini(\.js)?$/.test(arg));
}

/** How close (ms) a chat's start must be to the client process's start to be taken as its own. */
export const CHAT_TIME_WINDOW_MS = 30_000;
/** How much nearer (ms) the nearest chat must be than the next for the match to count. */
export const CHAT_TIME_MARGIN_MS = 2_000;

/**
 * Gemini CLI's detection ladder. Its MCP servers get no session id, but everything else is there:
 * clientInfo; the environment (`GEMINI_CLI=1`, and the pane: `TMUX`/`TMUX_PANE` pass through);
 * process ancestry (the client is our parent: its pid, start time and pane); the identity its
 * SessionStart hook leaves at launch (the session id, chat file and cwd, with the hook's ancestry,
 * which holds the same client process); and, without hooks, chat birth: the one chat of this project
 * started next to the client process.
 */
export async function detectGemini(context: DetectionContext, dir: string): Promise<DetectionReport> {
  const strategies: StrategyVerdict[] = [];
  const session: DetectedSession = {};
  const take = (key: TextField, value: string | null | undefined): void => {
    if (value && !session[key]) session[key] = value;
  };

  // 1. clientInfo
  const byClientInfo = clientInfoVerdict(context.clientInfo, GEMINI_CLIENT_INFO_NAME);
  strategies.push(byClientInfo.verdict);
  take("clientVersion", byClientInfo.version);

  // 2. environment
  const env = context.env;
  const marked = env[GEMINI_ENV_MARK] === "1";
  take("tmuxPane", marked ? env.TMUX_PANE : null);
  take("tmuxSocket", marked ? tmuxSocketFromEnv(env.TMUX) : null);
  strategies.push({
    strategy: "env",
    found: marked,
    reason: marked
      ? `${GEMINI_ENV_MARK}=1${env.TMUX_PANE ? `; TMUX_PANE=${env.TMUX_PANE}` : "; no TMUX_PANE (not in tmux)"}`
      : `no ${GEMINI_ENV_MARK}=1 (Gemini CLI sets it for its MCP servers)`,
  });

  // 3. process ancestry: the nearest Gemini CLI process is the one that runs the session
  const ancestors = processAncestry(context.pid);
  const gemini = ancestors.filter(isGeminiProcess);
  const client = gemini[0];
  if (client) {
    session.clientPid = client.pid;
    take("clientStartTime", client.startTime);
    const clientEnv = processEnvironment(client.pid);
    take("tmuxPane", clientEnv?.TMUX_PANE ?? null);
    take("tmuxSocket", tmuxSocketFromEnv(clientEnv?.TMUX));
  }
  strategies.push({
    strategy: "ancestry",
    found: Boolean(client),
    reason: client
      ? `ancestor pid ${client.pid} is Gemini CLI${session.tmuxPane ? ` in pane ${session.tmuxPane}` : ""}`
      : ancestors.length === 0
        ? "no process ancestry (not Linux, or /proc unreadable)"
        : "no Gemini CLI process among our ancestors",
  });

  // 4. the identity its SessionStart (or BeforeAgent) hook left: the session id at launch
  const drops = context.oxtailHome
    ? readIdentityDrops(context.oxtailHome).filter((d) => d.client_type === "gemini")
    : [];
  const drop = pickDrop(
    drops,
    gemini.map((p) => p.pid),
    context.cwd,
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
      ? `the ${drop.event} hook left session ${drop.session_id} at ${drop.at}`
      : !context.oxtailHome
        ? "no oxtail data directory"
        : gemini.length === 0
          ? "no Gemini CLI process among our ancestors to match a hook's identity with"
          : drops.length === 0
            ? "no Gemini CLI hook has left an identity yet (SessionStart fires at launch once `oxtail setup --gemini` installed it)"
            : "no hook identity names our Gemini CLI process",
  });

  // 5. chat birth: Gemini CLI writes the session's chat file at launch
  if (!session.sessionId && client) {
    const born = processStartedAt(client.pid) ?? context.startedAt;
    const { best, runnerUp } = nearestChats(dir, context.cwd, born);
    const clear =
      best !== null && (runnerUp === null || runnerUp.distance - best.distance > CHAT_TIME_MARGIN_MS);
    if (best && clear) {
      take("transcriptPath", best.file);
      take("sessionId", chatSessionId(best.file));
    }
    strategies.push({
      strategy: "chat-birth",
      found: Boolean(best && clear),
      reason: !best
        ? `no chat of this folder started within ${CHAT_TIME_WINDOW_MS / 1000} s of Gemini CLI's start`
        : clear
          ? `the chat of session ${chatSessionId(best.file)} started ${Math.round(best.distance)} ms from Gemini CLI's start${runnerUp ? ` (the next nearest: ${Math.round(runnerUp.distance)} ms)` : ""}`
          : `chats of this folder started ${Math.round(best.distance)} ms and ${Math.round((runnerUp as Near).distance)} ms from Gemini CLI's start: ambiguous`,
    });
  } else {
    strategies.push({
      strategy: "chat-birth",
      found: false,
      reason: session.sessionId
        ? "not needed: the session id is known"
        : "no Gemini CLI process to date the chat by",
    });
  }

  if (session.sessionId && !session.transcriptPath)
    take("transcriptPath", findChat(dir, session.sessionId, context.cwd));
  take("cwd", context.cwd);
  const matched = byClientInfo.verdict.found || marked || Boolean(client);
  return matched ? { matched, strategies, session } : { matched, strategies };
}

/** The drop whose hook ran under our Gemini CLI process (one session only), or null. */
function pickDrop(drops: IdentityDrop[], geminiPids: number[], cwd: string): IdentityDrop | null {
  if (geminiPids.length === 0) return null;
  const mine = drops.filter(
    (d) => d.ancestor_pids.some((pid) => geminiPids.includes(pid)) && (d.cwd === null || d.cwd === cwd),
  );
  const sessions = new Set(mine.map((d) => d.session_id));
  return sessions.size === 1 ? (mine[0] ?? null) : null;
}

interface Near {
  file: string;
  distance: number;
}

/** The main chats of `cwd` whose start is within the window of `born`: the nearest and the next. */
function nearestChats(dir: string, cwd: string, born: number): { best: Near | null; runnerUp: Near | null } {
  const near: Near[] = [];
  for (const file of listChats(dir, cwd)) {
    const meta = chatMetadata(file);
    const start = typeof meta?.startTime === "string" ? Date.parse(meta.startTime) : Number.NaN;
    if (!meta || meta.kind === "subagent" || Number.isNaN(start)) continue;
    const distance = Math.abs(start - born);
    if (distance <= CHAT_TIME_WINDOW_MS) near.push({ file, distance });
  }
  near.sort((a, b) => a.distance - b.distance);
  return { best: near[0] ?? null, runnerUp: near[1] ?? null };
}
