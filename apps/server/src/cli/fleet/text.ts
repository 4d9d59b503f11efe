// Text for a terminal from the fleet model: every peer-chosen string (names, cards, bodies) is cut to
// one line with control and format characters removed, so nothing a peer wrote acts on the terminal.
import { safeLabel } from "@oxtail/core";
import { ageOf } from "@oxtail/core/runtime";
import type { AttentionFlag, FleetAgent, FleetMessage, FleetState } from "@oxtail/fleet";

/** One line of peer text, at most `max` characters: line breaks and tabs become spaces. */
export function oneLine(text: string, max = 200): string {
  return safeLabel(text.replace(/[\n\r\t]/g, " "), Math.max(1, max));
}

/** `text` cut or padded to exactly `width` characters (code points). */
export function fit(text: string, width: number): string {
  if (width <= 0) return "";
  const chars = [...text];
  if (chars.length > width) return `${chars.slice(0, Math.max(0, width - 1)).join("")}…`;
  return text + " ".repeat(width - chars.length);
}

/** How an agent is called on screen: its tmux name, else its short id. */
export function labelOf(agent: Pick<FleetAgent, "name" | "id">): string {
  return agent.name ?? agent.id.slice(0, 8);
}

const FLAG_TEXT: Record<AttentionFlag, string> = {
  "waiting-on-human": "waiting on you",
  stalled: "stalled",
  "unread-while-idle": "idle with unread mail",
  "ask-cycle": "in an ask cycle",
};

/** The attention flags, in words. */
export function flagsText(flags: readonly AttentionFlag[]): string {
  return flags.map((f) => FLAG_TEXT[f]).join(", ");
}

/** An agent's state as a short word. */
export function stateText(agent: FleetAgent): string {
  return agent.state === "unknown" ? "?" : agent.state;
}

/** Where a message got to, in a word. */
export function receiptText(m: FleetMessage): string {
  return m.receipt ? m.receipt.state : m.origin === "operator" ? "sent" : "queued";
}

/** `hh:mm:ss` of an ISO time (local time), or `--:--:--`. */
export function clock(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "--:--:--";
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, "0")).join(":");
}

/** The columns of the agents table, for a given width. */
export function agentRows(state: FleetState, now: number): string[][] {
  return state.agents.map((a) => [
    // An agent of another machine carries that machine's host id (a peer's choice too: one inert line).
    a.machine ? `${oneLine(labelOf(a), 32)}@${oneLine(a.machine, 32)}` : oneLine(labelOf(a), 32),
    a.client ?? "-",
    stateText(a),
    String(a.unread),
    a.waiting_on > 0
      ? `→${state.asks
          .filter((k) => k.asker.mailbox === a.mailbox)
          .map((k) => oneLine(k.target.name, 24))
          .join(",")}`
      : "-",
    ageOf(a.last_activity, now) ?? "-",
    // A folder name is the peer's to choose too: shown as one inert line.
    state.scope.all || (state.scope.worktree && a.worktree !== state.scope.worktree)
      ? oneLine(a.worktree, 4096)
      : ".",
    a.card ? oneLine(a.card.purpose) : "",
  ]);
}

export const AGENT_HEADERS = ["AGENT", "CLIENT", "STATE", "UNREAD", "WAITS ON", "ACTIVE", "WORKTREE", "CARD"];

/** A table: columns as wide as their widest cell, the last one cut to `columns`. */
export function table(headers: string[], rows: string[][], columns: number): string[] {
  const widths = headers.map((h, i) => Math.max([...h].length, ...rows.map((r) => [...(r[i] ?? "")].length)));
  const line = (cells: string[]) => {
    let out = "";
    for (const [i, cell] of cells.entries()) {
      const last = i === cells.length - 1;
      out += last ? cell : `${fit(cell, widths[i] ?? 0)}  `;
    }
    return fit(out.trimEnd(), columns).trimEnd();
  };
  return [line(headers), ...rows.map(line)];
}

/** `oxtail status` as text: the agents, who waits for whom, who needs the person, recent messages. */
export function statusText(
  state: FleetState,
  options: { now: number; columns: number; messages?: number },
): string {
  const { now, columns } = options;
  const out: string[] = [];
  const where = state.scope.all ? "every project" : `project ${oneLine(state.scope.worktree ?? "", 4096)}`;
  out.push(
    fit(
      `oxtail status: ${where}, ${state.agents.length} agent${state.agents.length === 1 ? "" : "s"}`,
      columns,
    ).trimEnd(),
  );
  if (state.agents.length === 0) {
    out.push("No agent is registered here.");
    return `${out.join("\n")}\n`;
  }
  out.push("", ...table(AGENT_HEADERS, agentRows(state, now), columns));
  if (state.asks.length > 0) {
    out.push("", "Who waits for whom:");
    for (const k of state.asks)
      out.push(
        fit(
          `  ${oneLine(k.asker.name, 32)} → ${oneLine(k.target.name, 32)} (asked ${ageOf(k.created_at, now) ?? "?"} ago)${k.in_cycle ? "  CYCLE: nobody in it can answer" : ""}`,
          columns,
        ).trimEnd(),
      );
  }
  const needy = state.agents.filter((a) => a.attention.length > 0);
  if (needy.length > 0) {
    out.push("", "Needs you:");
    for (const a of needy)
      out.push(fit(`  ${oneLine(labelOf(a), 32)}: ${flagsText(a.attention)}`, columns).trimEnd());
  }
  const recent = state.timeline.slice(-(options.messages ?? 10));
  if (recent.length > 0) {
    out.push("", "Messages:");
    for (const m of recent)
      out.push(
        fit(
          `  ${clock(m.created_at)} ${oneLine(m.from.name, 24)} → ${oneLine(m.to.name, 24)} [${receiptText(m)}] ${oneLine(m.body)}`,
          columns,
        ).trimEnd(),
      );
  }
  return `${out.join("\n")}\n`;
}
