// Codex's onboarding: a marked [mcp_servers.oxtail] block in config.toml, oxtail's hooks in
// hooks.json, the oxtail-join skill; their exact inverse; and the doctor's checks. Built with
// @oxtail/onboarding's edits, which keep every byte outside oxtail's own entries.
import path from "node:path";
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
  parseToml,
  probeHookCheck,
  probeServerCheck,
  readConfigText,
  removeCommandHooks,
  removeTomlBlock,
  setCommandHooks,
  setTomlBlock,
} from "@oxtail/onboarding";
import { CODEX_HOOK_EVENTS as HOOK_SPECS } from "./hooks.js";
import { codexHome } from "./paths.js";
import { CODEX_JOIN_AGENT_YAML, CODEX_JOIN_SKILL } from "./texts.js";

/** The hook events oxtail installs for Codex (its declared ones), in the order it writes them. */
const INSTALLED_EVENTS: readonly string[] = HOOK_SPECS.map((spec) => spec.event);
/** Marks the MCP server setup writes (an env var the server ignores). */
export const MANAGED_ENV = "OXTAIL_MANAGED";
/** The comment lines around oxtail's block in config.toml. */
export const CODEX_TOML_MARKERS = {
  begin: "# >>> oxtail: managed by `oxtail setup`, removed by `oxtail uninstall` >>>",
  end: "# <<< oxtail <<<",
} as const;
/** Codex strips its MCP servers' environment: the variables oxtail needs are forwarded by name. */
const FORWARDED_ENV = ["TMUX", "TMUX_PANE", "TMUX_TMPDIR", "OXTAIL_HOME"];
const ADAPTER = "codex";
const isOurs = hookCommandMatcher(ADAPTER);
const TRUST_NOTE =
  "Codex asks to trust new hooks once: open /hooks in the Codex TUI (or answer its review prompt).";

/** The files Codex's onboarding touches. */
export interface CodexFiles {
  config: string;
  hooks: string;
  skill: string;
  skillYaml: string;
}

/** Where Codex keeps what setup touches (`$CODEX_HOME`, else `~/.codex`). */
export function codexFiles(context: Pick<OnboardingContext, "env" | "home">, dir?: string): CodexFiles {
  const home = dir ?? codexHome(context.env, context.home);
  return {
    config: path.join(home, "config.toml"),
    hooks: path.join(home, "hooks.json"),
    skill: path.join(home, "skills", "oxtail-join", "SKILL.md"),
    skillYaml: path.join(home, "skills", "oxtail-join", "agents", "openai.yaml"),
  };
}

/** The lines of oxtail's config.toml block: the server, forwarded variables, timeouts and the mark. */
export function codexTomlBody(server: CommandLine): string {
  const str = (s: string) => JSON.stringify(s);
  return [
    "[mcp_servers.oxtail]",
    `command = ${str(server.command)}`,
    `args = [${server.args.map(str).join(", ")}]`,
    `env_vars = [${FORWARDED_ENV.map(str).join(", ")}]`,
    // Longer than ask_peer's default wait (45 s).
    "tool_timeout_sec = 120",
    "startup_timeout_sec = 30",
    `env = { ${MANAGED_ENV} = "1" }`,
    "",
  ].join("\n");
}

/** oxtail's hook groups for Codex: one per event. */
export function codexHookGroups(hookProgram: string): CommandHookGroup[] {
  return HOOK_SPECS.map((spec) => ({
    event: spec.event,
    ...(spec.role === "mid-turn" ? { matcher: "*" } : {}),
    hooks: [{ type: "command", command: hookCommandLine(hookProgram, ADAPTER, spec), timeout: 10 }],
  }));
}

/** The oxtail MCP server config.toml names, from oxtail's block only (null: none). */
function managedServer(text: string | null, file: string): CommandLine | null {
  const server = (parseToml(text, file).mcp_servers as Record<string, unknown> | undefined)?.oxtail as
    | { command?: unknown; args?: unknown; env?: Record<string, unknown> }
    | undefined;
  if (server?.env?.[MANAGED_ENV] !== "1" || typeof server.command !== "string") return null;
  return { command: server.command, args: Array.isArray(server.args) ? server.args.map(String) : [] };
}

function planConfig(file: string, server: CommandLine): FileChange[] {
  const before = readConfigText(file);
  const outside = removeTomlBlock(before, file, CODEX_TOML_MARKERS);
  if ((parseToml(outside, file).mcp_servers as Record<string, unknown> | undefined)?.oxtail)
    throw new OxtailError(
      "invalid-input",
      `${file} already defines [mcp_servers.oxtail] outside oxtail's block: leaving it alone. Remove it first to let setup manage it.`,
      { origin: "client-codex", data: { path: file } },
    );
  const after = setTomlBlock(before, file, CODEX_TOML_MARKERS, codexTomlBody(server));
  return fileChange(file, before, after, "MCP server (marked block)");
}

async function codexChecks(context: DoctorContext, files: CodexFiles): Promise<DoctorCheck[]> {
  const label = "Codex CLI";
  const checks: DoctorCheck[] = [];
  const attempt = <T>(file: string, read: () => T): T | null => {
    try {
      return read();
    } catch (error) {
      checks.push({ status: "fix", what: `${label}: ${(error as Error).message}`, fix: `fix ${file}` });
      return null;
    }
  };
  const config = attempt(files.config, () => ({
    server: managedServer(readConfigText(files.config), files.config),
  }));
  if (config)
    checks.push(
      await probeServerCheck(context, {
        label,
        file: files.config,
        server: config.server,
        fix: "run: oxtail setup --codex (points it at this install)",
      }),
    );
  const groups =
    attempt(files.hooks, () => findCommandHooks(readConfigText(files.hooks), files.hooks, isOurs)) ?? [];
  const fix = "run: oxtail install-hook --codex";
  const missing = INSTALLED_EVENTS.filter((e) => !groups.some((g) => g.event === e));
  if (missing.length > 0)
    checks.push({
      status: "fix",
      what: `${label}: no oxtail hook at ${missing.join(", ")} in ${files.hooks}`,
      fix,
    });
  else
    checks.push({
      status: "ok",
      what: `${label}: hooks at ${INSTALLED_EVENTS.join(", ")} in ${files.hooks}`,
    });
  const start = groups.find((g) => g.event === "SessionStart")?.hooks.find((h) => isOurs(h.command));
  if (start) {
    checks.push(
      await probeHookCheck(context, {
        label,
        command: start.command,
        event: "SessionStart",
        payload: { source: "startup" },
        fix,
      }),
    );
    checks.push({ status: "note", what: `${label}: ${TRUST_NOTE}` });
  }
  const skill = attempt(files.skill, () => readConfigText(files.skill));
  checks.push(
    skill === CODEX_JOIN_SKILL
      ? { status: "ok", what: `${label}: the oxtail-join skill (${path.dirname(files.skill)})` }
      : {
          status: "note",
          what: `${label}: ${skill === null ? "no" : "a changed"} oxtail-join skill in ${files.skill}; \`oxtail setup --codex\` writes it`,
        },
  );
  return checks;
}

/** Codex's onboarding; `dir` overrides its state folder (the adapter's `codexHome` option). */
export function codexOnboarding(dir?: string): ClientOnboarding {
  return {
    installed: (context) =>
      detectClient({
        binary: "codex",
        traces: [dir ?? codexHome(context.env, context.home)],
        env: context.env,
      }),
    configured: async (context) => {
      const files = codexFiles(context, dir);
      try {
        if (!context.hooksOnly && managedServer(readConfigText(files.config), files.config)) return true;
        return findCommandHooks(readConfigText(files.hooks), files.hooks, isOurs).length > 0;
      } catch {
        return false;
      }
    },
    plan: async (context) => {
      const files = codexFiles(context, dir);
      const out: FileChange[] = [];
      if (!context.hooksOnly) {
        out.push(...planConfig(files.config, context.server));
        out.push(
          ...fileChange(files.skill, readConfigText(files.skill), CODEX_JOIN_SKILL, "oxtail-join skill"),
        );
        out.push(
          ...fileChange(
            files.skillYaml,
            readConfigText(files.skillYaml),
            CODEX_JOIN_AGENT_YAML,
            "oxtail-join skill metadata",
          ),
        );
      }
      if (!context.noHooks) {
        const before = readConfigText(files.hooks);
        const after = setCommandHooks(before, files.hooks, codexHookGroups(context.hookProgram), isOurs);
        out.push(...fileChange(files.hooks, before, after, "hooks"));
      }
      return out;
    },
    unplan: async (context) => {
      const files = codexFiles(context, dir);
      const out: FileChange[] = [];
      if (!context.hooksOnly) {
        const config = readConfigText(files.config);
        out.push(
          ...fileChange(
            files.config,
            config,
            removeTomlBlock(config, files.config, CODEX_TOML_MARKERS),
            "MCP server (marked block)",
          ),
        );
        for (const [file, text, what] of [
          [files.skill, CODEX_JOIN_SKILL, "oxtail-join skill"],
          [files.skillYaml, CODEX_JOIN_AGENT_YAML, "oxtail-join skill metadata"],
        ] as const) {
          const current = readConfigText(file);
          if (current === text) out.push(...fileChange(file, current, null, what));
        }
      }
      const hooks = readConfigText(files.hooks);
      out.push(...fileChange(files.hooks, hooks, removeCommandHooks(hooks, files.hooks, isOurs), "hooks"));
      return out;
    },
    notes: (context) => (context.noHooks ? [] : [TRUST_NOTE]),
    check: (context) => codexChecks(context, codexFiles(context, dir)),
  };
}
