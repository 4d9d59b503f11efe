import { isOxtailError } from "@oxtail/core";
import type { TmuxPane } from "@oxtail/wake-tmux";
import type { ServerContext } from "../context.js";
import { agentCwd, callerScope, inScope, isMe, isPaneOf, projectOf } from "./peers.js";
import { ok } from "./result.js";

/**
 * One row per registered agent of the caller's project (rows may share a tmux name), plus one
 * row with null client fields per tmux session with a pane whose cwd is in the project and
 * that no agent registered (never the pane of another project's agent). Each row says its
 * worktree. tmux being absent or down is a non-fatal `error`: the registry rows still answer.
 */
export async function listProjectSessions(context: ServerContext, args: { project_root?: string }) {
  const scope = callerScope(context, args.project_root);
  const all = await context.registry.list();
  const agents = all.filter((a) => inScope(scope, a));
  const strangers = all.filter((a) => !agents.includes(a));
  const sockets = new Set<string | null>([null, ...agents.map((a) => a.tmux?.socket ?? null)]);
  const panes: TmuxPane[] = [];
  let tmuxError: string | undefined;
  // Every tmux server at once: a stuck one costs one time limit, not one per server.
  const listed = await Promise.allSettled([...sockets].map((socket) => context.tmuxFor(socket).listPanes()));
  for (const [i, socket] of [...sockets].entries()) {
    const result = listed[i] as PromiseSettledResult<TmuxPane[]>;
    if (result.status === "fulfilled") panes.push(...result.value);
    else if (socket === null)
      tmuxError = isOxtailError(result.reason, "tmux-unavailable")
        ? "tmux is not installed: only registered agents are listed"
        : `tmux: ${(result.reason as Error).message}`;
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
    const pane = panes.find((p) => isPaneOf(agent, p));
    rows.push({
      tmux_session: pane?.session ?? agent.tmux?.session ?? null,
      window: pane?.window ?? agent.tmux?.window ?? null,
      pane: agent.tmux?.pane ?? null,
      cwd: agentCwd(agent),
      worktree: projectOf(agentCwd(agent)).worktree,
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
    if (seen.has(key) || strangers.some((a) => isPaneOf(a, pane))) continue;
    const paneProject = projectOf(pane.cwd);
    if (paneProject.id !== scope.project.id) continue;
    seen.add(key);
    if (claimed.has(key) || agents.some((a) => a.tmux?.session === pane.session && !a.tmux?.socket)) continue;
    rows.push({
      tmux_session: pane.session,
      window: pane.window,
      pane: pane.pane,
      cwd: pane.cwd,
      worktree: paneProject.worktree,
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
    project_id: scope.project.id,
    inferred: scope.inferred,
    rows,
    ...(tmuxError ? { error: tmuxError } : {}),
  });
}
