import {
  type AgentRecord,
  assertInScope,
  findAgent,
  isWithin,
  OxtailError,
  type ProjectScope,
  resolveProjectScope,
} from "@oxtail/core";
import type { ServerContext } from "../context.js";

/** The folder an agent works in. */
export function agentCwd(agent: AgentRecord): string {
  return agent.client.cwd ?? agent.cwd;
}

/** True when `agent` is this server's own agent (same instance or same session). */
export function isMe(context: ServerContext, agent: AgentRecord): boolean {
  const mine = context.self.client.session_id;
  return (
    agent.instance_id === context.self.instance_id || (mine !== null && agent.client.session_id === mine)
  );
}

/** The registered agents within a scope. */
export async function agentsInScope(context: ServerContext, scope: ProjectScope): Promise<AgentRecord[]> {
  return (await context.registry.list()).filter((a) => isWithin(scope.root, agentCwd(a)));
}

/**
 * The peer a target names (tmux name or session id): `not-found`, `ambiguous-target`,
 * `out-of-scope` (it exists under another root: said plainly), or `no-self-message`.
 */
export async function resolvePeer(
  context: ServerContext,
  target: string,
  projectRoot?: string,
): Promise<AgentRecord> {
  const scope = resolveProjectScope(projectRoot, context.cwd);
  const all = await context.registry.list();
  const inScope = all.filter((a) => isWithin(scope.root, agentCwd(a)));
  let agent: AgentRecord;
  try {
    agent = findAgent(inScope, target);
  } catch (error) {
    // Not among the peers in scope: if it exists elsewhere, say out-of-scope rather than not-found.
    const elsewhere = (() => {
      try {
        return findAgent(all, target);
      } catch {
        return null;
      }
    })();
    if (elsewhere) assertInScope(scope, agentCwd(elsewhere), `Agent ${JSON.stringify(target)}`);
    throw error;
  }
  if (isMe(context, agent)) {
    throw new OxtailError("no-self-message", "That target is you. Name a peer's tmux session or session id.");
  }
  return agent;
}
