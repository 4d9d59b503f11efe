import { assertInScope, isWithin, OxtailError, resolveProjectScope } from "@oxtail/core";
import type { ServerContext } from "../context.js";
import { agentCwd, resolvePeer } from "./peers.js";
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
 * tmux session name or a session id. A tmux session with no agent can be read in pane mode.
 */
export async function readSession(context: ServerContext, args: ReadSessionArgs) {
  const scope = resolveProjectScope(args.project_root, context.cwd);
  let agent: Awaited<ReturnType<typeof resolvePeer>> | null = null;
  try {
    agent = await resolvePeer(context, args.name, args.project_root);
  } catch (error) {
    if (!(error instanceof OxtailError) || error.code !== "not-found") throw error;
    return readUnclaimedPane(context, args, scope);
  }
  const adapter = context.adapterFor(agent.client.type);
  const canTranscript = Boolean(
    adapter?.capabilities.transcript && (agent.client.transcript_path || agent.client.session_id),
  );
  const mode = args.mode === "auto" ? (canTranscript ? "transcript" : "pane") : args.mode;
  const identity = { session_id: agent.client.session_id, client_type: agent.client.type };

  if (mode === "transcript") {
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
    const tail = await adapter.readTranscript(file, { limit: args.limit });
    return ok({
      mode: "transcript",
      ...identity,
      turns: tail.turns.map((t) => ({
        role: t.role,
        text: t.text,
        timestamp: t.timestamp,
        tool_calls: t.toolCalls,
      })),
      truncated: tail.truncated,
      total_messages: tail.totalTurns,
    });
  }
  const pane = agent.tmux?.pane;
  if (!pane)
    throw new OxtailError(
      "not-found",
      'The peer runs in no known tmux pane. Read its transcript instead (mode "transcript").',
    );
  const text = await context.tmuxFor(agent.tmux?.socket).capture(pane, args.pane_lines);
  return ok({ mode: "pane", ...identity, pane_text: text });
}

async function readUnclaimedPane(
  context: ServerContext,
  args: ReadSessionArgs,
  scope: ReturnType<typeof resolveProjectScope>,
) {
  const panes = (await context.tmuxFor(null).listPanes()).filter((p) => p.session === args.name);
  if (panes.length === 0) {
    throw new OxtailError(
      "not-found",
      `No agent or tmux session named ${JSON.stringify(args.name)}. Call list_project_sessions to see who is there.`,
    );
  }
  const pane = panes.find((p) => isWithin(scope.root, p.cwd));
  if (!pane) assertInScope(scope, panes[0]?.cwd ?? null, `tmux session ${JSON.stringify(args.name)}`);
  if (args.mode === "transcript")
    throw new OxtailError(
      "no-transcript",
      'No agent is registered in that tmux session, so it has no transcript: use mode "pane".',
    );
  const text = await context.tmuxFor(null).capture((pane as { pane: string }).pane, args.pane_lines);
  return ok({ mode: "pane", session_id: null, client_type: null, pane_text: text });
}
