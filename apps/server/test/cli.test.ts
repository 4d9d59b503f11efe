// The oxtail CLI (built): help and flags, what doctor really checks, re-pointing a moved install,
// an install path with a space, and npx's cache.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SERVER } from "./harness.ts";
import { installCopy, oxtailIn, put, snapshot } from "./setup-helpers.ts";

let root: string;
let home: string;
beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-cli-"));
  home = path.join(root, "home");
  fs.mkdirSync(home);
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

const oxtail = (...args: string[]) => oxtailIn(home, args);
const read = (rel: string) => fs.readFileSync(path.join(home, rel), "utf8");
/** The check lines of doctor's output (ok / FIX / --). */
const checkLines = (out: string) => out.split("\n").filter((l) => /^(ok |FIX|-- ) /.test(l));

describe("oxtail CLI", () => {
  it("has --help on every subcommand, and --version", () => {
    const top = oxtail("--help");
    expect(top.code).toBe(0);
    expect(top.out).toContain("Run `oxtail <command> --help`");
    for (const command of ["setup", "uninstall", "install-hook", "uninstall-hook", "doctor", "serve"]) {
      const r = oxtail(command, "--help");
      expect(r.code, command).toBe(0);
      expect(r.out).toContain(`Usage: oxtail ${command} [options]`);
    }
    for (const command of ["send", "ask"]) {
      const r = oxtail(command, "--help");
      expect(r.code, command).toBe(0);
      expect(r.out).toContain(`Usage: oxtail ${command} [options] <target> <text>`);
    }
    // The flags come from the loaded adapters.
    const setup = oxtail("setup", "--help").out;
    for (const flag of [
      "--claude",
      "--codex",
      "--gemini",
      "--sleeper",
      "--no-sleeper",
      "--project",
      "--npx",
      "--dry-run",
    ])
      expect(setup).toContain(flag);
    expect(oxtail("--version").out).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  it("fails on an unknown flag or command with a hint, writing nothing", () => {
    const r = oxtail("setup", "--clade");
    expect(r.code).toBe(1);
    expect(r.err).toContain("unknown option '--clade'");
    expect(r.err).toContain("Did you mean --claude?");
    expect(r.err).toContain("--help");
    const c = oxtail("setpu");
    expect(c.code).toBe(1);
    expect(c.err).toContain("Did you mean setup?");
    expect(fs.readdirSync(home)).toEqual([]);
  });
});

describe("oxtail doctor", () => {
  it("after setup --claude checks Claude Code only, starts its server and hook, and exits 0", () => {
    expect(oxtail("setup", "--claude").code).toBe(0);
    const r = oxtail("doctor");
    expect(r.code, r.out).toBe(0);
    const lines = checkLines(r.out);
    expect(lines.filter((l) => /codex/i.test(l))).toEqual([]);
    expect(r.out).toMatch(
      /^ok {2}Claude Code: the MCP server in .*\.claude\.json starts and lists \d+ tools/m,
    );
    expect(r.out).toMatch(/^ok {2}Claude Code: the hook runs .*claude SessionStart/m);
    // It says which adapters are loaded, with their capabilities and requirements.
    expect(r.out).toMatch(
      /^ {2}claude \(Claude Code\): transcript, liveness, hooks, onboarding, wake; needs claude on PATH, Claude Code >=/m,
    );
    expect(r.out).toContain("oxtail doctor: all good.");
  });

  it("says FIX with the error from starting a configured server that is gone, and for a hook that is gone", () => {
    expect(oxtail("setup", "--claude", "--codex").code).toBe(0);
    const gone = path.join(root, "gone", "main.mjs");
    put(home, ".claude.json", read(".claude.json").replace(SERVER, gone));
    const hook = JSON.parse(read(".codex/hooks.json")).hooks.Stop[0].hooks[0].command.split(" ")[0];
    put(
      home,
      ".codex/hooks.json",
      read(".codex/hooks.json").replaceAll(hook, path.join(root, "gone", "oxtail-hook")),
    );
    const r = oxtail("doctor");
    expect(r.code).toBe(1);
    expect(r.out).toMatch(
      /^FIX Claude Code: the MCP server in .* does not start .*Cannot find module '.*gone\/main\.mjs'.*MODULE_NOT_FOUND/m,
    );
    expect(r.out).toContain("run: oxtail setup --claude");
    expect(r.out).toMatch(
      /^FIX Codex CLI: the hook fails .*gone\/oxtail-hook codex SessionStart record: exit 127: .*not found/m,
    );
    expect(r.out).toMatch(/^ok {2}Codex CLI: the MCP server in .* starts/m);
    // setup puts both back on this install.
    expect(oxtail("setup").code).toBe(0);
    expect(oxtail("doctor").code).toBe(0);
  });

  it("sets up the clients installed here by default, and checks their version against the adapter's range", () => {
    // Stand-ins for the clients' programs: they print a version as the real ones do.
    const bin = path.join(root, "bin");
    put(bin, "claude", "#!/bin/sh\necho '2.0.1 (Claude Code)'\n", 0o755);
    const env = { PATH: `${bin}:${process.env.PATH}` };
    const setup = oxtailIn(home, ["setup"], { env });
    expect(setup.code, setup.err).toBe(0);
    expect(setup.out).toContain("Clients found here: Claude Code");
    expect(fs.existsSync(path.join(home, ".codex"))).toBe(false);
    const old = oxtailIn(home, ["doctor"], { env });
    expect(old.code).toBe(1);
    expect(old.out).toMatch(
      /^FIX Claude Code 2\.0\.1 is not supported: the claude adapter supports >=2\.1\.0/m,
    );
    put(bin, "claude", "#!/bin/sh\necho '2.1.332 (Claude Code)'\n", 0o755);
    const good = oxtailIn(home, ["doctor"], { env });
    expect(good.code, good.out).toBe(0);
    expect(good.out).toMatch(/^ok {2}Claude Code 2\.1\.332 is supported \(>=2\.1\.0\)/m);
  });

  it("with nothing set up says so and exits 1", () => {
    const r = oxtail("doctor");
    expect(r.code).toBe(1);
    expect(r.out).toContain("FIX no client is set up for oxtail — run: oxtail setup");
    expect(fs.readdirSync(home)).toEqual([]);
  });
});

describe("where oxtail is installed", () => {
  it("a re-run of setup after the install moved re-points the MCP entries and the hooks", () => {
    put(home, ".claude/settings.json", '{\n  "theme": "dark"\n}\n');
    const before = snapshot(home);
    const moved = installCopy(path.join(root, "old-prefix"));
    const old = oxtailIn(home, ["setup", "--claude", "--codex"], { main: moved });
    expect(old.code, old.err).toBe(0);
    const oldRoot = path.join(root, "old-prefix");
    for (const file of [".claude.json", ".claude/settings.json", ".codex/config.toml", ".codex/hooks.json"])
      expect(read(file), file).toContain(oldRoot);
    expect(oxtail("setup", "--claude", "--codex").code).toBe(0);
    for (const file of [".claude.json", ".claude/settings.json", ".codex/config.toml", ".codex/hooks.json"]) {
      expect(read(file), file).not.toContain(oldRoot);
    }
    expect(JSON.parse(read(".claude.json")).mcpServers.oxtail.args).toEqual([SERVER]);
    expect(read(".codex/config.toml")).toContain(JSON.stringify(SERVER));
    expect(read(".claude/settings.json").match(/claude Stop deliver/g)).toHaveLength(1);
    expect(oxtail("doctor").code).toBe(0);
    expect(oxtail("uninstall").code).toBe(0);
    expect(snapshot(home)).toEqual(before);
  });

  it("an install path with a space: entries are quoted, doctor finds them all ok, uninstall is exact", () => {
    const main = installCopy(path.join(root, "my tools"));
    const before = snapshot(home);
    expect(oxtailIn(home, ["setup"], { main }).code).toBe(0);
    expect(read(".claude/settings.json")).toContain(`'${path.join(root, "my tools")}`);
    const r = oxtailIn(home, ["doctor"], { main });
    expect(r.code, r.out).toBe(0);
    expect(checkLines(r.out).filter((l) => l.startsWith("FIX"))).toEqual([]);
    expect(oxtailIn(home, ["uninstall"], { main }).code).toBe(0);
    expect(snapshot(home)).toEqual(before);
  });

  it("refuses to set up from npx's cache, with the fix; --npx starts the server through npx, without hooks", () => {
    const cache = path.join(root, "npm-cache");
    const main = installCopy(path.join(cache, "_npx", "4f1c2a"));
    const env = { npm_config_cache: cache };
    const before = snapshot(home);
    const r = oxtailIn(home, ["setup"], { main, env });
    expect(r.code).toBe(1);
    expect(r.err).toContain(`runs from npx's cache (${path.join(cache, "_npx")})`);
    expect(r.err).toContain("npm install -g oxtail");
    expect(r.err).toContain("npx oxtail setup --npx");
    expect(oxtailIn(home, ["install-hook"], { main, env }).code).toBe(1);
    expect(snapshot(home)).toEqual(before);
    const npx = oxtailIn(home, ["setup", "--claude", "--codex", "--npx"], { main, env });
    expect(npx.code, npx.err).toBe(0);
    expect(npx.out).toContain("the hooks need an installed oxtail-hook, so they are left out");
    expect(JSON.parse(read(".claude.json")).mcpServers.oxtail).toMatchObject({
      command: "npx",
      args: ["-y", "oxtail"],
    });
    expect(read(".codex/config.toml")).toContain('command = "npx"');
    expect(fs.existsSync(path.join(home, ".claude/settings.json"))).toBe(false);
    expect(fs.existsSync(path.join(home, ".codex/hooks.json"))).toBe(false);
    expect(oxtailIn(home, ["uninstall"], { main, env }).code).toBe(0);
    expect(snapshot(home)).toEqual(before);
  });
});
