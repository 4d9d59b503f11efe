// Command hooks in a JSON settings file, in the format several clients share:
//   { "hooks": { "<Event>": [ { "matcher": "*", "hooks": [ { "type": "command", "command": "…" } ] } ] } }
// oxtail's own entries are recognised by their command line, so they can be added, re-pointed
// and removed without touching anyone else's.

import { isDeepStrictEqual } from "node:util";
import { shellQuote } from "@oxtail/core";
import {
  appendJsonArrayItem,
  parseJsonc,
  removeJsonArrayItem,
  removeJsonValue,
  setJsonValue,
} from "./jsonc.js";

/** One command hook (`{"type": "command", "command": …}`), with the fields the client reads. */
export interface CommandHook {
  type: "command";
  /** A shell command line. */
  command: string;
  /** Seconds the client lets it run. */
  timeout?: number;
  /** Run it in the background (where the client supports it). */
  async?: boolean;
  /** A background hook that exits 2 wakes the idle session (where the client supports it). */
  asyncRewake?: boolean;
}

/** A matcher group at one event: what oxtail adds, one group per event. */
export interface CommandHookGroup {
  /** The client's event name (`PreToolUse`, `Stop`, …). */
  event: string;
  /** Which tools the group applies to (tool events only), e.g. `*`. */
  matcher?: string;
  hooks: CommandHook[];
}

/** Tells oxtail's own command lines from anyone else's. */
export type CommandMatcher = (command: string) => boolean;

/** A command line: the program and its arguments, each quoted for the shell when needed. */
export function commandLine(program: string, ...args: string[]): string {
  return [program, ...args].map(shellQuote).join(" ");
}

/**
 * Matches the command lines core's `hookCommandLine` makes for oxtail's hook program with
 * `adapter` as its first argument (`'<…>/oxtail-hook' <adapter> <Event> [<mode> [<variable>]]`),
 * wherever the program lives — also the older form without a mode.
 */
export function hookCommandMatcher(adapter: string, program = "oxtail-hook"): CommandMatcher {
  const literal = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const re = new RegExp(
    `${literal(program)}'?\\s+${literal(adapter)}\\s+[A-Za-z][\\w.-]*(\\s+(deliver|record|wake)(\\s+[A-Z_][A-Z0-9_]*)?)?\\s*$`,
  );
  return (command) => re.test(command);
}

type RawGroup = { matcher?: unknown; hooks?: unknown };

function hooksOf(config: Record<string, unknown>): Record<string, unknown[]> {
  const hooks = config.hooks;
  if (!hooks || typeof hooks !== "object" || Array.isArray(hooks)) return {};
  return Object.fromEntries(
    Object.entries(hooks).filter((e): e is [string, unknown[]] => Array.isArray(e[1])),
  );
}

function commandsOf(group: unknown): { command: string; index: number }[] {
  const list = (group as RawGroup)?.hooks;
  if (!Array.isArray(list)) return [];
  return list.flatMap((h, index) => {
    const command = (h as { command?: unknown })?.command;
    return typeof command === "string" ? [{ command, index }] : [];
  });
}

/** The groups at each event that hold at least one of oxtail's commands, as they are in the file. */
export function findCommandHooks(
  text: string | null,
  file: string,
  isOurs: CommandMatcher,
): CommandHookGroup[] {
  const out: CommandHookGroup[] = [];
  for (const [event, groups] of Object.entries(hooksOf(parseJsonc(text, file)))) {
    for (const group of groups) {
      if (!commandsOf(group).some((c) => isOurs(c.command))) continue;
      const { matcher, hooks } = group as RawGroup;
      out.push({
        event,
        ...(typeof matcher === "string" ? { matcher } : {}),
        hooks: (hooks as CommandHook[]).filter((h) => h && typeof h === "object"),
      });
    }
  }
  return out;
}

/** The JSON oxtail writes for a group: `matcher` first, as clients write it. */
function groupJson(group: CommandHookGroup): Record<string, unknown> {
  return { ...(group.matcher !== undefined ? { matcher: group.matcher } : {}), hooks: group.hooks };
}

/**
 * Remove oxtail's hooks: a group that holds only oxtail's commands goes whole; from a group it
 * shares with someone else's hooks, only oxtail's commands go. An event left with no group, and
 * `hooks` left empty, are removed too.
 */
export function removeCommandHooks(text: string | null, file: string, isOurs: CommandMatcher): string | null {
  if (text === null) return null;
  let out = text;
  for (const event of Object.keys(hooksOf(parseJsonc(out, file)))) {
    for (;;) {
      const groups = hooksOf(parseJsonc(out, file))[event] ?? [];
      const index = groups.findIndex((g) => commandsOf(g).some((c) => isOurs(c.command)));
      if (index < 0) break;
      const commands = commandsOf(groups[index]);
      const ours = commands.filter((c) => isOurs(c.command));
      const listLength = ((groups[index] as RawGroup).hooks as unknown[]).length;
      if (ours.length < listLength) {
        // Shared group: remove oxtail's commands from the end, so the indexes stay right.
        for (const { index: i } of ours.reverse())
          out = removeJsonArrayItem(out, ["hooks", event, index, "hooks"], i, file) as string;
      } else if (groups.length === 1) {
        out = removeJsonValue(out, ["hooks", event], file) as string;
        break;
      } else {
        out = removeJsonArrayItem(out, ["hooks", event], index, file) as string;
      }
    }
  }
  const hooks = parseJsonc(out, file).hooks;
  if (hooks && typeof hooks === "object" && !Array.isArray(hooks) && Object.keys(hooks).length === 0)
    out = removeJsonValue(out, ["hooks"], file) as string;
  return out;
}

/**
 * Make oxtail's hooks in the file exactly `groups` (one group per event, added after the groups
 * already there): unchanged when they already are; otherwise oxtail's old entries are removed
 * and the wanted ones added (so a moved hook program is re-pointed). Everything else is kept.
 */
export function setCommandHooks(
  text: string | null,
  file: string,
  groups: readonly CommandHookGroup[],
  isOurs: CommandMatcher,
): string {
  const current = findCommandHooks(text, file, isOurs);
  const wanted = groups.map((g) => ({ event: g.event, ...groupJson(g) }));
  const found = current.map((g) => ({ event: g.event, ...groupJson(g) }));
  const sameSet =
    found.length === wanted.length && wanted.every((w) => found.some((f) => isDeepStrictEqual(f, w)));
  if (sameSet && text !== null) return text;
  let out = current.length > 0 ? removeCommandHooks(text, file, isOurs) : text;
  if (parseJsonc(out, file).hooks === undefined) {
    // No hooks at all yet: written in one piece.
    const all: Record<string, unknown[]> = {};
    for (const g of groups) all[g.event] = [...(all[g.event] ?? []), groupJson(g)];
    return setJsonValue(out, ["hooks"], all, file);
  }
  for (const g of groups) {
    out = hooksOf(parseJsonc(out, file))[g.event]
      ? appendJsonArrayItem(out, ["hooks", g.event], groupJson(g), file)
      : setJsonValue(out, ["hooks", g.event], [groupJson(g)], file);
  }
  return out as string;
}
