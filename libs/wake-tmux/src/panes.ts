import fs from "node:fs";
import { type AgentRecord, processAncestry, processInfo, processStartTime } from "@oxtail/core";
import type { Tmux, TmuxPane } from "./tmux.js";

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

/** One of an agent's own processes, as its record names it. */
export interface AgentProcess {
  /** `oxtail server` or `client`. */
  role: "oxtail server" | "client";
  pid: number;
  /** The start time the record holds for it; null when the record has none. */
  startTime: string | null;
}

/** The processes a pane must hold to be the agent's: its oxtail server, and its client when recorded. */
export function agentProcesses(agent: AgentRecord): AgentProcess[] {
  const out: AgentProcess[] = [{ role: "oxtail server", pid: agent.pid, startTime: agent.start_time }];
  if (agent.client.pid)
    out.push({ role: "client", pid: agent.client.pid, startTime: agent.client.start_time ?? null });
  return out;
}

/**
 * True when `proc` still is the process the record means: same pid and same start time. A record
 * without a start time proves nothing (its pid may have been reused by anyone).
 */
function stillThere(proc: AgentProcess): boolean {
  return proc.startTime !== null && processStartTime(proc.pid) === proc.startTime;
}

/** `pid` and its ancestors, nearest first: the pane holding `pid` in its tree is the one whose pid is in here. */
function lineage(pid: number): number[] {
  return [pid, ...processAncestry(pid).map((p) => p.pid)];
}

/**
 * True when the process tree of the pane whose process is `panePid` holds one of the agent's own
 * processes (its oxtail server or its recorded client), each checked against its recorded start
 * time. A process name is no proof: any program may take a client's name.
 */
export function paneRunsAgent(panePid: number, agent: AgentRecord): boolean {
  return agentProcesses(agent).some((proc) => stillThere(proc) && lineage(proc.pid).includes(panePid));
}

/** Where an agent's pane is, and why; `pane` is null when none is proven to be the agent's. */
export interface AgentPane {
  pane: string | null;
  /** True when a pane was looked for and none holds the agent's processes (nothing may be typed). */
  unverified: boolean;
  reason: string;
}

function describe(procs: AgentProcess[]): string {
  return procs.map((p) => `${p.role} pid ${p.pid}`).join(", ");
}

/**
 * The pane to type into for an agent: the one whose process tree holds the agent's oxtail server
 * or its recorded client (checked by start time). That is its recorded pane, or, when that id is
 * stale or reused, the pane that holds them now. No such pane: `pane` null and `unverified`.
 */
export async function resolveAgentPane(tmux: Tmux, agent: AgentRecord): Promise<AgentPane> {
  const recorded = agent.tmux?.pane ?? null;
  let panes: TmuxPane[];
  try {
    panes = await tmux.listPanes();
  } catch (error) {
    return { pane: null, unverified: false, reason: `tmux cannot be asked: ${(error as Error).message}` };
  }
  const procs = agentProcesses(agent);
  const live = procs.filter(stillThere);
  const byPid = new Map(panes.map((p) => [p.pid, p]));
  for (const proc of live) {
    // The nearest ancestor that is a pane's process: a process sits in exactly one pane.
    const holder = lineage(proc.pid)
      .map((pid) => byPid.get(pid))
      .find((p) => p !== undefined);
    if (!holder) continue;
    return {
      pane: holder.pane,
      unverified: false,
      reason:
        holder.pane === recorded
          ? `pane ${holder.pane} runs the peer (its ${proc.role}, pid ${proc.pid})`
          : `the peer's pane is now ${holder.pane} (recorded: ${recorded ?? "none"}): it runs the peer's ${proc.role} (pid ${proc.pid})`,
    };
  }
  const gone = procs.filter((p) => !stillThere(p));
  const why =
    live.length === 0
      ? gone.some((p) => p.startTime === null)
        ? `the peer's record gives no start time to check its processes by (${describe(gone)})`
        : `the peer's processes are gone (${describe(gone)})`
      : `no tmux pane holds the peer's own processes (${describe(live)})`;
  const where =
    recorded === null
      ? "the peer has no known tmux pane"
      : panes.some((p) => p.pane === recorded)
        ? `pane ${recorded} is not the peer's`
        : `pane ${recorded} is gone`;
  return { pane: null, unverified: true, reason: `${where}; ${why}: not typing into any pane` };
}
