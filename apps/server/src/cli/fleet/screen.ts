// `oxtail top`'s screen: a pure function of the fleet model, the viewer's own state (selection, mode,
// what is being typed) and the terminal's size. It returns the lines to show; the only escape
// sequences in them are the few attributes below, added here — never anything a peer wrote.
import type { Turn } from "@oxtail/core";
import { ageOf } from "@oxtail/core/runtime";
import type { FleetState } from "@oxtail/fleet";
import {
  AGENT_HEADERS,
  agentRows,
  clock,
  fit,
  flagsText,
  labelOf,
  oneLine,
  receiptText,
  table,
} from "./text.js";

/** The text attributes the screen uses (SGR). */
export const SGR = { reverse: "\u001b[7m", bold: "\u001b[1m", reset: "\u001b[0m" } as const;

/** What the viewer is doing. */
export type TopMode =
  | { kind: "list" }
  | { kind: "turns"; agent: string; turns: readonly Turn[] | null }
  /** Typing a message: `target` is what the operator send resolves (`*`: every agent), `to` its label. */
  | { kind: "compose"; target: string; to: string; text: string };

/** The viewer's own state. */
export interface TopView {
  /** The index of the selected agent in `state.agents`. */
  selected: number;
  mode: TopMode;
  /** A one-line note for the bottom line (what the last action did). */
  note: string | null;
}

/** The terminal's size. */
export interface ScreenSize {
  columns: number;
  rows: number;
}

const HELP_LIST = "↑/↓ select  enter recent turns  m message  b broadcast  q quit";
const HELP_TURNS = "esc back  ↑/↓ select  m message  b broadcast  q quit";
const HELP_COMPOSE = "enter send  esc cancel";

/** The selection kept within the agents there are. */
export function clampSelection(selected: number, state: FleetState): number {
  return Math.max(0, Math.min(selected, state.agents.length - 1));
}

/**
 * The screen: a header, the agents table (the selected row in reverse video), who waits for whom,
 * then the message timeline (or the selected agent's recent turns), and a bottom line with the keys
 * or the message being typed. Exactly `size.rows` lines, none wider than `size.columns`.
 */
export function render(state: FleetState, view: TopView, size: ScreenSize, now: number): string[] {
  const columns = Math.max(20, size.columns);
  const rows = Math.max(6, size.rows);
  const line = (text: string) => fit(text, columns).trimEnd();
  const out: string[] = [];
  const where = state.scope.all ? "every project" : oneLine(state.scope.worktree ?? "", 4096);
  const needy = state.agents.filter((a) => a.attention.length > 0).length;
  out.push(
    SGR.bold +
      line(
        `oxtail top  ${where}  ${state.agents.length} agent${state.agents.length === 1 ? "" : "s"}${needy ? `, ${needy} need${needy === 1 ? "s" : ""} you` : ""}`,
      ) +
      SGR.reset,
  );

  const body: string[] = [];
  const selected = clampSelection(view.selected, state);
  if (state.agents.length === 0) body.push("", "No agent is registered here.");
  else {
    const cells = agentRows(state, now).map((r, i) => {
      const flags = state.agents[i]?.attention ?? [];
      return [...r.slice(0, 7), flags.length ? `! ${flagsText(flags)}` : "", r[7] ?? ""];
    });
    const lines = table([...AGENT_HEADERS.slice(0, 7), "NEEDS", "CARD"], cells, columns - 2);
    body.push("", `  ${lines[0]}`);
    for (const [i, text] of lines.slice(1).entries())
      body.push(i === selected ? `${SGR.reverse}${line(`› ${text}`)}${SGR.reset}` : line(`  ${text}`));
  }
  if (state.asks.length > 0) {
    body.push("", "Who waits for whom:");
    for (const k of state.asks)
      body.push(
        line(
          `  ${oneLine(k.asker.name, 32)} → ${oneLine(k.target.name, 32)}  ${ageOf(k.created_at, now) ?? "?"}${k.in_cycle ? "  CYCLE" : ""}`,
        ),
      );
  }
  body.push("");
  const room = rows - 1 - out.length - body.length - 1;
  if (view.mode.kind === "turns") {
    const agent = state.agents.find((a) => a.id === (view.mode as { agent: string }).agent);
    body.push(`Recent turns of ${agent ? oneLine(labelOf(agent), 32) : "?"}:`);
    const turns = view.mode.turns;
    if (!turns) body.push("  (no transcript oxtail can read)");
    else
      for (const t of turns.slice(-Math.max(0, room)))
        body.push(
          line(
            `  ${t.timestamp ? `${clock(t.timestamp)} ` : ""}${t.role}: ${oneLine(t.text || t.toolCalls.map((c) => c.name).join(", "))}`,
          ),
        );
  } else {
    body.push("Messages:");
    const messages = state.timeline.slice(-Math.max(0, room));
    if (messages.length === 0) body.push("  (none seen yet)");
    for (const m of messages)
      body.push(
        line(
          `  ${clock(m.created_at)} ${oneLine(m.from.name, 24)} → ${oneLine(m.to.name, 24)} [${receiptText(m)}] ${oneLine(m.body)}`,
        ),
      );
  }
  out.push(...body);

  // Exactly `rows` lines: the body cut (the agents and the newest messages stay), the bottom line last.
  const screen = out.slice(0, rows - 1);
  while (screen.length < rows - 1) screen.push("");
  let bottom: string;
  if (view.mode.kind === "compose") {
    bottom = `message to ${oneLine(view.mode.to, 32)}: ${view.mode.text}█`;
    // The end of what is typed stays in view.
    const chars = [...bottom];
    if (chars.length > columns) bottom = `…${chars.slice(chars.length - columns + 1).join("")}`;
    bottom = `${SGR.reverse}${bottom}${SGR.reset}`;
    screen[rows - 2] = line(`  ${HELP_COMPOSE}`);
  } else {
    const help = view.mode.kind === "turns" ? HELP_TURNS : HELP_LIST;
    bottom = SGR.reverse + line(view.note ? `${oneLine(view.note)}  |  ${help}` : help) + SGR.reset;
  }
  screen.push(bottom);
  return screen;
}

/** The screen without its attributes: what a person reads (for tests and capture). */
export function plain(lines: readonly string[]): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing the screen's own SGR attributes
  return lines.map((l) => l.replace(/\u001b\[[0-9;]*m/g, "")).join("\n");
}
