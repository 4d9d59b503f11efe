// OpenCode's onboarding: an `oxtail` MCP entry in opencode.json(c) and oxtail's plugin file in the
// plugins folder; their exact inverse; and the doctor's checks. Built with @oxtail/onboarding's JSONC
// edits, which keep every byte outside oxtail's entry.
import { isDeepStrictEqual } from "node:util";
import {
  type ClientOnboarding,
  type CommandLine,
  type DoctorCheck,
  type DoctorContext,
  type FileChange,
  OxtailError,
} from "@oxtail/core";
import {
  detectClient,
  fileChange,
  parseJsonc,
  probeServerCheck,
  readConfigText,
  removeJsonValue,
  setJsonValue,
} from "@oxtail/onboarding";
import { type OpenCodeFiles, openCodeConfigDir, openCodeFiles } from "./paths.js";
import { PLUGIN_MARKER, pluginSource } from "./plugin.js";

/** Marks the MCP entry setup writes (a variable the server ignores): uninstall removes only that one. */
export const MANAGED_ENV = "OXTAIL_MANAGED";
const LABEL = "OpenCode";
const PORT_NOTE =
  "start OpenCode with --port <n> (e.g. opencode --port 4096): its server is how oxtail reads the session and wakes it without typing; without one, oxtail wakes it through tmux.";

/** The MCP entry in OpenCode's format (`mcp.<name>`: type local, command as one array). */
export function mcpEntry(server: CommandLine): Record<string, unknown> {
  return {
    type: "local",
    command: [server.command, ...server.args],
    enabled: true,
    environment: { [MANAGED_ENV]: "1" },
  };
}

/** The `oxtail` MCP entry when setup wrote it; null when there is none; throws when it is someone else's. */
function managedEntry(text: string | null, file: string): Record<string, unknown> | null {
  const servers = parseJsonc(text, file).mcp as Record<string, unknown> | undefined;
  const entry = servers?.oxtail as { environment?: Record<string, unknown> } | undefined;
  if (entry === undefined) return null;
  if (entry?.environment?.[MANAGED_ENV] === "1") return entry as Record<string, unknown>;
  throw new OxtailError(
    "invalid-input",
    `${file} already has an "oxtail" MCP server that oxtail setup did not write: leaving it alone. Remove it first to let setup manage it.`,
    { origin: "client-opencode", data: { path: file } },
  );
}

function serverOf(entry: Record<string, unknown> | null): CommandLine | null {
  const command = entry?.command;
  if (!Array.isArray(command) || typeof command[0] !== "string") return null;
  return { command: command[0], args: command.slice(1).map(String) };
}

function planConfig(file: string, server: CommandLine): FileChange[] {
  const before = readConfigText(file);
  const existing = managedEntry(before, file);
  if (existing && isDeepStrictEqual(existing, mcpEntry(server))) return [];
  return fileChange(
    file,
    before,
    setJsonValue(before, ["mcp", "oxtail"], mcpEntry(server), file),
    "MCP server",
  );
}

function unplanConfig(file: string): FileChange[] {
  const before = readConfigText(file);
  try {
    if (!managedEntry(before, file)) return [];
  } catch {
    return []; // someone else's entry: not oxtail's to remove
  }
  let after = removeJsonValue(before, ["mcp", "oxtail"], file);
  const servers = parseJsonc(after, file).mcp;
  if (servers && typeof servers === "object" && Object.keys(servers).length === 0)
    after = removeJsonValue(after, ["mcp"], file);
  return fileChange(file, before, after, "MCP server");
}

function planPlugin(file: string, hookProgram: string): FileChange[] {
  const before = readConfigText(file);
  if (before !== null && !before.startsWith(PLUGIN_MARKER))
    throw new OxtailError(
      "invalid-input",
      `${file} exists and is not oxtail's plugin: leaving it alone. Move it away to let setup write oxtail's.`,
      { origin: "client-opencode", data: { path: file } },
    );
  return fileChange(
    file,
    before,
    pluginSource(hookProgram || null),
    "oxtail plugin (session id, server URL, busy/idle; mail after each tool call)",
  );
}

function unplanPlugin(file: string): FileChange[] {
  const before = readConfigText(file);
  if (before === null || !before.startsWith(PLUGIN_MARKER)) return [];
  return fileChange(file, before, null, "oxtail plugin");
}

async function openCodeChecks(context: DoctorContext, files: OpenCodeFiles): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  let server: CommandLine | null = null;
  try {
    server = serverOf(managedEntry(readConfigText(files.config), files.config));
  } catch (error) {
    checks.push({ status: "fix", what: `${LABEL}: ${(error as Error).message}`, fix: `fix ${files.config}` });
  }
  if (checks.length === 0)
    checks.push(
      await probeServerCheck(context, {
        label: LABEL,
        file: files.config,
        server,
        fix: "run: oxtail setup --opencode (points it at this install)",
      }),
    );
  const plugin = readConfigText(files.plugin);
  checks.push(
    plugin === pluginSource(context.hookProgram || null)
      ? { status: "ok", what: `${LABEL}: the oxtail plugin is in ${files.plugin}` }
      : {
          status: "fix",
          what: `${LABEL}: ${plugin === null ? "no" : "an outdated or changed"} oxtail plugin in ${files.plugin} (it tells oxtail the session id, the server URL and busy/idle, and hands over mail after each tool call)`,
          fix: "run: oxtail setup --opencode",
        },
  );
  checks.push({ status: "note", what: `${LABEL}: ${PORT_NOTE}` });
  return checks;
}

/** OpenCode's onboarding. */
export function openCodeOnboarding(): ClientOnboarding {
  return {
    installed: (context) =>
      detectClient({
        binary: "opencode",
        traces: [openCodeConfigDir(context.env, context.home)],
        env: context.env,
      }),
    configured: async (context) => {
      const files = openCodeFiles(context);
      try {
        if (managedEntry(readConfigText(files.config), files.config)) return true;
      } catch {
        return false;
      }
      return (readConfigText(files.plugin) ?? "").startsWith(PLUGIN_MARKER);
    },
    plan: async (context) => {
      const files = openCodeFiles(context);
      const out: FileChange[] = [];
      if (!context.hooksOnly) out.push(...planConfig(files.config, context.server));
      if (!context.noHooks) out.push(...planPlugin(files.plugin, context.hookProgram));
      return out;
    },
    unplan: async (context) => {
      const files = openCodeFiles(context);
      return [...(context.hooksOnly ? [] : unplanConfig(files.config)), ...unplanPlugin(files.plugin)];
    },
    notes: () => [`OpenCode: ${PORT_NOTE}`],
    check: (context) => openCodeChecks(context, openCodeFiles(context)),
  };
}
