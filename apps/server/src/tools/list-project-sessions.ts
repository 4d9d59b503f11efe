import { isOxtailError, safeLabel } from "@oxtail/core";
import { ageOf, shortSessionId } from "@oxtail/core/runtime";
import type { TmuxPane } from "@oxtail/wake-tmux";
import type { ServerContext } from "../context.js";
import { peerLiveness } from "./outlook.js";
import {
  agentCwd,
  callerScope,
  inScope,
  isMe,
  isPaneOf,
  machineField,
  projectOf,
  worktreeField,
} from "./peers.js";
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
  // At once: an agent of another machine is asked there.
  const lives = await Promise.all(agents.map((agent) => peerLiveness(context, agent)));
  for (const [i, agent] of agents.entries()) {
    const liveness = lives[i] ?? null;
    const pane = panes.find((p) => isPaneOf(agent, p));
    const tmuxName = pane?.session ?? agent.tmux?.session;
    // A tmux session name is the peer's to choose: shown as a label, without control or format characters.
    const name = tmuxName ? safeLabel(tmuxName) : null;
    const active = ageOf(liveness?.lastActivity ?? agent.updated_at);
    rows.push({
      ...(name ? { name } : {}),
      ...(agent.client.session_id ? { id: shortSessionId(agent.client.session_id) } : {}),
      ...(agent.client.type ? { client: agent.client.type } : {}),
      ...machineField(context, agent),
      ...(liveness && liveness.state !== "unknown" ? { busy: liveness.state === "busy" } : {}),
      ...(agent.state?.purpose ? { card: agent.state.purpose } : {}),
      ...(active ? { active } : {}),
      ...worktreeField(context, projectOf(agentCwd(agent)).worktree),
      ...(isMe(context, agent) ? { me: true as const } : {}),
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
    rows.push({ name: safeLabel(pane.session), ...worktreeField(context, paneProject.worktree) });
  }
  return ok({
    project_root: scope.root,
    project_id: scope.project.id,
    inferred: scope.inferred,
    rows,
    ...(tmuxError ? { error: tmuxError } : {}),
  });
}
