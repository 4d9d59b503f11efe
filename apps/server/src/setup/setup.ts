import fs from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { OxtailError } from "@oxtail/core";
import { parse as parseToml } from "smol-toml";
import { type FileChange, readText } from "./files.js";
import { appendToArray, parseConfig, removeFromArray, setValue } from "./json-config.js";
import { CLAUDE_JOIN_COMMAND, CODEX_JOIN_AGENT_YAML, CODEX_JOIN_SKILL } from "./texts.js";

/** Hook events oxtail installs, for both clients. */
export const HOOKED_EVENTS = ["PreToolUse", "Stop", "SessionStart", "UserPromptSubmit"] as const;
/** Marks oxtail's MCP entries (an env var the server ignores), so uninstall removes only those. */
export const MANAGED_MARK = "OXTAIL_MANAGED";
const TOML_BEGIN = "# >>> oxtail: managed by `oxtail setup`, removed by `oxtail uninstall` >>>";
const TOML_END = "# <<< oxtail <<<";

/** What to set up. */
export interface SetupOptions {
  claude: boolean;
  codex: boolean;
  /** MCP config in the project's `.mcp.json` instead of the user's `~/.claude.json`. */
  project: boolean;
  /** Only the hooks (install-hook / uninstall-hook). */
  hooksOnly: boolean;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** The server command; default: this node and this oxtail's main.mjs. */
  serverCommand?: { command: string; args: string[] };
  /** The hook program; default: @oxtail/hook's bin/oxtail-hook. */
  hookCommand?: string;
  /**
   * Install Claude Code's asyncRewake sleeper (default true): a background hook that wakes the idle
   * session when mail arrives, with no typing. `--no-sleeper` leaves it out (the tmux wake remains).
   */
  sleeper?: boolean;
}

/** Where each client keeps what setup touches. */
export function targets(options: SetupOptions) {
  const home = options.env.HOME ?? os.homedir();
  const claudeDir = options.env.CLAUDE_CONFIG_DIR ?? path.join(home, ".claude");
  const codexHome = options.env.CODEX_HOME ?? path.join(home, ".codex");
  return {
    claudeMcp: options.project
      ? path.join(options.cwd, ".mcp.json")
      : path.join(options.env.CLAUDE_CONFIG_DIR ?? home, ".claude.json"),
    claudeSettings: path.join(claudeDir, "settings.json"),
    claudeCommand: path.join(claudeDir, "commands", "oxtail-join.md"),
    codexConfig: path.join(codexHome, "config.toml"),
    codexHooks: path.join(codexHome, "hooks.json"),
    codexSkill: path.join(codexHome, "skills", "oxtail-join", "SKILL.md"),
    codexSkillYaml: path.join(codexHome, "skills", "oxtail-join", "agents", "openai.yaml"),
  };
}

function defaultServerCommand(): { command: string; args: string[] } {
  return { command: process.execPath, args: [path.join(import.meta.dirname, "main.mjs")] };
}

function defaultHookCommand(): string {
  const pkg = createRequire(import.meta.url).resolve("@oxtail/hook/package.json");
  return path.join(path.dirname(pkg), "bin", "oxtail-hook");
}

/** The sleeper hook's timeout, s: above the sleeper's own lifetime (23 h), in case a client enforces it. */
const SLEEPER_HOOK_TIMEOUT_S = 86400;

const quote = (s: string) => (/^[\w./@%+=:-]+$/.test(s) ? s : `'${s.replaceAll("'", "'\\''")}'`);
const isOurHook = (entry: unknown) =>
  Array.isArray((entry as { hooks?: unknown })?.hooks) &&
  (entry as { hooks: { command?: unknown }[] }).hooks.some(
    (h) => typeof h.command === "string" && h.command.includes("oxtail-hook"),
  );

/** Add oxtail's hook entries to a Claude-style hooks file (idempotent, appends, never touches others). */
function addHooks(
  text: string | null,
  file: string,
  client: "claude" | "codex",
  hook: string,
  sleeper = true,
): string | null {
  // An earlier setup pointed at another hook program (the install moved) or, for Claude, differs
  // in the sleeper asked for: re-add oxtail's entries whole.
  // (An older sleeper entry, with another timeout, is re-added too.)
  const ours = Object.values((parseConfig(text, file).hooks ?? {}) as Record<string, unknown>)
    .flatMap((list) => (Array.isArray(list) ? list : []))
    .flatMap(
      (entry) =>
        ((entry as { hooks?: unknown })?.hooks as { command?: unknown; timeout?: unknown }[] | undefined) ??
        [],
    )
    .map((h) => ({ command: typeof h?.command === "string" ? h.command : "", timeout: h?.timeout }))
    .filter((h) => h.command.includes("oxtail-hook"));
  const sleepers = ours.filter((h) => h.command.endsWith(" claude Sleep"));
  const stale =
    ours.some((h) => !h.command.startsWith(`${quote(hook)} ${client} `)) ||
    (client === "claude" && ours.length > 0 && sleepers.length > 0 !== sleeper) ||
    sleepers.some((h) => h.timeout !== SLEEPER_HOOK_TIMEOUT_S);
  if (text !== null && stale) text = removeHooks(text, file);
  const config = parseConfig(text, file);
  let out = text;
  const hooks = (config.hooks ?? {}) as Record<string, unknown[]>;
  // No hooks at all yet: write them in one piece (a new file is then pretty-printed whole).
  const whole: Record<string, unknown[]> | null = config.hooks === undefined ? {} : null;
  for (const event of HOOKED_EVENTS) {
    const list = Array.isArray(hooks[event]) ? hooks[event] : null;
    if (list?.some(isOurHook)) continue;
    const hooksOfEntry: Record<string, unknown>[] = [
      { type: "command", command: `${quote(hook)} ${client} ${event}`, timeout: 10 },
    ];
    // Claude Code: an asyncRewake sleeper waits in the background whenever the session may go idle.
    if (client === "claude" && sleeper && (event === "SessionStart" || event === "Stop")) {
      hooksOfEntry.push({
        type: "command",
        command: `${quote(hook)} claude Sleep`,
        async: true,
        asyncRewake: true,
        timeout: SLEEPER_HOOK_TIMEOUT_S,
      });
    }
    const entry = { ...(event === "PreToolUse" ? { matcher: "*" } : {}), hooks: hooksOfEntry };
    if (whole) {
      whole[event] = [entry];
      continue;
    }
    out =
      list && list.length > 0 && out !== null
        ? appendToArray(out, ["hooks", event], entry)
        : setValue(out, ["hooks", event], [entry]);
  }
  if (whole) out = setValue(out, ["hooks"], whole);
  return out;
}

/** Remove exactly oxtail's hook entries; remove emptied event lists and an emptied `hooks`. */
function removeHooks(text: string | null, file: string): string | null {
  if (text === null) return null;
  let out: string = text;
  for (const event of HOOKED_EVENTS) {
    for (;;) {
      const list = ((parseConfig(out, file).hooks ?? {}) as Record<string, unknown[]>)[event];
      if (!Array.isArray(list)) break;
      const index = list.findIndex(isOurHook);
      if (index < 0) break;
      out =
        list.length === 1
          ? setValue(out, ["hooks", event], undefined)
          : removeFromArray(out, ["hooks", event], index);
    }
  }
  const hooks = parseConfig(out, file).hooks;
  if (hooks && typeof hooks === "object" && Object.keys(hooks).length === 0)
    out = setValue(out, ["hooks"], undefined);
  return out;
}

function tomlBlock(server: { command: string; args: string[] }): string {
  const str = (s: string) => JSON.stringify(s);
  return [
    TOML_BEGIN,
    "[mcp_servers.oxtail]",
    `command = ${str(server.command)}`,
    `args = [${server.args.map(str).join(", ")}]`,
    'env_vars = ["TMUX", "TMUX_PANE", "TMUX_TMPDIR", "OXTAIL_HOME"]',
    "tool_timeout_sec = 120",
    "startup_timeout_sec = 30",
    `env = { ${MANAGED_MARK} = "1" }`,
    TOML_END,
    "",
  ].join("\n");
}

function withoutTomlBlock(text: string): string {
  const start = text.indexOf(TOML_BEGIN);
  if (start < 0) return text;
  const end = text.indexOf(TOML_END, start);
  if (end < 0)
    throw new OxtailError(
      "invalid-input",
      "config.toml has oxtail's start marker but not its end marker: fix it by hand; nothing was changed.",
    );
  let after = end + TOML_END.length;
  if (text[after] === "\n") after += 1;
  // setup adds one blank line before the block when the file did not end with one.
  const before = start >= 2 && text.slice(start - 2, start) === "\n\n" ? start - 1 : start;
  return text.slice(0, before) + text.slice(after);
}

function checkToml(text: string | null, file: string): Record<string, unknown> {
  if (text === null) return {};
  try {
    return parseToml(text) as Record<string, unknown>;
  } catch (error) {
    throw new OxtailError(
      "invalid-input",
      `${file} is not valid TOML (${(error as Error).message.split("\n")[0]}). Fix it first; nothing was changed.`,
      {
        data: { path: file },
      },
    );
  }
}

const change = (p: string, before: string | null, after: string | null, what: string): FileChange => ({
  path: p,
  before,
  after,
  what,
});

/** The changes `oxtail setup` (or install-hook) would make. Idempotent: a second plan changes nothing. */
export function planSetup(options: SetupOptions): FileChange[] {
  const t = targets(options);
  const server = options.serverCommand ?? defaultServerCommand();
  const hook = options.hookCommand ?? defaultHookCommand();
  const out: FileChange[] = [];
  if (options.claude) {
    if (!options.hooksOnly) {
      const before = readText(t.claudeMcp);
      const config = parseConfig(before, t.claudeMcp);
      const existing = (config.mcpServers as Record<string, { env?: Record<string, string> }> | undefined)
        ?.oxtail;
      if (existing && existing.env?.[MANAGED_MARK] !== "1") {
        throw new OxtailError(
          "invalid-input",
          `${t.claudeMcp} already has an "oxtail" MCP server that oxtail setup did not write: leaving it alone. Remove it first to let setup manage it.`,
        );
      }
      const entry = {
        type: "stdio",
        command: server.command,
        args: server.args,
        env: { [MANAGED_MARK]: "1" },
      };
      out.push(
        change(
          t.claudeMcp,
          before,
          existing ? before : setValue(before, ["mcpServers", "oxtail"], entry),
          "MCP server",
        ),
      );
      const command = readText(t.claudeCommand);
      out.push(change(t.claudeCommand, command, CLAUDE_JOIN_COMMAND, "/oxtail-join slash command"));
    }
    const settings = readText(t.claudeSettings);
    out.push(
      change(
        t.claudeSettings,
        settings,
        addHooks(settings, t.claudeSettings, "claude", hook, options.sleeper ?? true),
        "hooks",
      ),
    );
  }
  if (options.codex) {
    if (!options.hooksOnly) {
      const before = readText(t.codexConfig);
      const parsed = checkToml(before === null ? null : withoutTomlBlock(before), t.codexConfig);
      if ((parsed.mcp_servers as Record<string, unknown> | undefined)?.oxtail) {
        throw new OxtailError(
          "invalid-input",
          `${t.codexConfig} already defines [mcp_servers.oxtail] outside oxtail's block: leaving it alone.`,
        );
      }
      let after = before ?? "";
      if (!after.includes(TOML_BEGIN))
        after = `${after}${after === "" || after.endsWith("\n\n") ? "" : after.endsWith("\n") ? "\n" : "\n\n"}${tomlBlock(server)}`;
      checkToml(after, t.codexConfig);
      out.push(change(t.codexConfig, before, after, "MCP server (marked block)"));
      out.push(change(t.codexSkill, readText(t.codexSkill), CODEX_JOIN_SKILL, "oxtail-join skill"));
      out.push(
        change(
          t.codexSkillYaml,
          readText(t.codexSkillYaml),
          CODEX_JOIN_AGENT_YAML,
          "oxtail-join skill metadata",
        ),
      );
    }
    const hooks = readText(t.codexHooks);
    out.push(change(t.codexHooks, hooks, addHooks(hooks, t.codexHooks, "codex", hook), "hooks"));
  }
  return out.filter((c) => c.before !== c.after);
}

/** The changes `oxtail uninstall` (or uninstall-hook) would make: exactly what setup added, removed. */
export function planUninstall(options: SetupOptions): FileChange[] {
  const t = targets(options);
  const out: FileChange[] = [];
  if (options.claude) {
    if (!options.hooksOnly) {
      const before = readText(t.claudeMcp);
      const config = parseConfig(before, t.claudeMcp);
      const servers = config.mcpServers as Record<string, { env?: Record<string, string> }> | undefined;
      if (servers?.oxtail?.env?.[MANAGED_MARK] === "1") {
        const after =
          Object.keys(servers).length === 1
            ? setValue(before, ["mcpServers"], undefined)
            : setValue(before, ["mcpServers", "oxtail"], undefined);
        out.push(change(t.claudeMcp, before, createdBySetup(t.claudeMcp, after), "MCP server"));
      }
      const command = readText(t.claudeCommand);
      if (command === CLAUDE_JOIN_COMMAND)
        out.push(change(t.claudeCommand, command, null, "/oxtail-join slash command"));
    }
    const settings = readText(t.claudeSettings);
    out.push(
      change(
        t.claudeSettings,
        settings,
        createdBySetup(t.claudeSettings, removeHooks(settings, t.claudeSettings)),
        "hooks",
      ),
    );
  }
  if (options.codex) {
    if (!options.hooksOnly) {
      const before = readText(t.codexConfig);
      if (before !== null) {
        const after = withoutTomlBlock(before);
        out.push(
          change(
            t.codexConfig,
            before,
            after === "" && !fs.existsSync(`${t.codexConfig}.oxtail-backup`) ? null : after,
            "MCP server (marked block)",
          ),
        );
      }
      for (const [file, text] of [
        [t.codexSkill, CODEX_JOIN_SKILL],
        [t.codexSkillYaml, CODEX_JOIN_AGENT_YAML],
      ] as const) {
        const current = readText(file);
        if (current === text) out.push(change(file, current, null, "oxtail-join skill"));
      }
    }
    const hooks = readText(t.codexHooks);
    out.push(
      change(t.codexHooks, hooks, createdBySetup(t.codexHooks, removeHooks(hooks, t.codexHooks)), "hooks"),
    );
  }
  return out.filter((c) => c.before !== c.after);
}

/**
 * A JSON file left as an empty object by uninstall is deleted when setup created it (no
 * `.oxtail-backup` beside it: setup backs up only files that existed).
 */
function createdBySetup(file: string, after: string | null): string | null {
  if (after === null) return null;
  const empty = Object.keys(parseConfig(after, file)).length === 0;
  return empty && !fs.existsSync(`${file}.oxtail-backup`) ? null : after;
}
