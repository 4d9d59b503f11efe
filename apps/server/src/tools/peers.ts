import path from "node:path";
import { type AgentRecord, isOxtailError, OxtailError, safeLabel } from "@oxtail/core";
import {
  assertSameProject,
  createProjectResolver,
  findAgent,
  type Project,
  type ProjectScope,
} from "@oxtail/core/runtime";
import type { ServerContext } from "../context.js";

/** This process's folder → project answers (SPEC §1): each folder is looked at once. */
const projects = createProjectResolver();

/** The folder an agent works in. */
export function agentCwd(agent: AgentRecord): string {
  return agent.client.cwd ?? agent.cwd;
}

/** The project a folder (an agent's cwd, a pane's cwd) belongs to. */
export function projectOf(cwd: string): Project {
  return projects.projectOf(cwd);
}

/**
 * The scope of a call: the caller's own project, found from its cwd the same way peers find it
 * (so A sees B exactly when B sees A). A `projectRoot` may only name that project.
 */
export function callerScope(context: ServerContext, projectRoot?: string): ProjectScope {
  return projects.resolveScope(projectRoot, agentCwd(context.self));
}

/** True when `agent` works in the scope's project. */
export function inScope(scope: ProjectScope, agent: AgentRecord): boolean {
  return projectOf(agentCwd(agent)).id === scope.project.id;
}

/** True when `pane` is the agent's recorded tmux pane. */
export function isPaneOf(agent: AgentRecord, pane: { pane: string; socket: string }): boolean {
  return pane.pane === agent.tmux?.pane && (!agent.tmux?.socket || pane.socket === agent.tmux.socket);
}

/** True when `agent` is this server's own agent (same instance or same session). */
export function isMe(context: ServerContext, agent: AgentRecord): boolean {
  const mine = context.self.client.session_id;
  return (
    agent.instance_id === context.self.instance_id || (mine !== null && agent.client.session_id === mine)
  );
}

/** A worktree as tools show it: absent when it is the caller's own, else relative to the caller's. */
export function worktreeField(context: ServerContext, worktree: string): { worktree?: string } {
  const mine = projectOf(agentCwd(context.self)).worktree;
  return worktree === mine ? {} : { worktree: path.relative(mine, worktree) || "." };
}

/** The machine an agent of another machine runs on, as tools show it (a label); absent for this machine's. */
export function machineField(context: ServerContext, agent: AgentRecord): { machine?: string } {
  const machine = context.transport.hostOf?.(agent) ?? null;
  return machine ? { machine: safeLabel(machine) } : {};
}

/** The registered agents within a scope. */
export async function agentsInScope(context: ServerContext, scope: ProjectScope): Promise<AgentRecord[]> {
  return (await context.registry.list()).filter((a) => inScope(scope, a));
}

/**
 * The peer a target names (tmux name or session id), looked up among the agents of the caller's
 * project only: `not-found`, `ambiguous-target`, `out-of-scope` (it exists in another project:
 * said plainly), or `no-self-message` (unless `allowSelf`: reading oneself is fine).
 */
export async function resolvePeer(
  context: ServerContext,
  target: string,
  projectRoot?: string,
  options: { allowSelf?: boolean } = {},
): Promise<AgentRecord> {
  const scope = callerScope(context, projectRoot);
  const all = await context.registry.list();
  const mine = all.filter((a) => inScope(scope, a));
  let agent: AgentRecord;
  try {
    agent = findAgent(mine, target);
  } catch (error) {
    if (!isOxtailError(error, "not-found")) throw error;
    // Not in this project: if it exists in another one, say out-of-scope rather than not-found.
    const elsewhere = all.find((a) => !mine.includes(a) && matches(a, target));
    if (elsewhere)
      assertSameProject(scope, projectOf(agentCwd(elsewhere)), `Agent ${JSON.stringify(target)}`);
    throw error;
  }
  if (isMe(context, agent) && !options.allowSelf) {
    throw new OxtailError("no-self-message", "That target is you. Name a peer's tmux session or session id.");
  }
  return agent;
}

function matches(agent: AgentRecord, target: string): boolean {
  try {
    findAgent([agent], target);
    return true;
  } catch {
    return false;
  }
}
