import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parse as parseToml } from "smol-toml";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SERVER } from "./harness.ts";

let home: string;
beforeEach(() => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-setup-home-"));
});
afterEach(() => {
  fs.rmSync(home, { recursive: true, force: true });
});

function oxtail(...args: string[]) {
  const r = spawnSync(process.execPath, [SERVER, ...args], {
    env: { PATH: process.env.PATH, HOME: home },
    encoding: "utf8",
    cwd: home,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
const file = (...p: string[]) => path.join(home, ...p);
const read = (...p: string[]) => fs.readFileSync(file(...p), "utf8");
function write(rel: string, text: string) {
  fs.mkdirSync(path.dirname(file(rel)), { recursive: true });
  fs.writeFileSync(file(rel), text);
}

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
  "theme": "dark"
}
`;
const CONFIG_TOML = `# my codex config
model = "gpt-x"   # keep this comment

[mcp_servers.other]
command = "other-mcp"
`;

describe("oxtail setup / uninstall", () => {
  it("adds its entries, is idempotent, and uninstall leaves every other byte as it was", () => {
    write(".claude.json", CLAUDE_JSON);
    write(".claude/settings.json", SETTINGS);
    write(".codex/config.toml", CONFIG_TOML);
    const setup = oxtail("setup");
    expect(setup.code, setup.err).toBe(0);

    const claude = JSON.parse(read(".claude.json"));
    expect(claude.mcpServers.github).toEqual({ type: "stdio", command: "gh-mcp", args: [] });
    expect(claude.mcpServers.oxtail).toMatchObject({
      type: "stdio",
      command: process.execPath,
      env: { OXTAIL_MANAGED: "1" },
    });
    const settings = read(".claude/settings.json");
    expect(settings).toContain("// my own hooks");
    expect(settings).toContain('"command": "my-linter"');
    for (const event of ["PreToolUse", "Stop", "SessionStart", "UserPromptSubmit"])
      expect(settings).toContain(`oxtail-hook claude ${event}`);
    const toml = read(".codex/config.toml");
    expect(toml.startsWith(CONFIG_TOML)).toBe(true);
    expect(
      (parseToml(toml) as { mcp_servers: Record<string, { env_vars?: string[] }> }).mcp_servers.oxtail
        ?.env_vars,
    ).toEqual(["TMUX", "TMUX_PANE", "TMUX_TMPDIR", "OXTAIL_HOME"]);
    expect(JSON.parse(read(".codex/hooks.json")).hooks.Stop[0].hooks[0].command).toContain(
      "oxtail-hook codex Stop",
    );
    expect(read(".claude/commands/oxtail-join.md")).toContain("claim_session");
    expect(read(".codex/skills/oxtail-join/SKILL.md")).toContain("name: oxtail-join");
    expect(read(".codex/skills/oxtail-join/agents/openai.yaml")).toContain("display_name");

    expect(oxtail("setup").out).toContain("nothing to change");

    const uninstall = oxtail("uninstall");
    expect(uninstall.code, uninstall.err).toBe(0);
    expect(read(".claude.json")).toBe(CLAUDE_JSON);
    expect(read(".claude/settings.json")).toBe(SETTINGS);
    expect(read(".codex/config.toml")).toBe(CONFIG_TOML);
    for (const gone of [
      ".codex/hooks.json",
      ".claude/commands/oxtail-join.md",
      ".codex/skills/oxtail-join/SKILL.md",
    ]) {
      expect(fs.existsSync(file(gone)), gone).toBe(false);
    }
    // Backups of the files that existed.
    expect(read(".claude/settings.json.oxtail-backup")).toBe(SETTINGS);
  });

  it("on a fresh HOME creates the files, and uninstall removes them again", () => {
    expect(oxtail("setup").code).toBe(0);
    expect(fs.existsSync(file(".claude.json"))).toBe(true);
    expect(oxtail("uninstall").code).toBe(0);
    for (const gone of [".claude.json", ".claude/settings.json", ".codex/config.toml", ".codex/hooks.json"])
      expect(fs.existsSync(file(gone)), gone).toBe(false);
  });

  it("installs Claude's asyncRewake sleeper unless --no-sleeper, switches either way, and uninstall removes it", () => {
    expect(oxtail("setup", "--claude", "--no-sleeper").code).toBe(0);
    expect(read(".claude/settings.json")).not.toContain("oxtail-hook claude Sleep");
    expect(oxtail("setup", "--claude", "--no-sleeper").out).toContain("nothing to change");
    expect(oxtail("setup", "--claude").code).toBe(0);
    const hooks = JSON.parse(read(".claude/settings.json")).hooks as Record<
      string,
      { hooks: { command: string; async?: boolean; asyncRewake?: boolean }[] }[]
    >;
    const sleepers = Object.values(hooks)
      .flat()
      .flatMap((m) => m.hooks)
      .filter((h) => h.command.endsWith(" claude Sleep"));
    expect(sleepers).toHaveLength(2); // at SessionStart and at Stop
    expect(read(".claude/settings.json").match(/oxtail-hook claude Stop/g)).toHaveLength(1);
    expect(oxtail("setup", "--claude").out).toContain("nothing to change");
    for (const h of sleepers) expect(h).toMatchObject({ async: true, asyncRewake: true, timeout: 86400 });
    // An older install's sleeper (another timeout) is brought up to date by setup.
    write(
      ".claude/settings.json",
      read(".claude/settings.json").replaceAll('"timeout": 86400', '"timeout": 3600'),
    );
    expect(oxtail("setup", "--claude").code).toBe(0);
    expect(read(".claude/settings.json")).not.toContain('"timeout": 3600');
    expect(read(".claude/settings.json").match(/oxtail-hook claude Sleep/g)).toHaveLength(2);
    expect(oxtail("setup", "--claude", "--no-sleeper").code).toBe(0);
    expect(read(".claude/settings.json")).not.toContain("oxtail-hook claude Sleep");
    expect(read(".claude/settings.json").match(/oxtail-hook claude Stop/g)).toHaveLength(1);
    expect(oxtail("setup", "--claude").code).toBe(0);
    expect(oxtail("uninstall", "--claude").code).toBe(0);
    expect(read(".claude/settings.json")).not.toContain("oxtail-hook");
  });

  it("--dry-run prints the exact changes and writes nothing", () => {
    write(".claude/settings.json", SETTINGS);
    const dry = oxtail("setup", "--claude", "--dry-run");
    expect(dry.code).toBe(0);
    expect(dry.out).toContain("+++ ");
    expect(dry.out).toContain("oxtail-hook claude PreToolUse");
    expect(dry.out).toContain("nothing was written");
    expect(read(".claude/settings.json")).toBe(SETTINGS);
    expect(fs.existsSync(file(".claude.json"))).toBe(false);
  });

  it("refuses corrupt config files with a clear message and changes nothing", () => {
    write(".claude/settings.json", '{ "hooks": { ');
    const r = oxtail("setup", "--claude");
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/settings\.json is not valid JSON .* nothing was changed/);
    expect(fs.existsSync(file(".claude.json"))).toBe(false);
    write(".codex/config.toml", "model = = broken\n");
    const t = oxtail("setup", "--codex");
    expect(t.code).toBe(1);
    expect(t.err).toMatch(/config\.toml is not valid TOML/);
    expect(read(".codex/config.toml")).toBe("model = = broken\n");
  });

  it("leaves an oxtail entry it did not write alone", () => {
    write(".claude.json", '{ "mcpServers": { "oxtail": { "command": "my-own-oxtail" } } }\n');
    const r = oxtail("setup", "--claude");
    expect(r.code).toBe(1);
    expect(r.err).toContain("did not write");
    write(".codex/config.toml", '[mcp_servers.oxtail]\ncommand = "mine"\n');
    expect(oxtail("setup", "--codex").code).toBe(1);
  });

  it("install-hook / uninstall-hook touch only the hooks", () => {
    write(".claude/settings.json", SETTINGS);
    expect(oxtail("install-hook", "--claude").code).toBe(0);
    expect(fs.existsSync(file(".claude.json"))).toBe(false);
    expect(read(".claude/settings.json")).toContain("oxtail-hook claude Stop");
    expect(oxtail("uninstall-hook", "--claude").code).toBe(0);
    expect(read(".claude/settings.json")).toBe(SETTINGS);
  });

  it("doctor says what to fix", () => {
    const before = oxtail("doctor");
    expect(before.code).toBe(1);
    expect(before.out).toContain("FIX Claude Code: oxtail MCP server");
    expect(before.out).toContain("run: oxtail setup --claude");
    oxtail("setup");
    const after = oxtail("doctor");
    expect(after.out).toContain("ok  Claude Code: hooks");
    expect(after.out).toContain("ok  Codex: oxtail MCP server");
    expect(after.out).toMatch(/ok {2}Claude Code: the hook program \S+oxtail-hook runs/);
    expect(after.out).toContain(
      "ok  Claude Code: the asyncRewake sleeper wakes an idle session without typing",
    );
    expect(after.code).toBe(0);
    // A hook program that is gone (the install moved) is a FIX; a missing sleeper is only said.
    const settings = read(".claude/settings.json");
    const program = /"command": "(\S+oxtail-hook) claude PreToolUse"/.exec(settings)?.[1] as string;
    write(".claude/settings.json", settings.replaceAll(program, path.join(home, "gone", "oxtail-hook")));
    const moved = oxtail("doctor");
    expect(moved.code).toBe(1);
    expect(moved.out).toContain("FIX Claude Code: the hook program");
    expect(moved.out).toContain("run: oxtail install-hook --claude");
    expect(oxtail("install-hook", "--claude").code).toBe(0);
    expect(read(".claude/settings.json")).not.toContain("gone");
    expect(read(".claude/settings.json").match(/oxtail-hook claude Stop/g)).toHaveLength(1);
    expect(oxtail("doctor").code).toBe(0);
    oxtail("setup", "--claude", "--no-sleeper");
    expect(oxtail("doctor").out).toContain("--  Claude Code: no asyncRewake sleeper");
  });
});
