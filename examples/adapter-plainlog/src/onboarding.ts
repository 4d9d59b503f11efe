// Plainlog's onboarding: oxtail's MCP server in <Plainlog home>/config.json and oxtail's hooks in
// <Plainlog home>/hooks.json; their exact inverse; the checks `oxtail doctor` runs. Built with
// @oxtail/onboarding's JSONC edits, which keep comments, layout and everyone else's entries.
import { randomUUID } from "node:crypto";
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
  appendJsonArrayItem,
  detectClient,
  fileChange,
  hookCommandMatcher,
  parseJsonc,
  probeServerCheck,
  readConfigText,
  removeJsonArrayItem,
  removeJsonValue,
  setJsonValue,
} from "@oxtail/onboarding";
import { PLAINLOG_SESSION_ENV } from "./detect.js";
import { PLAINLOG_HOOK_EVENTS } from "./hooks.js";
import { plainlogHome } from "./paths.js";

const ADAPTER = "plainlog";
const LABEL = "Plainlog";
/** Marks the MCP entry setup writes (a variable the server ignores): uninstall removes only that one. */
export const MANAGED_ENV = "OXTAIL_MANAGED";
/** oxtail's hook commands, wherever the hook program lives. */
const isOurs = hookCommandMatcher(ADAPTER);

/** One entry of Plainlog's hooks.json: run `run` (a shell command line) at event `on`. */
interface PlainlogHook {
  on: string;
  run: string;
}

/** The files setup touches. */
export function plainlogFiles(context: Pick<OnboardingContext, "env" | "home">, home?: string) {
  const dir = home ?? plainlogHome(context.env, context.home);
  return { config: path.join(dir, "config.json"), hooks: path.join(dir, "hooks.json") };
}

/** The hooks oxtail installs: every declared event (`tool` only with the `tool-hook` option). */
export function plainlogHookEntries(hookProgram: string, options: Readonly<Record<string, boolean>>) {
  return PLAINLOG_HOOK_EVENTS.filter((spec) => spec.event !== "tool" || options["tool-hook"] !== false).map(
    (spec): PlainlogHook => ({
      on: spec.event,
      run: hookCommandLine(hookProgram, ADAPTER, spec, PLAINLOG_SESSION_ENV),
    }),
  );
}

const mcpEntry = (server: CommandLine) => ({
  command: server.command,
  args: server.args,
  env: { [MANAGED_ENV]: "1" },
});

/** The `oxtail` MCP entry when setup wrote it; null when there is none; throws when it is someone else's. */
function managedEntry(text: string | null, file: string): Record<string, unknown> | null {
  const servers = parseJsonc(text, file).mcpServers as Record<string, unknown> | undefined;
  const entry = servers?.oxtail as { env?: Record<string, unknown> } | undefined;
  if (entry === undefined) return null;
  if (entry?.env?.[MANAGED_ENV] === "1") return entry as Record<string, unknown>;
  throw new OxtailError(
    "invalid-input",
    `${file} already has an "oxtail" MCP server that oxtail setup did not write: leaving it alone. Remove it first to let setup manage it.`,
    { origin: "oxtail-client-plainlog", data: { path: file } },
  );
}

/** oxtail's entries in hooks.json, with their indexes. */
function ourHooks(text: string | null, file: string): { index: number; hook: PlainlogHook }[] {
  const list = parseJsonc(text, file).hooks;
  if (!Array.isArray(list)) return [];
  return list.flatMap((hook, index) =>
    hook && typeof hook.on === "string" && typeof hook.run === "string" && isOurs(hook.run)
      ? [{ index, hook: { on: hook.on, run: hook.run } }]
      : [],
  );
}

/** hooks.json without oxtail's entries (and without `hooks` once it is empty). */
function withoutOurHooks(text: string | null, file: string): string | null {
  let out = text;
  for (const { index } of ourHooks(text, file).reverse())
    out = removeJsonArrayItem(out, ["hooks"], index, file);
  const list = parseJsonc(out, file).hooks;
  return Array.isArray(list) && list.length === 0 ? removeJsonValue(out, ["hooks"], file) : out;
}

function planHooks(file: string, wanted: readonly PlainlogHook[]): FileChange[] {
  const before = readConfigText(file);
  const current = ourHooks(before, file).map((h) => h.hook);
  if (before !== null && isDeepStrictEqual(current, wanted)) return [];
  let after = withoutOurHooks(before, file);
  if (!Array.isArray(parseJsonc(after, file).hooks)) after = setJsonValue(after, ["hooks"], wanted, file);
  else for (const hook of wanted) after = appendJsonArrayItem(after, ["hooks"], hook, file);
  return fileChange(file, before, after, "hooks");
}

function planConfig(file: string, server: CommandLine): FileChange[] {
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

function unplanConfig(file: string): FileChange[] {
  const before = readConfigText(file);
  try {
    if (!managedEntry(before, file)) return [];
  } catch {
    return []; // someone else's entry: not oxtail's to remove
  }
  let after = removeJsonValue(before, ["mcpServers", "oxtail"], file);
  const servers = parseJsonc(after, file).mcpServers;
  if (servers && typeof servers === "object" && Object.keys(servers).length === 0)
    after = removeJsonValue(after, ["mcpServers"], file);
  return fileChange(file, before, after, "MCP server");
}

async function plainlogChecks(context: DoctorContext, home?: string): Promise<DoctorCheck[]> {
  const files = plainlogFiles(context, home);
  const checks: DoctorCheck[] = [];
  let server: CommandLine | null = null;
  try {
    const entry = managedEntry(readConfigText(files.config), files.config) as {
      command?: unknown;
      args?: unknown;
    } | null;
    if (entry && typeof entry.command === "string")
      server = { command: entry.command, args: Array.isArray(entry.args) ? entry.args.map(String) : [] };
  } catch (error) {
    checks.push({
      status: "fix",
      what: `${LABEL}: ${(error as Error).message}`,
      fix: `edit ${files.config}`,
    });
  }
  const fixSetup = "run: oxtail setup --plainlog";
  checks.push(await probeServerCheck(context, { label: LABEL, file: files.config, server, fix: fixSetup }));

  let hooks: PlainlogHook[] = [];
  try {
    hooks = ourHooks(readConfigText(files.hooks), files.hooks).map((h) => h.hook);
  } catch (error) {
    checks.push({ status: "fix", what: `${LABEL}: ${(error as Error).message}`, fix: `fix ${files.hooks}` });
  }
  const wanted = plainlogHookEntries(context.hookProgram, context.options).map((h) => h.on);
  const missing = wanted.filter((event) => !hooks.some((h) => h.on === event));
  const fixHooks = "run: oxtail install-hook --plainlog";
  checks.push(
    missing.length > 0
      ? {
          status: "fix",
          what: `${LABEL}: no oxtail hook at ${missing.join(", ")} in ${files.hooks}`,
          fix: fixHooks,
        }
      : { status: "ok", what: `${LABEL}: hooks at ${wanted.join(", ")} in ${files.hooks}` },
  );
  // Run the session_start hook as Plainlog would, for a session nobody has (no one's mail is touched).
  const start = hooks.find((h) => h.on === "session_start");
  if (start) {
    const session = randomUUID();
    const payload = JSON.stringify({ event: "session_start", session, cwd: context.cwd });
    const run = await context.probeHook(start.run, payload, { [PLAINLOG_SESSION_ENV]: session });
    checks.push(
      !run.error && run.exitCode === 0
        ? { status: "ok", what: `${LABEL}: the hook runs (${start.run}: a test session_start exits 0)` }
        : {
            status: "fix",
            what: `${LABEL}: the hook fails (${start.run}: exit ${run.exitCode ?? "none"}: ${run.error ?? (run.stderr.trim() || "no output")})`,
            fix: fixHooks,
          },
    );
  }
  checks.push({
    status: "note",
    what: `${LABEL}: an idle session is woken through its <session>.wake file, with no typing (nothing to set up)`,
  });
  return checks;
}

/** Plainlog's onboarding; `home` overrides its home folder (the adapter's `home` option). */
export function plainlogOnboarding(home?: string): ClientOnboarding {
  return {
    options: [
      {
        name: "tool-hook",
        description:
          "Plainlog: also deliver mail before each tool call (its `tool` hook), not only between turns",
        default: true,
      },
    ],
    installed: (context) =>
      detectClient({
        binary: "plainlog",
        traces: [home ?? plainlogHome(context.env, context.home)],
        env: context.env,
      }),
    configured: async (context) => {
      const files = plainlogFiles(context, home);
      try {
        if (managedEntry(readConfigText(files.config), files.config)) return true;
        return ourHooks(readConfigText(files.hooks), files.hooks).length > 0;
      } catch {
        return false;
      }
    },
    plan: async (context) => {
      const files = plainlogFiles(context, home);
      return [
        ...(context.hooksOnly ? [] : planConfig(files.config, context.server)),
        ...(context.noHooks
          ? []
          : planHooks(files.hooks, plainlogHookEntries(context.hookProgram, context.options))),
      ];
    },
    unplan: async (context) => {
      const files = plainlogFiles(context, home);
      const hooks = readConfigText(files.hooks);
      return [
        ...(context.hooksOnly ? [] : unplanConfig(files.config)),
        ...fileChange(files.hooks, hooks, withoutOurHooks(hooks, files.hooks), "hooks"),
      ];
    },
    check: (context) => plainlogChecks(context, home),
  };
}
