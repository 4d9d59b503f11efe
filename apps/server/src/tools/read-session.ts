import type { AgentRecord, TranscriptTail, Turn } from "@oxtail/core";
import { isOxtailError, OxtailError, safeLabel } from "@oxtail/core";
import { ageOf, assertSameProject, type ProjectScope, shortSessionId } from "@oxtail/core/runtime";
import type { ServerContext } from "../context.js";
import {
  agentCwd,
  callerScope,
  isPaneOf,
  machineField,
  projectOf,
  resolvePeer,
  worktreeField,
} from "./peers.js";
import { ok } from "./result.js";

interface ReadSessionArgs {
  name: string;
  project_root?: string;
  mode: "auto" | "transcript" | "pane";
  limit: number;
  pane_lines: number;
}

/**
 * A peer's transcript as clean turns (read from its tail), or its tmux pane. `name` is a
 * tmux session name or a session id of the caller's project. A tmux session with no agent
 * can be read in pane mode when its pane's cwd is in the project.
 */
export async function readSession(context: ServerContext, args: ReadSessionArgs) {
  const scope = callerScope(context, args.project_root);
  let agent: Awaited<ReturnType<typeof resolvePeer>> | null = null;
  try {
    agent = await resolvePeer(context, args.name, args.project_root, { allowSelf: true });
  } catch (error) {
    if (!isOxtailError(error, "not-found") && !isOxtailError(error, "out-of-scope")) throw error;
    return readUnclaimedPane(context, args, scope, error);
  }
  const worktree = worktreeField(context, projectOf(agentCwd(agent)).worktree);
  const adapter = context.adapterFor(agent.client.type);
  const canTranscript = Boolean(
    adapter?.capabilities.transcript && (agent.client.transcript_path || agent.client.session_id),
  );
  const mode = args.mode === "auto" ? (canTranscript ? "transcript" : "pane") : args.mode;
  const identity = {
    ...(agent.client.session_id ? { id: shortSessionId(agent.client.session_id) } : {}),
    ...(agent.client.type ? { client: agent.client.type } : {}),
    ...machineField(context, agent),
    ...worktree,
  };

  if (mode === "transcript") {
    // An agent of another machine: its transcript is there, and its own server reads it.
    const tail = await (context.transport.remoteTurns?.(agent, args.limit) ??
      readTurns(context, agent, args.limit));
    const newest = ageOf(tail.turns.at(-1)?.timestamp);
    return ok({
      mode: "transcript",
      ...identity,
      turns: tail.turns.map(turnOut),
      ...(newest ? { newest } : {}),
      ...(tail.truncated ? { truncated: true as const } : {}),
      ...(tail.totalTurns !== null ? { total_turns: tail.totalTurns } : {}),
    });
  }
  const text = await (context.transport.remotePane?.(agent, args.pane_lines) ??
    readPane(context, agent, args.pane_lines));
  return ok({ mode: "pane", ...identity, pane_text: text });
}

/** The newest turns of an agent of this machine, read through its adapter; `no-transcript` when it has none. */
export async function readTurns(
  context: ServerContext,
  agent: AgentRecord,
  limit: number,
): Promise<TranscriptTail> {
  const adapter = context.adapterFor(agent.client.type);
  if (!adapter?.readTranscript || !adapter.findTranscript) {
    throw new OxtailError(
      "no-transcript",
      `This peer's client (${agent.client.type ?? "unknown"}) has no transcript oxtail can read. Use mode "pane".`,
    );
  }
  const file =
    agent.client.transcript_path ??
    (agent.client.session_id
      ? await adapter.findTranscript(agent.client.session_id, { cwd: agentCwd(agent) })
      : null);
  if (!file)
    throw new OxtailError(
      "no-transcript",
      'The peer has no transcript yet (clients write it at the first prompt). Use mode "pane".',
    );
  return adapter.readTranscript(file, { limit });
}

/** The last `lines` lines of an agent of this machine's tmux pane; `not-found` when it runs in none. */
export async function readPane(context: ServerContext, agent: AgentRecord, lines: number): Promise<string> {
  const pane = agent.tmux?.pane;
  if (!pane)
    throw new OxtailError(
      "not-found",
      'The peer runs in no known tmux pane. Read its transcript instead (mode "transcript").',
    );
  return context.tmuxFor(agent.tmux?.socket).capture(pane, lines);
}

/**
 * A tmux session no agent of this project owns: readable (pane mode) through a pane whose cwd
 * is in the project and that is no other project's agent. `notAgent` is why no agent matched:
 * an agent of another project by that name stays `out-of-scope` unless such a pane exists.
 */
async function readUnclaimedPane(
  context: ServerContext,
  args: ReadSessionArgs,
  scope: ProjectScope,
  notAgent: OxtailError,
) {
  const strangers = (await context.registry.list()).filter(
    (a) => projectOf(agentCwd(a)).id !== scope.project.id,
  );
  const panes = (
    await context
      .tmuxFor(null)
      .listPanes()
      .catch(() => [])
  ).filter((p) => p.session === args.name && !strangers.some((a) => isPaneOf(a, p)));
  const pane = panes.find((p) => projectOf(p.cwd).id === scope.project.id);
  if (!pane) {
    if (notAgent.code === "out-of-scope") throw notAgent;
    const other = panes[0];
    if (other) assertSameProject(scope, projectOf(other.cwd), `tmux session ${JSON.stringify(args.name)}`);
    throw new OxtailError(
      "not-found",
      `No agent or tmux session named ${JSON.stringify(args.name)}. Call list_project_sessions to see who is there.`,
    );
  }
  if (args.mode === "transcript")
    throw new OxtailError(
      "no-transcript",
      'No agent is registered in that tmux session, so it has no transcript: use mode "pane".',
    );
  const text = await context.tmuxFor(null).capture(pane.pane, args.pane_lines);
  return ok({ mode: "pane", ...worktreeField(context, projectOf(pane.cwd).worktree), pane_text: text });
}

/**
 * A turn as the model reads it: its text under its role (`{ "user": "…" }`), its tool calls as one
 * `name: arguments → result` line each.
 */
export function turnOut(turn: Turn): {
  user?: string;
  assistant?: string;
  system?: string;
  peer?: string;
  from?: string;
  tools?: string[];
} {
  const tools = turn.toolCalls.map(
    (c) => `${c.name}${c.summary ? `: ${c.summary}` : ""}${c.result ? ` → ${c.result}` : ""}`,
  );
  // A peer's message that reached the session through the client's own messaging: who sent it.
  const from = turn.role === "peer" && turn.from ? safeLabel(turn.from.name ?? turn.from.id ?? "") : "";
  // A turn that only called tools (its text empty) is the assistant's: the role goes with the text.
  return {
    ...(turn.text || !tools.length ? { [turn.role]: turn.text } : {}),
    ...(from ? { from } : {}),
    ...(tools.length ? { tools } : {}),
  };
}
