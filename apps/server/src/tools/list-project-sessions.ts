import { isOxtailError, isWithin, resolveProjectScope } from "@oxtail/core";
import type { TmuxPane } from "@oxtail/wake-tmux";
import type { ServerContext } from "../context.js";
import { agentCwd, agentsInScope, isMe } from "./peers.js";
import { ok } from "./result.js";

/**
 * One row per registered agent in scope (rows may share a tmux name), plus one row with
 * null client fields per tmux session in scope that no agent registered. tmux being
 * absent or down is a non-fatal `error`: the registry rows still answer.
 */
export async function listProjectSessions(context: ServerContext, args: { project_root?: string }) {
  const scope = resolveProjectScope(args.project_root, context.cwd);
  const agents = await agentsInScope(context, scope);
  const sockets = new Set<string | null>([null, ...agents.map((a) => a.tmux?.socket ?? null)]);
  const panes: TmuxPane[] = [];
  let tmuxError: string | undefined;
  for (const socket of sockets) {
    try {
      panes.push(...(await context.tmuxFor(socket).listPanes()));
    } catch (error) {
      if (socket === null)
        tmuxError = isOxtailError(error, "tmux-unavailable")
          ? "tmux is not installed: only registered agents are listed"
          : `tmux: ${(error as Error).message}`;
    }
  }
  if (!tmuxError && panes.length === 0)
    tmuxError = "no tmux server is running: only registered agents are listed";

  const rows = [];
  for (const agent of agents) {
    const adapter = context.adapterFor(agent.client.type);
    const liveness =
      adapter?.capabilities.liveness && adapter.liveness
        ? await adapter.liveness(agent).catch(() => null)
        : null;
    const pane = panes.find(
      (p) => p.pane === agent.tmux?.pane && (!agent.tmux?.socket || p.socket === agent.tmux.socket),
    );
    rows.push({
      tmux_session: pane?.session ?? agent.tmux?.session ?? null,
      window: pane?.window ?? agent.tmux?.window ?? null,
      pane: agent.tmux?.pane ?? null,
      cwd: agentCwd(agent),
      attached: pane ? pane.attached : null,
      client_type: agent.client.type,
      session_id: agent.client.session_id,
      state: agent.state,
      liveness: liveness
        ? { state: liveness.state, last_activity: liveness.lastActivity, reason: liveness.reason }
        : null,
      last_activity: liveness?.lastActivity ?? agent.updated_at,
      is_me: isMe(context, agent),
    });
  }
  const claimed = new Set(agents.map((a) => `${a.tmux?.socket ?? ""}|${a.tmux?.session ?? ""}`));
  const seen = new Set<string>();
  for (const pane of panes) {
    const key = `${pane.socket}|${pane.session}`;
    if (seen.has(key) || !isWithin(scope.root, pane.cwd)) continue;
    seen.add(key);
    if (claimed.has(key) || agents.some((a) => a.tmux?.session === pane.session && !a.tmux?.socket)) continue;
    rows.push({
      tmux_session: pane.session,
      window: pane.window,
      pane: pane.pane,
      cwd: pane.cwd,
      attached: pane.attached,
      client_type: null,
      session_id: null,
      state: null,
      liveness: null,
      last_activity: null,
      is_me: false,
    });
  }
  return ok({
    project_root: scope.root,
    inferred: scope.inferred,
    rows,
    ...(tmuxError ? { error: tmuxError } : {}),
  });
}
