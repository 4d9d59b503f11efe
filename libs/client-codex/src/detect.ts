import fs from "node:fs";
import {
  clientInfoVerdict,
  type DetectedSession,
  type DetectionContext,
  type DetectionReport,
  type IdentityDrop,
  isSessionId,
  openFiles,
  type ProcessInfo,
  parseJsonLine,
  processAncestry,
  processEnvironment,
  processInfo,
  processStartedAt,
  readIdentityDrops,
  type StrategyVerdict,
  tmuxSocketFromEnv,
} from "@oxtail/core";
import { allDayFolders, findRollout, listRollouts, threadIdOfRollout, uuidV7Time } from "./paths.js";

/** The fields of a detected session that hold text (the client's pid is a number). */
type TextField = Exclude<keyof DetectedSession, "clientPid">;

/** The MCP `initialize` clientInfo name Codex sends. */
export const CODEX_CLIENT_INFO_NAME = "codex-mcp-client";

/** A Codex process: the TUI, or its app-server (the shared daemon, or the in-process one of `--no-daemon`). */
export function codexRole(p: ProcessInfo): "daemon" | "tui" | null {
  const argv = p.cmdline.split(" ");
  const isCodex = p.comm === "codex" || /(^|\/)codex$/.test(argv[0] ?? "");
  if (!isCodex) return null;
  return argv.includes("app-server") ? "daemon" : "tui";
}

/** The cwd a rollout's `session_meta` names (its first line), or null. */
export function rolloutCwd(file: string): string | null {
  try {
    const fd = fs.openSync(file, "r");
    try {
      const buffer = Buffer.alloc(64 * 1024);
      const n = fs.readSync(fd, buffer, 0, buffer.length, 0);
      const first = buffer.toString("utf8", 0, n).split("\n")[0] ?? "";
      const record = parseJsonLine(first);
      const payload = record?.type === "session_meta" ? (record.payload as { cwd?: unknown }) : null;
      return typeof payload?.cwd === "string" ? payload.cwd : null;
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return null;
  }
}

/** How close (ms) a thread's creation must be to the server's start to be taken as its own. */
export const THREAD_TIME_WINDOW_MS = 15_000;
/** How much nearer (ms) the nearest thread must be than the next for the match to count. */
export const THREAD_TIME_MARGIN_MS = 2_000;

/**
 * Codex's detection ladder. Codex gives MCP servers a stripped environment and, by
 * default, runs them under a shared daemon, so no single strategy always works:
 * clientInfo; environment (`CODEX_THREAD_ID` / `TMUX_PANE` only when forwarded with
 * `env_vars`, and the pane only when no daemon is between us and the TUI); process
 * ancestry (`--no-daemon`: the TUI is an ancestor, with its pane and open rollout);
 * a hook's identity drop (hooks carry the thread id); and thread time (a UUIDv7 thread
 * id records its creation: the one rollout of this cwd created near our start).
 */
export async function detectCodex(context: DetectionContext, home: string): Promise<DetectionReport> {
  const strategies: StrategyVerdict[] = [];
  const session: DetectedSession = {};
  const take = (key: TextField, value: string | null | undefined): void => {
    if (value && !session[key]) session[key] = value;
  };

  // 1. clientInfo
  const byClientInfo = clientInfoVerdict(context.clientInfo, CODEX_CLIENT_INFO_NAME);
  const byInfo = byClientInfo.verdict.found;
  strategies.push(byClientInfo.verdict);
  take("clientVersion", byClientInfo.version);

  // 2. process ancestry
  const ancestors = processAncestry(context.pid);
  const codex = ancestors.map((p) => ({ p, role: codexRole(p) })).filter((x) => x.role !== null);
  // With --no-daemon the app-server runs inside the TUI, so our nearest Codex ancestor is the
  // TUI itself. Under the shared daemon it is the daemon, which may in turn descend from the
  // TUI that happened to start it: that TUI is not necessarily ours.
  const nearest = codex[0];
  const tui = nearest?.role === "tui" ? nearest.p : undefined;
  const daemon = nearest?.role === "daemon" ? nearest.p : undefined;
  const underDaemon = Boolean(daemon);

  // 3. environment (only what env_vars forwards; never a daemon's stale pane)
  const env = context.env;
  if (isSessionId(env.CODEX_THREAD_ID)) take("sessionId", env.CODEX_THREAD_ID.toLowerCase());
  const envPane = underDaemon ? null : (env.TMUX_PANE ?? null);
  take("tmuxPane", envPane);
  take("tmuxSocket", underDaemon ? null : tmuxSocketFromEnv(env.TMUX));
  strategies.push({
    strategy: "env",
    found: Boolean(isSessionId(env.CODEX_THREAD_ID) || envPane),
    reason: [
      isSessionId(env.CODEX_THREAD_ID)
        ? `CODEX_THREAD_ID=${env.CODEX_THREAD_ID}`
        : "no CODEX_THREAD_ID (Codex does not pass it to MCP servers)",
      underDaemon && env.TMUX_PANE
        ? `TMUX_PANE=${env.TMUX_PANE} ignored: under the shared daemon it is the pane of whichever TUI started the daemon`
        : envPane
          ? `TMUX_PANE=${envPane}`
          : "no TMUX_PANE (add it to env_vars)",
    ].join("; "),
  });

  if (tui) {
    // The client's own process: a wake types only into the pane whose processes include it (or us).
    session.clientPid = tui.pid;
    take("clientStartTime", tui.startTime);
    const tuiEnv = processEnvironment(tui.pid);
    const rollout = openFiles(tui.pid).find((f) => threadIdOfRollout(f) !== null) ?? null;
    take("tmuxPane", tuiEnv?.TMUX_PANE ?? null);
    take("tmuxSocket", tmuxSocketFromEnv(tuiEnv?.TMUX));
    if (rollout) {
      take("transcriptPath", rollout);
      take("sessionId", threadIdOfRollout(rollout));
    }
    strategies.push({
      strategy: "ancestry",
      found: true,
      reason: `ancestor pid ${tui.pid} is the Codex TUI${tuiEnv?.TMUX_PANE ? ` in pane ${tuiEnv.TMUX_PANE}` : ""}${rollout ? `; it holds ${rollout} open` : "; it holds no rollout open"}`,
    });
  } else {
    strategies.push({
      strategy: "ancestry",
      found: Boolean(daemon),
      reason: daemon
        ? `ancestor pid ${daemon.pid} is Codex's shared app-server daemon: ancestry does not lead to the TUI or its pane`
        : ancestors.length === 0
          ? "no process ancestry (not Linux, or /proc unreadable)"
          : "no Codex process among our ancestors",
    });
  }

  // 4. identity dropped by a hook (SessionStart / UserPromptSubmit carry the thread id)
  const drops = context.oxtailHome
    ? readIdentityDrops(context.oxtailHome).filter((d) => d.client_type === "codex")
    : [];
  const drop = pickDrop(
    drops,
    session.sessionId ?? null,
    codex.map((x) => x.p.pid),
    context.cwd,
  );
  if (drop) {
    take("sessionId", drop.session_id);
    take("transcriptPath", drop.transcript_path);
    take("cwd", drop.cwd);
    if (!underDaemon) take("tmuxPane", drop.tmux_pane);
  }
  strategies.push({
    strategy: "hook-drop",
    found: Boolean(drop),
    reason: drop
      ? `the ${drop.event} hook left thread ${drop.session_id} at ${drop.at}`
      : !context.oxtailHome
        ? "no oxtail data directory"
        : drops.length === 0
          ? "no Codex hook has left an identity drop yet (hooks fire at the first prompt)"
          : "several threads of this project share our Codex process: the drop is ambiguous",
  });

  // 5. thread time: the rollout of this cwd whose UUIDv7 creation is nearest our start
  if (!session.sessionId) {
    const { best, runnerUp } = nearestRollouts(home, context.cwd, context.startedAt);
    const clear =
      best !== null && (runnerUp === null || runnerUp.distance - best.distance > THREAD_TIME_MARGIN_MS);
    if (best && clear) {
      take("transcriptPath", best.file);
      take("sessionId", threadIdOfRollout(best.file));
    }
    strategies.push({
      strategy: "thread-time",
      found: Boolean(best && clear),
      reason: !best
        ? `no rollout of this folder was created within ${THREAD_TIME_WINDOW_MS / 1000} s of this server's start (Codex writes it at the first prompt)`
        : clear
          ? `thread ${threadIdOfRollout(best.file)} of this folder was created ${Math.round(best.distance)} ms from this server's start${runnerUp ? ` (the next nearest: ${Math.round(runnerUp.distance)} ms)` : ""}`
          : `threads of this folder were created ${Math.round(best.distance)} ms and ${Math.round((runnerUp as { distance: number }).distance)} ms from this server's start: ambiguous`,
    });
  } else {
    strategies.push({ strategy: "thread-time", found: false, reason: "not needed: the thread id is known" });
  }

  if (session.sessionId && !session.transcriptPath)
    take("transcriptPath", findRollout(home, session.sessionId));
  // 6. the TUI of this thread: the one Codex TUI in this folder that started just before the thread was created
  if (!session.tmuxPane && session.sessionId) {
    const born = uuidV7Time(session.sessionId);
    const near = born === null ? [] : tuisStartedNear(born, context.cwd);
    // Two TUIs started close together in one folder: one that another live agent already holds with
    // another thread (its own server found it first) is not this thread's.
    const held = (pid: number) =>
      (context.otherAgents ?? []).some(
        (a) =>
          a.clientPid === pid &&
          a.sessionId !== session.sessionId &&
          (a.clientStartTime === null || a.clientStartTime === processInfo(pid)?.startTime),
      );
    const tuis = near.length > 1 ? near.filter((pid) => !held(pid)) : near;
    const paneEnv = tuis.length === 1 && tuis[0] ? processEnvironment(tuis[0]) : null;
    take("tmuxPane", paneEnv?.TMUX_PANE ?? null);
    take("tmuxSocket", tmuxSocketFromEnv(paneEnv?.TMUX));
    // Under the shared daemon this server is not in the TUI's pane: the TUI is the process a
    // pane must hold before a wake types into it.
    const tuiInfo = tuis.length === 1 && tuis[0] ? processInfo(tuis[0]) : null;
    if (tuiInfo && !session.clientPid) {
      session.clientPid = tuiInfo.pid;
      take("clientStartTime", tuiInfo.startTime);
    }
    strategies.push({
      strategy: "tui-by-thread-time",
      found: Boolean(paneEnv?.TMUX_PANE),
      reason:
        born === null
          ? "the thread id is not a UUIDv7: its creation time is unknown"
          : tuis.length === 1
            ? `Codex TUI pid ${tuis[0]} in this folder started ${born - (processStartedAt(tuis[0] as number) ?? born)} ms before the thread was created${paneEnv?.TMUX_PANE ? `; its pane is ${paneEnv.TMUX_PANE}` : "; it runs outside tmux"}`
            : tuis.length === 0
              ? `no Codex TUI in this folder started in the ${TUI_START_WINDOW_MS / 1000} s before the thread was created`
              : `${tuis.length} Codex TUIs in this folder started in the ${TUI_START_WINDOW_MS / 1000} s before the thread was created, none held by another agent: ambiguous`,
    });
  } else {
    strategies.push({
      strategy: "tui-by-thread-time",
      found: false,
      reason: session.tmuxPane ? "not needed: the pane is known" : "the thread id is not known yet",
    });
  }
  take("cwd", context.cwd);
  const matched = byInfo || codex.length > 0;
  return matched ? { matched, strategies, session } : { matched, strategies };
}

function pickDrop(
  drops: IdentityDrop[],
  threadId: string | null,
  codexPids: number[],
  cwd: string,
): IdentityDrop | null {
  if (threadId) return drops.find((d) => d.session_id === threadId) ?? null;
  const mine = drops.filter(
    (d) => d.ancestor_pids.some((pid) => codexPids.includes(pid)) && (d.cwd === null || d.cwd === cwd),
  );
  const threads = new Set(mine.map((d) => d.session_id));
  return threads.size === 1 ? (mine[0] ?? null) : null;
}

/**
 * How long (ms) before its thread's creation a TUI may have started. A loaded machine was seen to take
 * over 5 s from a TUI's start to its thread (CI, four real clients side by side); two TUIs of one folder
 * inside the window are ambiguous and give no pane, so a wider window never picks a wrong one.
 */
export const TUI_START_WINDOW_MS = 15_000;

/** Pids of Codex TUIs whose cwd is `cwd` and that started within the window of `born`. */
function tuisStartedNear(born: number, cwd: string): number[] {
  const out: number[] = [];
  let entries: string[];
  try {
    entries = fs.readdirSync("/proc");
  } catch {
    return out;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const info = processInfo(pid);
    if (!info || codexRole(info) !== "tui") continue;
    let processCwd: string;
    try {
      processCwd = fs.readlinkSync(`/proc/${pid}/cwd`);
    } catch {
      continue;
    }
    const started = processStartedAt(pid);
    // A thread is created after its TUI starts (measured: ~0.6 s, ~2.5 s when that TUI also starts the daemon).
    if (
      processCwd === cwd &&
      started !== null &&
      started <= born + 100 &&
      born - started <= TUI_START_WINDOW_MS
    )
      out.push(pid);
  }
  // A TUI run by the npm launcher is a native child of a node wrapper with the same cwd: keep the innermost.
  return out.filter((pid) => !out.some((other) => other !== pid && processInfo(other)?.ppid === pid));
}

/** The rollouts of `cwd` created within the window of `startedAt`: the nearest and the next nearest. */
function nearestRollouts(
  home: string,
  cwd: string,
  startedAt: number,
): { best: Near | null; runnerUp: Near | null } {
  const near: Near[] = [];
  for (const dir of allDayFolders(`${home}/sessions`).slice(0, 3)) {
    for (const file of listRollouts(dir)) {
      const id = threadIdOfRollout(file);
      const born = id ? uuidV7Time(id) : null;
      if (born === null || Math.abs(born - startedAt) > THREAD_TIME_WINDOW_MS) continue;
      if (rolloutCwd(file) === cwd) near.push({ file, distance: Math.abs(born - startedAt) });
    }
  }
  near.sort((a, b) => a.distance - b.distance);
  return { best: near[0] ?? null, runnerUp: near[1] ?? null };
}

interface Near {
  file: string;
  distance: number;
}
