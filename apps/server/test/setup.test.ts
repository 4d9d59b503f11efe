// oxtail setup / uninstall through the built CLI on a temporary HOME: every round trip ends with a
// byte-compare of the whole HOME (every path, mode, byte and link target) against before setup.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseToml } from "@oxtail/onboarding";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { oxtailIn, put, snapshot } from "./setup-helpers.ts";

let root: string;
let home: string;
beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-setup-"));
  home = path.join(root, "home");
  fs.mkdirSync(home);
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

const oxtail = (...args: string[]) => oxtailIn(home, args);
const read = (rel: string) => fs.readFileSync(path.join(home, rel), "utf8");
const exists = (rel: string) => fs.existsSync(path.join(home, rel));

// Existing user configuration, with comments and other entries, that setup must leave alone.
const CLAUDE_JSON = `{
  "numStartups": 12,
  "mcpServers": {
    "github": { "type": "stdio", "command": "gh-mcp", "args": [] }
  }
}
`;
const SETTINGS = `{
  // my own hooks
  "hooks": {
    "PreToolUse": [
      { "matcher": "Bash", "hooks": [{ "type": "command", "command": "my-linter" }] }
    ]
  },
  "theme": "dark" /* keep */
}
`;
const CONFIG_TOML = `# my codex config
model = "gpt-x"   # keep this comment

[mcp_servers.other]
command = "other-mcp"
`;
const CODEX_HOOKS = `{"hooks":{"Stop":[{"hooks":[{"type":"command","command":"notify-me"}]}]}}`;

function userConfigs(): void {
  put(home, ".claude.json", CLAUDE_JSON, 0o600);
  put(home, ".claude/settings.json", SETTINGS, 0o644);
  put(home, ".codex/config.toml", CONFIG_TOML, 0o640);
  put(home, ".codex/hooks.json", CODEX_HOOKS);
}

/** setup → doctor → uninstall, expecting HOME back byte for byte. */
function roundTrip(...setupArgs: string[]): void {
  const before = snapshot(home);
  const setup = oxtail("setup", ...setupArgs);
  expect(setup.code, setup.err).toBe(0);
  expect(oxtail("setup", ...setupArgs).out).toContain("nothing to change");
  const doctor = oxtail("doctor");
  expect(doctor.code, doctor.out).toBe(0);
  const uninstall = oxtail("uninstall");
  expect(uninstall.code, uninstall.err).toBe(0);
  expect(snapshot(home)).toEqual(before);
}

describe("oxtail setup → doctor → uninstall", () => {
  it("adds only its entries to configs full of comments and others, and uninstall gives every byte back, twice", () => {
    userConfigs();
    const before = snapshot(home);
    expect(oxtail("setup", "--claude", "--codex").code).toBe(0);
    const claude = JSON.parse(read(".claude.json"));
    expect(claude.mcpServers.github).toEqual({ type: "stdio", command: "gh-mcp", args: [] });
    expect(claude.mcpServers.oxtail).toMatchObject({
      type: "stdio",
      command: process.execPath,
      env: { OXTAIL_MANAGED: "1" },
    });
    const settings = read(".claude/settings.json");
    expect(settings).toContain("// my own hooks");
    expect(settings).toContain('"theme": "dark" /* keep */');
    for (const event of ["PreToolUse", "Stop", "SessionStart", "UserPromptSubmit"])
      expect(settings).toMatch(
        new RegExp(`oxtail-hook'? claude ${event} (deliver|record) CLAUDE_CODE_SESSION_ID"`),
      );
    const toml = read(".codex/config.toml");
    expect(toml.startsWith(CONFIG_TOML)).toBe(true);
    const server = (parseToml(toml, "config.toml").mcp_servers as Record<string, Record<string, unknown>>)
      .oxtail;
    expect(server).toMatchObject({
      env_vars: ["TMUX", "TMUX_PANE", "TMUX_TMPDIR", "OXTAIL_HOME"],
      tool_timeout_sec: 120,
      startup_timeout_sec: 30,
      env: { OXTAIL_MANAGED: "1" },
    });
    // A compact one-line file gets compact JSON.
    expect(read(".codex/hooks.json").split("\n")).toHaveLength(1);
    expect(JSON.parse(read(".codex/hooks.json")).hooks.Stop[1].hooks[0].command).toMatch(
      /oxtail-hook'? codex Stop deliver$/,
    );
    expect(read(".claude/commands/oxtail-join.md")).toContain("claim_session");
    expect(read(".codex/skills/oxtail-join/SKILL.md")).toContain("name: oxtail-join");
    expect(read(".codex/skills/oxtail-join/agents/openai.yaml")).toContain("display_name");
    // Modes are kept; nothing is written beside the user's files.
    expect(fs.statSync(path.join(home, ".codex/config.toml")).mode & 0o777).toBe(0o640);
    expect(fs.readdirSync(path.join(home, ".claude"))).toEqual(["commands", "settings.json"]);
    expect(oxtail("uninstall").code).toBe(0);
    expect(snapshot(home)).toEqual(before);
    roundTrip("--claude", "--codex");
  });

  it("on a fresh HOME creates what it needs, and uninstall leaves nothing: no stubs, folders or ~/.oxtail, twice", () => {
    const fresh = oxtail("setup");
    expect(fresh.out).toContain("No client found installed here");
    expect(
      exists(".claude.json") && exists(".codex/hooks.json") && exists(".oxtail/setup/manifest.json"),
    ).toBe(true);
    expect(oxtail("doctor").code).toBe(0);
    expect(oxtail("uninstall").code).toBe(0);
    expect(fs.readdirSync(home)).toEqual([]);
    roundTrip();
    // Every client's setup, doctor (a server and a hook started per client) and uninstall, twice: slow on a
    // loaded machine.
  }, 120_000);

  it("writes through symlinked configs: the links stay links, their targets are restored byte-exactly", () => {
    put(home, "dotfiles/claude.json", CLAUDE_JSON);
    put(home, "dotfiles/settings.json", SETTINGS, 0o640);
    put(home, "dotfiles/config.toml", CONFIG_TOML);
    fs.symlinkSync("dotfiles/claude.json", path.join(home, ".claude.json"));
    fs.mkdirSync(path.join(home, ".claude"));
    fs.symlinkSync("../dotfiles/settings.json", path.join(home, ".claude/settings.json"));
    fs.mkdirSync(path.join(home, ".codex"));
    fs.symlinkSync(path.join(home, "dotfiles/config.toml"), path.join(home, ".codex/config.toml"));
    const before = snapshot(home);
    expect(oxtail("setup", "--claude", "--codex").code).toBe(0);
    for (const link of [".claude.json", ".claude/settings.json", ".codex/config.toml"])
      expect(fs.lstatSync(path.join(home, link)).isSymbolicLink(), link).toBe(true);
    expect(read("dotfiles/settings.json")).toContain("claude Stop");
    expect(fs.statSync(path.join(home, "dotfiles/settings.json")).mode & 0o777).toBe(0o640);
    expect(fs.readdirSync(path.join(home, "dotfiles")).sort()).toEqual([
      "claude.json",
      "config.toml",
      "settings.json",
    ]);
    expect(oxtail("uninstall").code).toBe(0);
    expect(snapshot(home)).toEqual(before);
  });

  it("works in a HOME whose path has a space", () => {
    home = path.join(root, "my home");
    fs.mkdirSync(home);
    userConfigs();
    roundTrip("--claude", "--codex");
  });

  it("lays inserted JSON out like the file: tabs, 4 spaces", () => {
    put(
      home,
      ".claude.json",
      '{\n    "numStartups": 1,\n    "mcpServers": {\n        "gh": {\n            "command": "gh"\n        }\n    }\n}\n',
    );
    put(home, ".claude/settings.json", '{\n\t"theme": "dark"\n}\n');
    const before = snapshot(home);
    expect(oxtail("setup", "--claude").code).toBe(0);
    expect(read(".claude.json")).toContain(
      '\n        "oxtail": {\n            "type": "stdio",\n            "command": ',
    );
    const settings = read(".claude/settings.json");
    expect(settings).toContain('\n\t"hooks": {\n\t\t"PreToolUse": [\n\t\t\t{\n\t\t\t\t"matcher": "*",');
    expect(settings).not.toMatch(/^ /m);
    expect(oxtail("uninstall").code).toBe(0);
    expect(snapshot(home)).toEqual(before);
  });

  it("--dry-run prints the exact changes and writes nothing, for setup and uninstall", () => {
    userConfigs();
    const before = snapshot(home);
    const dry = oxtail("setup", "--claude", "--dry-run");
    expect(dry.code).toBe(0);
    expect(dry.out).toContain(`+++ ${path.join(home, ".claude/settings.json")}  (hooks)`);
    expect(dry.out).toMatch(/^\+.*oxtail-hook'? claude PreToolUse/m);
    expect(dry.out).toContain("nothing was written");
    expect(snapshot(home)).toEqual(before);
    expect(oxtail("setup", "--claude").code).toBe(0);
    const installed = snapshot(home);
    const undo = oxtail("uninstall", "--dry-run");
    expect(undo.out).toMatch(/^-.*oxtail-hook'? claude Stop/m);
    expect(snapshot(home)).toEqual(installed);
  });

  it("installs Claude's asyncRewake sleeper unless --no-sleeper, switches either way, and uninstall removes it", () => {
    expect(oxtail("setup", "--claude", "--no-sleeper").code).toBe(0);
    expect(read(".claude/settings.json")).not.toContain("oxtail-claude-sleeper");
    expect(oxtail("setup", "--claude", "--no-sleeper").out).toContain("nothing to change");
    expect(oxtail("setup", "--claude").code).toBe(0);
    const hooks = JSON.parse(read(".claude/settings.json")).hooks as Record<
      string,
      { hooks: { command: string }[] }[]
    >;
    const sleepers = Object.values(hooks)
      .flat()
      .flatMap((m) => m.hooks)
      .filter((h) => h.command.includes("oxtail-claude-sleeper"));
    expect(sleepers).toHaveLength(2); // at SessionStart and at Stop
    for (const h of sleepers) expect(h).toMatchObject({ async: true, asyncRewake: true, timeout: 86400 });
    expect(read(".claude/settings.json").match(/claude Stop deliver/g)).toHaveLength(1);
    // An older install's sleeper (another timeout) is brought up to date.
    put(
      home,
      ".claude/settings.json",
      read(".claude/settings.json").replaceAll('"timeout": 86400', '"timeout": 3600'),
    );
    expect(oxtail("setup", "--claude").code).toBe(0);
    expect(read(".claude/settings.json")).not.toContain('"timeout": 3600');
    expect(oxtail("setup", "--claude", "--no-sleeper").code).toBe(0);
    expect(read(".claude/settings.json")).not.toContain("oxtail-claude-sleeper");
    expect(oxtail("uninstall").code).toBe(0);
    expect(fs.readdirSync(home)).toEqual([]);
  });

  it("refuses corrupt config files with a clear message and changes nothing", () => {
    put(home, ".claude/settings.json", '{ "hooks": { ');
    put(home, ".codex/config.toml", "model = = broken\n");
    const before = snapshot(home);
    const r = oxtail("setup", "--claude");
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/settings\.json is not valid JSON .* nothing was changed/);
    const t = oxtail("setup", "--codex");
    expect(t.code).toBe(1);
    expect(t.err).toMatch(/config\.toml is not valid TOML/);
    expect(snapshot(home)).toEqual(before);
  });

  it("leaves an oxtail entry it did not write alone", () => {
    put(home, ".claude.json", '{ "mcpServers": { "oxtail": { "command": "my-own-oxtail" } } }\n');
    const r = oxtail("setup", "--claude");
    expect(r.code).toBe(1);
    expect(r.err).toContain("did not write");
    put(home, ".codex/config.toml", '[mcp_servers.oxtail]\ncommand = "mine"\n');
    expect(oxtail("setup", "--codex").code).toBe(1);
    expect(oxtail("uninstall").code).toBe(0);
    expect(read(".claude.json")).toContain("my-own-oxtail");
  });

  it("install-hook / uninstall-hook touch only the hooks; uninstall-hook after setup keeps the rest for uninstall", () => {
    userConfigs();
    const before = snapshot(home);
    expect(oxtail("install-hook", "--claude").code).toBe(0);
    expect(read(".claude.json")).toBe(CLAUDE_JSON);
    expect(read(".claude/settings.json")).toContain("claude Stop");
    expect(oxtail("uninstall-hook", "--claude").code).toBe(0);
    expect(snapshot(home)).toEqual(before);
    expect(oxtail("setup", "--claude").code).toBe(0);
    expect(oxtail("uninstall-hook").code).toBe(0);
    expect(read(".claude/settings.json")).toBe(SETTINGS);
    expect(JSON.parse(read(".claude.json")).mcpServers.oxtail).toBeDefined();
    expect(oxtail("uninstall").code).toBe(0);
    expect(snapshot(home)).toEqual(before);
  });
});
