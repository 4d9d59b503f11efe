import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { listPublishable, packPackage } from "@oxtail/check-package";
import { TOOL_NAMES } from "@oxtail/core/runtime";
import { parse as parseToml } from "smol-toml";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  connectMcp,
  type Installed,
  installTarballs,
  run,
  sendMail,
  snapshot,
  userEnv,
} from "./installed.ts";

const ME = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa";
const PEER = "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb";
const VERSION = listPublishable().find((pkg) => pkg.manifest.name === "oxtail")?.manifest.version;
const PRE_TOOL_USE = { session_id: ME, hook_event_name: "PreToolUse", tool_name: "Bash", cwd: "/" };

const work = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-smoke-")));
let tarballs: string[] = [];
let homes = 0;
/** A new, empty HOME (without a space: the install path is what varies). */
function freshHome(): string {
  homes += 1;
  const home = path.join(work, "homes", `home-${homes}`);
  fs.mkdirSync(home, { recursive: true });
  return home;
}

beforeAll(() => {
  tarballs = listPublishable().map((pkg) => packPackage(pkg, path.join(work, "tarballs")).tarball);
});
afterAll(() => {
  fs.rmSync(work, { recursive: true, force: true });
});

/** The hook command a client config holds for `event` (the string the client runs with `sh -c`). */
function hookCommand(file: string, event: string): string {
  const config = JSON.parse(fs.readFileSync(file, "utf8")) as {
    hooks: Record<string, { hooks: { command: string }[] }[]>;
  };
  const command = (config.hooks[event] ?? [])
    .flatMap((entry) => entry.hooks)
    .map((hook) => hook.command)
    .find((c) => c.includes("oxtail-hook") && !c.endsWith(" Sleep"));
  if (!command) throw new Error(`no oxtail-hook command for ${event} in ${file}`);
  return command;
}

describe.each([
  { where: "a plain path", folder: "plain/prefix" },
  { where: "a path with a space", folder: "with space/prefix" },
])("oxtail installed from its packed tarballs into $where", ({ folder }) => {
  let installed: Installed;
  beforeAll(() => {
    installed = installTarballs(path.join(work, folder), tarballs);
  });

  it("`oxtail --version` prints the packed version", () => {
    const home = freshHome();
    const r = run(installed.bin("oxtail"), ["--version"], { env: userEnv(home, installed), cwd: home });
    expect(r).toMatchObject({ code: 0, stdout: `${VERSION}\n` });
  });

  it("`oxtail` serves MCP: initialize, tools/list with every tool, both built-in adapters loaded", async () => {
    const home = freshHome();
    const { client, stderr } = await connectMcp(installed.bin("oxtail"), [], {
      env: userEnv(home, installed),
      cwd: home,
    });
    try {
      expect(client.getServerVersion()).toMatchObject({ name: "oxtail", version: VERSION });
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual([...TOOL_NAMES].sort());
      const me = await client.callTool({ name: "get_my_session", arguments: {} });
      expect((me.structuredContent as { adapters: unknown }).adapters).toEqual([
        { name: "claude", loaded: true },
        { name: "codex", loaded: true },
        { name: "gemini", loaded: true },
        { name: "opencode", loaded: true },
      ]);
    } finally {
      await client.close();
    }
    expect(stderr()).not.toContain("skipped");
  });

  it("`oxtail --help` prints the usage, exit 0", () => {
    const home = freshHome();
    const r = run(installed.bin("oxtail"), ["--help"], { env: userEnv(home, installed), cwd: home });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: oxtail /);
    expect(r.stdout).toMatch(/^\s+setup\b/m);
  });

  it("each subcommand answers --help with its usage, exit 0, writing nothing", () => {
    const home = freshHome();
    for (const command of ["setup", "uninstall", "install-hook", "uninstall-hook", "doctor"]) {
      const r = run(installed.bin("oxtail"), [command, "--help"], {
        env: userEnv(home, installed),
        cwd: home,
      });
      expect({ command, code: r.code }).toEqual({ command, code: 0 });
      expect(r.stdout, command).toMatch(/usage/i);
    }
    expect(snapshot(home)).toEqual({});
  });

  it("`oxtail-hook` with an empty mailbox prints nothing and exits 0", () => {
    const home = freshHome();
    const r = run(installed.bin("oxtail-hook"), ["claude", "PreToolUse"], {
      env: userEnv(home, installed),
      cwd: home,
      input: `${JSON.stringify(PRE_TOOL_USE)}\n`,
    });
    expect(r).toEqual({ code: 0, stdout: "", stderr: "" });
  });

  describe("`oxtail-hook` with one message waiting (sent with the installed @oxtail/core)", () => {
    let env: NodeJS.ProcessEnv;
    let home: string;
    let id: string;
    beforeEach(() => {
      home = freshHome();
      env = userEnv(home, installed);
      id = sendMail(installed, env, { to: ME, from: PEER, body: "smoke: please answer" });
    });
    const expectDelivered = (stdout: string) => {
      const context = JSON.parse(stdout).hookSpecificOutput.additionalContext as string;
      expect(context).toContain("smoke: please answer");
      expect(context).toContain(id);
    };

    it("delivers it through the `oxtail-hook` link npm made", () => {
      const r = run(installed.bin("oxtail-hook"), ["claude", "PreToolUse"], {
        env,
        cwd: home,
        input: `${JSON.stringify(PRE_TOOL_USE)}\n`,
      });
      expect(r.code).toBe(0);
      expectDelivered(r.stdout);
    });

    it("delivers it through the hook program the link points to", () => {
      const r = run(fs.realpathSync(installed.bin("oxtail-hook")), ["claude", "PreToolUse"], {
        env,
        cwd: home,
        input: `${JSON.stringify(PRE_TOOL_USE)}\n`,
      });
      expect(r.code).toBe(0);
      expectDelivered(r.stdout);
    });
  });

  describe("after `oxtail setup` on a fresh HOME", () => {
    let home: string;
    let env: NodeJS.ProcessEnv;
    beforeAll(() => {
      home = freshHome();
      env = userEnv(home, installed);
      const r = run(installed.bin("oxtail"), ["setup"], { env, cwd: home });
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
    });

    it("setup wrote each client's MCP entry, hooks and join command, pointing at this install", () => {
      for (const file of [
        ".claude.json",
        ".claude/settings.json",
        ".claude/commands/oxtail-join.md",
        ".codex/config.toml",
        ".codex/hooks.json",
        ".codex/skills/oxtail-join/SKILL.md",
      ])
        expect(fs.existsSync(path.join(home, file)), file).toBe(true);
      for (const file of [".claude.json", ".claude/settings.json", ".codex/config.toml", ".codex/hooks.json"])
        expect(fs.readFileSync(path.join(home, file), "utf8"), file).toContain(installed.prefix);
    });

    it("the MCP server entries setup wrote (Claude Code, Codex) start and answer initialize", async () => {
      type Entry = { command: string; args?: string[]; env?: Record<string, string> };
      const claude = JSON.parse(fs.readFileSync(path.join(home, ".claude.json"), "utf8")) as {
        mcpServers: { oxtail: Entry };
      };
      const codex = parseToml(fs.readFileSync(path.join(home, ".codex/config.toml"), "utf8")) as unknown as {
        mcp_servers: { oxtail: Entry };
      };
      for (const entry of [claude.mcpServers.oxtail, codex.mcp_servers.oxtail]) {
        const { client } = await connectMcp(entry.command, entry.args ?? [], {
          env: { ...env, ...entry.env },
          cwd: home,
        });
        try {
          expect(client.getServerVersion()).toMatchObject({ name: "oxtail", version: VERSION });
        } finally {
          await client.close();
        }
      }
    });

    it("the hook commands setup wrote deliver waiting mail (Claude Code, Codex)", () => {
      for (const [client, file] of [
        ["claude", ".claude/settings.json"],
        ["codex", ".codex/hooks.json"],
      ] as const) {
        const id = sendMail(installed, env, { to: ME, from: PEER, body: `for ${client}` });
        const r = run("/bin/sh", ["-c", hookCommand(path.join(home, file), "PreToolUse")], {
          env,
          cwd: home,
          input: `${JSON.stringify(PRE_TOOL_USE)}\n`,
        });
        expect(r.code, client).toBe(0);
        expect(JSON.parse(r.stdout).hookSpecificOutput.additionalContext, client).toContain(id);
      }
    });

    it("`oxtail doctor` answers all good, exit 0", () => {
      const r = run(installed.bin("oxtail"), ["doctor"], { env, cwd: home });
      expect(r.stdout).not.toMatch(/^FIX/m);
      expect(r.stdout).toContain("all good");
      expect(r.code).toBe(0);
    });
  });

  it("`oxtail doctor` after `oxtail setup --claude` checks Claude Code only: exit 0", () => {
    const home = freshHome();
    const env = userEnv(home, installed);
    expect(run(installed.bin("oxtail"), ["setup", "--claude"], { env, cwd: home }).code).toBe(0);
    const r = run(installed.bin("oxtail"), ["doctor"], { env, cwd: home });
    expect(r.stdout).not.toMatch(/^FIX/m);
    expect(r.code).toBe(0);
  });

  describe("`oxtail uninstall` leaves HOME byte for byte as it was before `oxtail setup`", () => {
    /** setup then uninstall, `cycles` times, each compared with HOME before. */
    function roundTrip(home: string, cycles: number) {
      const env = userEnv(home, installed);
      const before = snapshot(home);
      for (let cycle = 1; cycle <= cycles; cycle++) {
        expect(run(installed.bin("oxtail"), ["setup"], { env, cwd: home }).code).toBe(0);
        expect(snapshot(home)).not.toEqual(before);
        expect(run(installed.bin("oxtail"), ["uninstall"], { env, cwd: home }).code).toBe(0);
        expect({ cycle, home: snapshot(home) }).toEqual({ cycle, home: before });
      }
    }

    it("on an empty HOME, twice over", () => {
      roundTrip(freshHome(), 2);
    });

    it("with the user's own Claude Code and Codex configs in place", () => {
      const home = freshHome();
      const write = (file: string, text: string) => {
        fs.mkdirSync(path.dirname(path.join(home, file)), { recursive: true });
        fs.writeFileSync(path.join(home, file), text);
      };
      write(
        ".claude.json",
        '{\n    "numStartups": 3,\n    "mcpServers": {\n        "mine": { "command": "mine-mcp" }\n    }\n}\n',
      );
      write(
        ".claude/settings.json",
        '{\n  // my settings\n  "hooks": {\n    "Stop": [{ "hooks": [{ "type": "command", "command": "say done" }] }]\n  }\n}\n',
      );
      write(".codex/config.toml", '# my codex\nmodel = "o4"\n\n[mcp_servers.mine]\ncommand = "mine-mcp"\n');
      roundTrip(home, 2);
    });

    it("with a config that is a symlink into a dotfiles folder (it stays a link, its target is edited)", () => {
      const home = freshHome();
      fs.mkdirSync(path.join(home, "dotfiles"));
      fs.mkdirSync(path.join(home, ".claude"));
      fs.writeFileSync(path.join(home, "dotfiles", "claude-settings.json"), '{\n  "theme": "dark"\n}\n');
      fs.symlinkSync("../dotfiles/claude-settings.json", path.join(home, ".claude", "settings.json"));
      const env = userEnv(home, installed);
      const before = snapshot(home);
      expect(run(installed.bin("oxtail"), ["setup", "--claude"], { env, cwd: home }).code).toBe(0);
      expect(fs.lstatSync(path.join(home, ".claude", "settings.json")).isSymbolicLink()).toBe(true);
      expect(fs.readFileSync(path.join(home, "dotfiles", "claude-settings.json"), "utf8")).toContain(
        "oxtail-hook",
      );
      expect(run(installed.bin("oxtail"), ["uninstall", "--claude"], { env, cwd: home }).code).toBe(0);
      expect(snapshot(home)).toEqual(before);
    });
  });
});
