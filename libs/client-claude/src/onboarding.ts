// Claude Code's onboarding: the MCP server entry (~/.claude.json, or a project's .mcp.json), oxtail's
// hooks and the asyncRewake sleeper in settings.json, the /oxtail-join command; their exact inverse;
// and the doctor's checks. Built with @oxtail/onboarding's edits, which keep everything else as it is.
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
  shellQuote,
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
import { CLAUDE_SESSION_ENV, CLAUDE_HOOK_EVENTS as HOOK_SPECS } from "./hooks.js";
import { CLAUDE_ONBOARDING_OPTIONS } from "./onboarding-options.js";
import { claudeDir } from "./paths.js";
import { CLAUDE_JOIN_COMMAND } from "./texts.js";

/** The events the hook program is installed on: the declared ones, but the wake (the sleeper does it). */
const INSTALLED = HOOK_SPECS.filter((spec) => spec.role !== "wake");
/** The hook events oxtail installs for Claude Code, in the order it writes them. */
const INSTALLED_EVENTS: readonly string[] = INSTALLED.map((spec) => spec.event);
/** oxtail's asyncRewake sleeper: this package's `bin/oxtail-claude-sleeper`. */
export const SLEEPER_PROGRAM: string = path.resolve(
  import.meta.dirname,
  "..",
  "bin",
  "oxtail-claude-sleeper",
);
/** Marks the MCP entry setup writes (an env var the server ignores), so uninstall removes only that one. */
export const MANAGED_ENV = "OXTAIL_MANAGED";
/** The sleeper hook's timeout, s: above the sleeper's own lifetime (23 h), in case the client enforces it. */
const SLEEPER_TIMEOUT_S = 86_400;
const HOOK_TIMEOUT_S = 10;
const ADAPTER = "claude";
const isHook = hookCommandMatcher(ADAPTER);
/** The sleeper's command line, wherever it lives; also the older form that ran the hook program itself. */
const isSleeper = (command: string) =>
  /oxtail-claude-sleeper'?\s+\S/.test(command) || (isHook(command) && / Sleep\s*$/.test(command));
const isOurs = (command: string) => isHook(command) || isSleeper(command);

/** The files Claude Code's onboarding touches. */
export interface ClaudeFiles {
  /** `~/.claude.json` (in `$CLAUDE_CONFIG_DIR` when set), or the project's `.mcp.json` with `--project`. */
  mcp: string;
  /** `<claude dir>/settings.json`: the hooks. */
  settings: string;
  /** `<claude dir>/commands/oxtail-join.md`. */
  command: string;
}

/** Where Claude Code keeps what setup touches. */
export function claudeFiles(
  context: Pick<OnboardingContext, "env" | "home" | "cwd" | "project">,
  dir?: string,
): ClaudeFiles {
  const state = dir ?? claudeDir(context.env, context.home);
  const configDir = context.env.CLAUDE_CONFIG_DIR
    ? path.resolve(context.env.CLAUDE_CONFIG_DIR)
    : context.home;
  return {
    mcp: context.project ? path.join(context.cwd, ".mcp.json") : path.join(configDir, ".claude.json"),
    settings: path.join(state, "settings.json"),
    command: path.join(state, "commands", "oxtail-join.md"),
  };
}

/**
 * oxtail's hook groups: one per declared event, running the hook program with the event's mode (and
 * the session variable, so the no-mail path never starts Node); the sleeper rides along at
 * SessionStart and Stop, whenever the session may go idle.
 */
export function claudeHookGroups(hookProgram: string, sleeper: boolean): CommandHookGroup[] {
  return INSTALLED.map((spec) => ({
    event: spec.event,
    ...(spec.role === "mid-turn" ? { matcher: "*" } : {}),
    hooks: [
      {
        type: "command",
        command: hookCommandLine(hookProgram, ADAPTER, spec, CLAUDE_SESSION_ENV),
        timeout: HOOK_TIMEOUT_S,
      },
      ...(sleeper && (spec.role === "session-start" || spec.role === "before-idle")
        ? [
            {
              type: "command" as const,
              command: `${shellQuote(SLEEPER_PROGRAM)} ${shellQuote(hookProgram)}`,
              async: true,
              asyncRewake: true,
              timeout: SLEEPER_TIMEOUT_S,
            },
          ]
        : []),
    ],
  }));
}

const mcpEntry = (server: CommandLine) => ({
  type: "stdio",
  command: server.command,
  args: server.args,
  env: { [MANAGED_ENV]: "1" },
});

/** The MCP entry named `oxtail` in a Claude config, when setup wrote it (null: none; throws: someone else's). */
function managedEntry(text: string | null, file: string): Record<string, unknown> | null {
  const servers = parseJsonc(text, file).mcpServers;
  const entry =
    servers && typeof servers === "object" ? (servers as Record<string, unknown>).oxtail : undefined;
  if (entry === undefined) return null;
  const env = (entry as { env?: Record<string, unknown> })?.env;
  if (env?.[MANAGED_ENV] === "1") return entry as Record<string, unknown>;
  throw new OxtailError(
    "invalid-input",
    `${file} already has an "oxtail" MCP server that oxtail setup did not write: leaving it alone. Remove it first to let setup manage it.`,
    { origin: "client-claude", data: { path: file } },
  );
}

function planMcp(file: string, server: CommandLine): FileChange[] {
  const before = readConfigText(file);
  const existing = managedEntry(before, file);
  if (existing && isDeepStrictEqual(existing, mcpEntry(server))) return [];
  return fileChange(
    file,
    before,
    setJsonValue(before, ["mcpServers", "oxtail"], mcpEntry(server), file),
    "MCP server",
  );
}

function unplanMcp(file: string): FileChange[] {
  const before = readConfigText(file);
  let existing: Record<string, unknown> | null = null;
  try {
    existing = managedEntry(before, file);
  } catch {
    return []; // someone else's entry: not oxtail's to remove
  }
  if (!existing) return [];
  let after = removeJsonValue(before, ["mcpServers", "oxtail"], file);
  const servers = parseJsonc(after, file).mcpServers;
  if (servers && typeof servers === "object" && Object.keys(servers).length === 0)
    after = removeJsonValue(after, ["mcpServers"], file);
  return fileChange(file, before, after, "MCP server");
}

async function claudeChecks(context: DoctorContext, files: ClaudeFiles): Promise<DoctorCheck[]> {
  const label = "Claude Code";
  const checks: DoctorCheck[] = [];
  const read = (file: string) => {
    try {
      return { text: readConfigText(file), error: null };
    } catch (error) {
      return { text: null, error: (error as Error).message };
    }
  };
  const mcp = read(files.mcp);
  let server: CommandLine | null = null;
  try {
    const entry = managedEntry(mcp.text, files.mcp) as { command?: unknown; args?: unknown } | null;
    if (entry && typeof entry.command === "string")
      server = { command: entry.command, args: Array.isArray(entry.args) ? entry.args.map(String) : [] };
  } catch (error) {
    checks.push({ status: "fix", what: `${label}: ${(error as Error).message}`, fix: `edit ${files.mcp}` });
  }
  if (mcp.error) checks.push({ status: "fix", what: `${label}: ${mcp.error}`, fix: `fix ${files.mcp}` });
  else
    checks.push(
      await probeServerCheck(context, {
        label,
        file: files.mcp,
        server,
        fix: "run: oxtail setup --claude (points it at this install)",
      }),
    );

  const settings = read(files.settings);
  let groups: CommandHookGroup[] = [];
  try {
    groups = findCommandHooks(settings.text, files.settings, isOurs);
  } catch (error) {
    checks.push({
      status: "fix",
      what: `${label}: ${(error as Error).message}`,
      fix: `fix ${files.settings}`,
    });
  }
  const commands = groups.flatMap((g) => g.hooks.map((h) => ({ event: g.event, hook: h })));
  const missing = INSTALLED_EVENTS.filter(
    (e) => !commands.some((c) => c.event === e && !isSleeper(c.hook.command)),
  );
  const fix = "run: oxtail install-hook --claude";
  if (missing.length > 0)
    checks.push({
      status: "fix",
      what: `${label}: no oxtail hook at ${missing.join(", ")} in ${files.settings}`,
      fix,
    });
  else
    checks.push({
      status: "ok",
      what: `${label}: hooks at ${INSTALLED_EVENTS.join(", ")} in ${files.settings}`,
    });
  const start = commands.find((c) => c.event === "SessionStart" && !isSleeper(c.hook.command));
  if (start)
    checks.push(
      await probeHookCheck(context, {
        label,
        command: start.hook.command,
        event: "SessionStart",
        payload: { source: "startup" },
        fix,
      }),
    );
  const sleepers = commands.filter((c) => isSleeper(c.hook.command) && c.hook.asyncRewake === true);
  if (commands.length > 0)
    checks.push(
      sleepers.length > 0
        ? { status: "ok", what: `${label}: the asyncRewake sleeper wakes an idle session without typing` }
        : {
            status: "note",
            what: `${label}: no asyncRewake sleeper (setup --no-sleeper): an idle session is woken only by typing into its tmux pane; \`oxtail setup --claude\` adds it`,
          },
    );
  const command = read(files.command).text;
  checks.push(
    command === CLAUDE_JOIN_COMMAND
      ? { status: "ok", what: `${label}: the /oxtail-join command (${files.command})` }
      : {
          status: "note",
          what: `${label}: ${command === null ? "no" : "a changed"} /oxtail-join command in ${files.command}; \`oxtail setup --claude\` writes it`,
        },
  );
  return checks;
}

/** Claude Code's onboarding; `dir` overrides its state folder (the adapter's `claudeDir` option). */
export function claudeOnboarding(dir?: string): ClientOnboarding {
  return {
    options: CLAUDE_ONBOARDING_OPTIONS,
    installed: (context) =>
      detectClient({
        binary: "claude",
        traces: [dir ?? claudeDir(context.env, context.home), path.join(context.home, ".claude.json")],
        env: context.env,
      }),
    configured: async (context) => {
      const files = claudeFiles(context, dir);
      try {
        if (!context.hooksOnly && managedEntry(readConfigText(files.mcp), files.mcp)) return true;
        return findCommandHooks(readConfigText(files.settings), files.settings, isOurs).length > 0;
      } catch {
        return false;
      }
    },
    plan: async (context) => {
      const files = claudeFiles(context, dir);
      const out: FileChange[] = [];
      if (!context.hooksOnly) {
        out.push(...planMcp(files.mcp, context.server));
        out.push(
          ...fileChange(
            files.command,
            readConfigText(files.command),
            CLAUDE_JOIN_COMMAND,
            "/oxtail-join command",
          ),
        );
      }
      if (!context.noHooks) {
        const before = readConfigText(files.settings);
        const groups = claudeHookGroups(context.hookProgram, context.options.sleeper ?? true);
        out.push(
          ...fileChange(
            files.settings,
            before,
            setCommandHooks(before, files.settings, groups, isOurs),
            "hooks",
          ),
        );
      }
      return out;
    },
    unplan: async (context) => {
      const files = claudeFiles(context, dir);
      const out: FileChange[] = [];
      if (!context.hooksOnly) {
        out.push(...unplanMcp(files.mcp));
        const command = readConfigText(files.command);
        if (command === CLAUDE_JOIN_COMMAND)
          out.push(...fileChange(files.command, command, null, "/oxtail-join command"));
      }
      const settings = readConfigText(files.settings);
      out.push(
        ...fileChange(
          files.settings,
          settings,
          removeCommandHooks(settings, files.settings, isOurs),
          "hooks",
        ),
      );
      return out;
    },
    check: (context) => claudeChecks(context, claudeFiles(context, dir)),
  };
}
