import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

/** The built oxtail server and CLI of this workspace. */
export const OXTAIL_MAIN = path.resolve(import.meta.dirname, "../../../apps/server/dist/main.mjs");

/**
 * A `beforeStart` step that runs the built `oxtail` CLI into the agent's HOME, as a user would
 * (for example `oxtailInHome("setup", "--claude")`).
 */
export const oxtailInHome =
  (...args: string[]) =>
  (home: string): void => {
    execFileSync(process.execPath, [OXTAIL_MAIN, ...args], {
      env: { PATH: process.env.PATH, HOME: home },
      stdio: "ignore",
    });
  };

/** An MCP server entry for a client's config. */
export interface McpServerConfig {
  command: string;
  args: string[];
  env?: Record<string, string>;
  /** Codex only: names of variables to forward from the client's environment. */
  envVars?: string[];
}

/** The dummy API keys: nothing leaves the machine, the endpoint ignores them. */
export const DUMMY_ANTHROPIC_KEY = "sk-ant-api03-oxtail-harness-dummy-key-0000000000000000000000AA";
export const DUMMY_OPENAI_KEY = "sk-oxtail-harness-dummy-0000000000000000";
export const DUMMY_GEMINI_KEY = "oxtail-harness-dummy-gemini-key";

function writeJson(file: string, value: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
}

/**
 * A throwaway HOME for Claude Code with the first-run dialogs answered: onboarding done
 * (it otherwise exits after a connectivity check), the dummy key approved, the project
 * trusted, bypass-permissions accepted, and the MCP servers at user scope.
 */
export function prepareClaudeHome(
  home: string,
  projectDir: string,
  mcpServers: Record<string, McpServerConfig>,
): void {
  writeJson(path.join(home, ".claude.json"), {
    hasCompletedOnboarding: true,
    lastOnboardingVersion: "2.1.197",
    theme: "dark",
    autoUpdates: false,
    bypassPermissionsModeAccepted: true,
    fullscreenUpsellSeenCount: 3,
    customApiKeyResponses: { approved: [DUMMY_ANTHROPIC_KEY.slice(-20)], rejected: [] },
    projects: {
      [projectDir]: {
        hasTrustDialogAccepted: true,
        hasCompletedProjectOnboarding: true,
        allowedTools: [],
        projectOnboardingSeenCount: 1,
      },
    },
    mcpServers: Object.fromEntries(
      Object.entries(mcpServers).map(([name, s]) => [
        name,
        { type: "stdio", command: s.command, args: s.args, env: s.env ?? {} },
      ]),
    ),
  });
  writeJson(path.join(home, ".claude", "settings.json"), {
    env: { DISABLE_AUTOUPDATER: "1" },
    skipDangerousModePermissionPrompt: true,
  });
}

const tomlString = (value: string): string => JSON.stringify(value);
const tomlArray = (values: readonly string[]): string => `[${values.map(tomlString).join(", ")}]`;

/**
 * A throwaway HOME for Codex: API-key auth (what `codex login --with-api-key` writes),
 * a model provider pointing at the scripted endpoint, approvals off, the project trusted,
 * and the MCP servers.
 */
export function prepareCodexHome(
  home: string,
  projectDir: string,
  baseUrl: string,
  mcpServers: Record<string, McpServerConfig>,
): void {
  writeJson(path.join(home, ".codex", "auth.json"), {
    auth_mode: "apikey",
    OPENAI_API_KEY: DUMMY_OPENAI_KEY,
  });
  const lines = [
    'model = "scripted-model"',
    'model_provider = "scripted"',
    'approval_policy = "never"',
    'sandbox_mode = "danger-full-access"',
    "check_for_update_on_startup = false",
    "",
    "[model_providers.scripted]",
    'name = "scripted"',
    `base_url = ${tomlString(baseUrl)}`,
    'wire_api = "responses"',
    'env_key = "OPENAI_API_KEY"',
    "",
    "[tui]",
    "screen_reader_detection_done = true",
    "",
    `[projects.${tomlString(projectDir)}]`,
    'trust_level = "trusted"',
  ];
  for (const [name, s] of Object.entries(mcpServers)) {
    lines.push(
      "",
      `[mcp_servers.${name}]`,
      `command = ${tomlString(s.command)}`,
      `args = ${tomlArray(s.args)}`,
    );
    if (s.envVars?.length) lines.push(`env_vars = ${tomlArray(s.envVars)}`);
    lines.push("startup_timeout_sec = 30", "tool_timeout_sec = 120");
    if (s.env && Object.keys(s.env).length > 0) {
      lines.push(
        `[mcp_servers.${name}.env]`,
        ...Object.entries(s.env).map(([k, v]) => `${k} = ${tomlString(v)}`),
      );
    }
  }
  fs.mkdirSync(path.join(home, ".codex"), { recursive: true });
  fs.writeFileSync(path.join(home, ".codex", "config.toml"), `${lines.join("\n")}\n`, { mode: 0o600 });
}

/**
 * A throwaway HOME for Gemini CLI: API-key auth chosen in settings (with only the variables set it
 * picks another login and exits 41), no update checks or usage statistics, and the MCP servers.
 * The model endpoint comes from `GOOGLE_GEMINI_BASE_URL`, set by the launcher.
 */
export function prepareGeminiHome(home: string, mcpServers: Record<string, McpServerConfig>): void {
  writeJson(path.join(home, ".gemini", "settings.json"), {
    security: { auth: { selectedType: "gemini-api-key" } },
    general: { enableAutoUpdate: false, enableAutoUpdateNotification: false },
    privacy: { usageStatisticsEnabled: false },
    mcpServers: Object.fromEntries(
      Object.entries(mcpServers).map(([name, s]) => [
        name,
        { command: s.command, args: s.args, env: s.env ?? {} },
      ]),
    ),
  });
}

/**
 * A throwaway HOME for OpenCode: `~/.config/opencode/opencode.json` with a provider pointing at the
 * scripted endpoint (`@ai-sdk/openai-compatible`, OpenAI Chat Completions), it as the model, no
 * auto-update, and the MCP servers (`mcp.<name>`: type local, the command as one array).
 */
export function prepareOpenCodeHome(
  home: string,
  baseUrl: string,
  mcpServers: Record<string, McpServerConfig>,
): void {
  writeJson(path.join(home, ".config", "opencode", "opencode.json"), {
    $schema: "https://opencode.ai/config.json",
    autoupdate: false,
    share: "disabled",
    model: "scripted/scripted-model",
    provider: {
      scripted: {
        npm: "@ai-sdk/openai-compatible",
        name: "scripted",
        options: { baseURL: baseUrl, apiKey: DUMMY_OPENAI_KEY },
        models: { "scripted-model": { name: "scripted-model" } },
      },
    },
    mcp: Object.fromEntries(
      Object.entries(mcpServers).map(([name, s]) => [
        name,
        { type: "local", command: [s.command, ...s.args], enabled: true, environment: s.env ?? {} },
      ]),
    ),
  });
}

/**
 * Turn the loop guard's rate budget off for an oxtail data directory (its `config.json`): a test that
 * asks the same peer 20 times in a row is the burst the budget exists to stop (docs: README, "Loop
 * guard"). The ask-cycle check stays on.
 */
export function withoutRateBudget(oxtailHome: string): void {
  fs.mkdirSync(oxtailHome, { recursive: true, mode: 0o700 });
  const file = path.join(oxtailHome, "config.json");
  const config = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, "utf8")) as object) : {};
  fs.writeFileSync(file, `${JSON.stringify({ ...config, loop_guard: { enabled: false } })}\n`, {
    mode: 0o600,
  });
}
