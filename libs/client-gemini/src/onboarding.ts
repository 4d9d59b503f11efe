// Gemini CLI's onboarding: oxtail's MCP server and hooks in settings.json, the /oxtail-join command;
// their exact inverse; and the doctor's checks. Built with @oxtail/onboarding's edits, which keep
// every byte outside oxtail's own entries (settings.json may hold comments).
import fs from "node:fs";
import path from "node:path";
import { isDeepStrictEqual } from "node:util";
import {
  type ClientOnboarding,
  type CommandLine,
  type DoctorCheck,
  type DoctorContext,
  type FileChange,
  hookCommandLine,
  type OnboardingContext,
  OxtailError,
} from "@oxtail/core";
import {
  type CommandHookGroup,
  detectClient,
  fileChange,
  findCommandHooks,
  hookCommandMatcher,
  parseJsonc,
  probeHookCheck,
  probeServerCheck,
  readConfigText,
  removeCommandHooks,
  removeJsonValue,
  setCommandHooks,
  setJsonValue,
} from "@oxtail/onboarding";
import { GEMINI_SESSION_ENV, GEMINI_HOOK_EVENTS as HOOK_SPECS } from "./hooks.js";
import { geminiDir } from "./paths.js";
import { GEMINI_JOIN_COMMAND } from "./texts.js";

/** The hook events oxtail installs for Gemini CLI (its declared ones), in the order it writes them. */
const INSTALLED_EVENTS: readonly string[] = HOOK_SPECS.map((spec) => spec.event);
/** Marks the MCP entry setup writes (an env var the server ignores), so uninstall removes only that one. */
export const MANAGED_ENV = "OXTAIL_MANAGED";
/** Gemini CLI reads a hook's `timeout` in milliseconds (default 60 000). */
const HOOK_TIMEOUT_MS = 10_000;
const ADAPTER = "gemini";
const isOurs = hookCommandMatcher(ADAPTER);
const CONFIRM_NOTE =
  'Gemini CLI asks before each MCP tool call unless told otherwise: choose "Allow all server tools" for oxtail once, or run it with --approval-mode=yolo, so a woken agent is not left waiting at a confirmation.';

/** The files Gemini CLI's onboarding touches. */
export interface GeminiFiles {
  /** `~/.gemini/settings.json`, or the project's `.gemini/settings.json` with `--project`: MCP server and hooks. */
  settings: string;
  /** `~/.gemini/commands/oxtail-join.toml`. */
  command: string;
  /** `~/.gemini/settings.json` and `trustedFolders.json`: read by doctor for folder trust. */
  userSettings: string;
  trustedFolders: string;
}

/** Where Gemini CLI keeps what setup touches. */
export function geminiFiles(
  context: Pick<OnboardingContext, "env" | "home" | "cwd" | "project">,
  dir?: string,
): GeminiFiles {
  const state = dir ?? geminiDir(context.env, context.home);
  const userSettings = path.join(state, "settings.json");
  return {
    settings: context.project ? path.join(context.cwd, ".gemini", "settings.json") : userSettings,
    command: path.join(state, "commands", "oxtail-join.toml"),
    userSettings,
    trustedFolders: path.join(state, "trustedFolders.json"),
  };
}

/** oxtail's hook groups for Gemini CLI: one per declared event (tool events for every tool: no matcher). */
export function geminiHookGroups(hookProgram: string): CommandHookGroup[] {
  return HOOK_SPECS.map((spec) => ({
    event: spec.event,
    hooks: [
      {
        type: "command",
        command: hookCommandLine(hookProgram, ADAPTER, spec, GEMINI_SESSION_ENV),
        timeout: HOOK_TIMEOUT_MS,
      },
    ],
  }));
}

const mcpEntry = (server: CommandLine) => ({
  command: server.command,
  args: server.args,
  env: { [MANAGED_ENV]: "1" },
});

/** The MCP entry named `oxtail` in settings.json, when setup wrote it (null: none; throws: someone else's). */
function managedEntry(text: string | null, file: string): Record<string, unknown> | null {
  const servers = parseJsonc(text, file).mcpServers;
  const entry =
    servers && typeof servers === "object" ? (servers as Record<string, unknown>).oxtail : undefined;
  if (entry === undefined) return null;
  if ((entry as { env?: Record<string, unknown> })?.env?.[MANAGED_ENV] === "1")
    return entry as Record<string, unknown>;
  throw new OxtailError(
    "invalid-input",
    `${file} already has an "oxtail" MCP server that oxtail setup did not write: leaving it alone. Remove it first to let setup manage it.`,
    { origin: "client-gemini", data: { path: file } },
  );
}

function planMcp(before: string | null, file: string, server: CommandLine): string | null {
  const existing = managedEntry(before, file);
  if (existing && isDeepStrictEqual(existing, mcpEntry(server))) return before;
  return setJsonValue(before, ["mcpServers", "oxtail"], mcpEntry(server), file);
}

function unplanMcp(before: string | null, file: string): string | null {
  let existing: Record<string, unknown> | null = null;
  try {
    existing = managedEntry(before, file);
  } catch {
    return before; // someone else's entry: not oxtail's to remove
  }
  if (!existing) return before;
  let after = removeJsonValue(before, ["mcpServers", "oxtail"], file);
  const servers = parseJsonc(after, file).mcpServers;
  if (servers && typeof servers === "object" && Object.keys(servers).length === 0)
    after = removeJsonValue(after, ["mcpServers"], file);
  return after;
}

/** Whether Gemini CLI's folder trust (off by default) keeps `cwd` in restricted mode, which starts no MCP server. */
function untrustedFolder(files: GeminiFiles, cwd: string): boolean {
  try {
    const settings = parseJsonc(readConfigText(files.userSettings), files.userSettings) as {
      security?: { folderTrust?: { enabled?: unknown } };
    };
    if (settings.security?.folderTrust?.enabled !== true) return false;
    const trusted = JSON.parse(fs.readFileSync(files.trustedFolders, "utf8")) as Record<string, unknown>;
    return !Object.entries(trusted).some(
      ([folder, level]) =>
        (level === "TRUST_FOLDER" && folder === cwd) ||
        (level === "TRUST_PARENT" &&
          (cwd === path.dirname(folder) || cwd.startsWith(`${path.dirname(folder)}/`))) ||
        (level === "TRUST_FOLDER" && cwd.startsWith(`${folder}/`)),
    );
  } catch {
    return true;
  }
}

async function geminiChecks(context: DoctorContext, files: GeminiFiles): Promise<DoctorCheck[]> {
  const label = "Gemini CLI";
  const checks: DoctorCheck[] = [];
  let text: string | null = null;
  try {
    text = readConfigText(files.settings);
  } catch (error) {
    checks.push({
      status: "fix",
      what: `${label}: ${(error as Error).message}`,
      fix: `fix ${files.settings}`,
    });
    return checks;
  }
  let server: CommandLine | null = null;
  try {
    const entry = managedEntry(text, files.settings) as { command?: unknown; args?: unknown } | null;
    if (entry && typeof entry.command === "string")
      server = { command: entry.command, args: Array.isArray(entry.args) ? entry.args.map(String) : [] };
  } catch (error) {
    checks.push({
      status: "fix",
      what: `${label}: ${(error as Error).message}`,
      fix: `edit ${files.settings}`,
    });
  }
  checks.push(
    await probeServerCheck(context, {
      label,
      file: files.settings,
      server,
      fix: "run: oxtail setup --gemini (points it at this install)",
    }),
  );
  const groups = findCommandHooks(text, files.settings, isOurs);
  const fix = "run: oxtail install-hook --gemini";
  const missing = INSTALLED_EVENTS.filter((e) => !groups.some((g) => g.event === e));
  checks.push(
    missing.length > 0
      ? { status: "fix", what: `${label}: no oxtail hook at ${missing.join(", ")} in ${files.settings}`, fix }
      : { status: "ok", what: `${label}: hooks at ${INSTALLED_EVENTS.join(", ")} in ${files.settings}` },
  );
  const start = groups.find((g) => g.event === "SessionStart")?.hooks.find((h) => isOurs(h.command));
  if (start)
    checks.push(
      await probeHookCheck(context, {
        label,
        command: start.command,
        event: "SessionStart",
        payload: { source: "startup" },
        fix,
      }),
    );
  if (untrustedFolder(files, context.cwd))
    checks.push({
      status: "note",
      what: `${label}: folder trust is on and ${context.cwd} is not trusted: Gemini CLI starts no MCP server there (trust it when asked, or in ${files.trustedFolders})`,
    });
  let command: string | null = null;
  try {
    command = readConfigText(files.command);
  } catch {
    command = null;
  }
  checks.push(
    command === GEMINI_JOIN_COMMAND
      ? { status: "ok", what: `${label}: the /oxtail-join command (${files.command})` }
      : {
          status: "note",
          what: `${label}: ${command === null ? "no" : "a changed"} /oxtail-join command in ${files.command}; \`oxtail setup --gemini\` writes it`,
        },
  );
  return checks;
}

/** Gemini CLI's onboarding; `dir` overrides its state folder (the adapter's `geminiDir` option). */
export function geminiOnboarding(dir?: string): ClientOnboarding {
  return {
    installed: (context) =>
      detectClient({
        binary: "gemini",
        traces: [dir ?? geminiDir(context.env, context.home)],
        env: context.env,
      }),
    configured: async (context) => {
      const files = geminiFiles(context, dir);
      try {
        const text = readConfigText(files.settings);
        return (
          managedEntry(text, files.settings) !== null ||
          findCommandHooks(text, files.settings, isOurs).length > 0
        );
      } catch {
        return false;
      }
    },
    plan: async (context) => {
      const files = geminiFiles(context, dir);
      const out: FileChange[] = [];
      const before = readConfigText(files.settings);
      let after = before;
      if (!context.hooksOnly) after = planMcp(after, files.settings, context.server);
      if (!context.noHooks)
        after = setCommandHooks(after, files.settings, geminiHookGroups(context.hookProgram), isOurs);
      const what = [context.hooksOnly ? null : "MCP server", context.noHooks ? null : "hooks"]
        .filter(Boolean)
        .join(" and ");
      out.push(...fileChange(files.settings, before, after, what));
      if (!context.hooksOnly)
        out.push(
          ...fileChange(
            files.command,
            readConfigText(files.command),
            GEMINI_JOIN_COMMAND,
            "/oxtail-join command",
          ),
        );
      return out;
    },
    unplan: async (context) => {
      const files = geminiFiles(context, dir);
      const out: FileChange[] = [];
      const before = readConfigText(files.settings);
      let after = before;
      if (!context.hooksOnly) after = unplanMcp(after, files.settings);
      after = removeCommandHooks(after, files.settings, isOurs);
      out.push(
        ...fileChange(files.settings, before, after, context.hooksOnly ? "hooks" : "MCP server and hooks"),
      );
      if (!context.hooksOnly) {
        const command = readConfigText(files.command);
        if (command === GEMINI_JOIN_COMMAND)
          out.push(...fileChange(files.command, command, null, "/oxtail-join command"));
      }
      return out;
    },
    notes: (context) => {
      const notes = context.hooksOnly ? [] : [CONFIRM_NOTE];
      if (untrustedFolder(geminiFiles(context, dir), context.cwd))
        notes.push(
          `Gemini CLI's folder trust is on and ${context.cwd} is not trusted: it starts no MCP server there until you trust the folder.`,
        );
      return notes;
    },
    check: (context) => geminiChecks(context, geminiFiles(context, dir)),
  };
}
