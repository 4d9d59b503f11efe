import fs from "node:fs";
import { type AgentRecord, processInfo } from "@oxtail/core";
import type { Tmux } from "./tmux.js";

/** `pid` and every process below it (Linux /proc). */
export function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  let entries: string[] = [];
  try {
    entries = fs.readdirSync("/proc");
  } catch {
    return [pid];
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const info = processInfo(Number(entry));
    if (info) children.set(info.ppid, [...(children.get(info.ppid) ?? []), info.pid]);
  }
  const out: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const next = queue.shift() as number;
    out.push(next);
    queue.push(...(children.get(next) ?? []));
  }
  return out;
}

/** True when a pane's processes include the agent: its oxtail server, or a process of its client type. */
export function paneRunsAgent(panePid: number, agent: AgentRecord): boolean {
  const tree = processTree(panePid);
  if (tree.includes(agent.pid)) return true;
  const type = agent.client.type;
  return type !== null && tree.some((pid) => processInfo(pid)?.comm.startsWith(type) === true);
}

/**
 * The pane to type into for an agent: its recorded pane when that pane runs the agent;
 * else (a stale or reused pane id) the pane that does; else none, with the reason.
 */
export async function resolveAgentPane(
  tmux: Tmux,
  agent: AgentRecord,
): Promise<{ pane: string | null; reason: string }> {
  const recorded = agent.tmux?.pane ?? null;
  const panes = await tmux.listPanes().catch(() => []);
  const at = panes.find((p) => p.pane === recorded);
  if (at && paneRunsAgent(at.pid, agent)) return { pane: at.pane, reason: `pane ${at.pane} runs the peer` };
  const found = panes.find((p) => paneRunsAgent(p.pid, agent));
  if (found)
    return {
      pane: found.pane,
      reason: `the peer's pane is now ${found.pane} (recorded: ${recorded ?? "none"})`,
    };
  if (!recorded) return { pane: null, reason: "the peer has no known tmux pane" };
  return {
    pane: null,
    reason: at ? `pane ${recorded} does not run the peer: not typing into it` : `pane ${recorded} is gone`,
  };
}
