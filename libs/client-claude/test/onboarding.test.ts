import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { DoctorContext, FileChange, OnboardingContext } from "@oxtail/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import claudeAdapter from "../src/index.ts";
import { CLAUDE_JOIN_COMMAND } from "../src/texts.ts";

let home: string;
beforeEach(() => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-claude-onboarding-"));
});
afterEach(() => fs.rmSync(home, { recursive: true, force: true }));

const onboarding = () => {
  const adapter = claudeAdapter();
  if (!adapter.onboarding) throw new Error("no onboarding");
  return adapter.onboarding;
};
const HOOK = "/opt/oxtail place/bin/oxtail-hook";
const context = (over: Partial<OnboardingContext> = {}): OnboardingContext => ({
  env: {},
  home,
  cwd: home,
  project: false,
  hooksOnly: false,
  server: { command: "/usr/bin/node", args: ["/opt/oxtail/dist/main.mjs"] },
  hookProgram: HOOK,
  options: { sleeper: true },
  ...over,
});
const at = (rel: string) => path.join(home, rel);
const write = (rel: string, text: string) => {
  fs.mkdirSync(path.dirname(at(rel)), { recursive: true });
  fs.writeFileSync(at(rel), text);
};
/** Apply a plan the plain way (tests of the plan itself; the CLI applies through @oxtail/onboarding). */
const apply = (changes: FileChange[]) => {
  for (const c of changes) {
    if (c.after === null) fs.rmSync(c.path);
    else write(path.relative(home, c.path), c.after);
  }
};
const SETTINGS =
  '{\n  // mine\n  "hooks": {\n    "Stop": [{ "hooks": [{ "type": "command", "command": "notify" }] }]\n  }\n}\n';

describe("Claude Code onboarding", () => {
  it("declares the sleeper option and the onboarding capability", () => {
    expect(claudeAdapter().capabilities.onboarding).toBe(true);
    expect(onboarding().options).toEqual([expect.objectContaining({ name: "sleeper", default: true })]);
  });

  it("plans the MCP entry, the hooks with the sleeper and /oxtail-join; a second plan is empty; unplan undoes it", async () => {
    write(".claude.json", '{\n  "numStartups": 3\n}\n');
    write(".claude/settings.json", SETTINGS);
    const plan = await onboarding().plan(context());
    expect(plan.map((c) => [path.relative(home, c.path), c.what])).toEqual([
      [".claude.json", "MCP server"],
      [".claude/commands/oxtail-join.md", "/oxtail-join command"],
      [".claude/settings.json", "hooks"],
    ]);
    apply(plan);
    expect(JSON.parse(fs.readFileSync(at(".claude.json"), "utf8")).mcpServers.oxtail).toEqual({
      type: "stdio",
      command: "/usr/bin/node",
      args: ["/opt/oxtail/dist/main.mjs"],
      env: { OXTAIL_MANAGED: "1" },
    });
    const settings = fs.readFileSync(at(".claude/settings.json"), "utf8");
    // The exact command lines: the program quoted for the shell, the adapter name, the event, its mode
    // and the variable that carries the session id.
    for (const [event, mode] of [
      ["PreToolUse", "deliver"],
      ["Stop", "deliver"],
      ["SessionStart", "record"],
      ["UserPromptSubmit", "record"],
    ])
      expect(settings).toContain(`"command": "'${HOOK}' claude ${event} ${mode} CLAUDE_CODE_SESSION_ID"`);
    // The sleeper: this package's shell script, told where the hook program is.
    expect(settings.match(/oxtail-claude-sleeper'? '\/opt\/oxtail place\/bin\/oxtail-hook'"/g)).toHaveLength(
      2,
    );
    expect(fs.readFileSync(at(".claude/commands/oxtail-join.md"), "utf8")).toBe(CLAUDE_JOIN_COMMAND);
    expect(await onboarding().configured(context())).toBe(true);
    expect(await onboarding().plan(context())).toEqual([]);
    apply(await onboarding().unplan(context()));
    expect(fs.readFileSync(at(".claude.json"), "utf8")).toBe('{\n  "numStartups": 3\n}\n');
    expect(fs.readFileSync(at(".claude/settings.json"), "utf8")).toBe(SETTINGS);
    expect(fs.existsSync(at(".claude/commands/oxtail-join.md"))).toBe(false);
    expect(await onboarding().configured(context())).toBe(false);
  });

  it("re-points the MCP entry and the hooks when the install moved", async () => {
    apply(await onboarding().plan(context()));
    const moved = context({
      server: { command: "/usr/bin/node", args: ["/new/main.mjs"] },
      hookProgram: "/new/oxtail-hook",
    });
    const plan = await onboarding().plan(moved);
    expect(plan.map((c) => c.what).sort()).toEqual(["MCP server", "hooks"]);
    apply(plan);
    expect(fs.readFileSync(at(".claude.json"), "utf8")).not.toContain("/opt/oxtail");
    expect(fs.readFileSync(at(".claude/settings.json"), "utf8")).not.toContain("/opt/oxtail");
    expect(await onboarding().plan(moved)).toEqual([]);
  });

  it("--no-sleeper, --project, hooks only, no hooks", async () => {
    const noSleeper = await onboarding().plan(context({ options: { sleeper: false } }));
    expect(noSleeper.find((c) => c.what === "hooks")?.after).not.toContain("sleeper");
    const project = await onboarding().plan(context({ project: true, cwd: at("repo") }));
    expect(project[0]?.path).toBe(at("repo/.mcp.json"));
    expect((await onboarding().plan(context({ hooksOnly: true }))).map((c) => c.what)).toEqual(["hooks"]);
    expect((await onboarding().plan(context({ noHooks: true }))).map((c) => c.what)).not.toContain("hooks");
    const dir = await onboarding().plan(context({ env: { CLAUDE_CONFIG_DIR: at("cfg") } }));
    expect(dir.map((c) => path.relative(home, c.path))).toEqual([
      "cfg/.claude.json",
      "cfg/commands/oxtail-join.md",
      "cfg/settings.json",
    ]);
  });

  it("refuses an oxtail MCP entry it did not write, and leaves it alone at uninstall", async () => {
    write(".claude.json", '{ "mcpServers": { "oxtail": { "command": "mine" } } }\n');
    await expect(onboarding().plan(context())).rejects.toThrow(/did not write/);
    expect(await onboarding().unplan(context())).toEqual([]);
  });

  it("doctor: reports what the configured server and hook answered", async () => {
    apply(await onboarding().plan(context()));
    const seen: string[] = [];
    const doctor = (ok: boolean): DoctorContext => ({
      ...context(),
      probeServer: async (server) => {
        seen.push(`${server.command} ${server.args.join(" ")}`);
        return ok ? { ok: true, tools: ["a", "b"] } : { ok: false, error: "Error: Cannot find module '/x'" };
      },
      probeHook: async (command, stdin) => {
        seen.push(command);
        expect(JSON.parse(stdin)).toMatchObject({ hook_event_name: "SessionStart" });
        return ok
          ? { exitCode: 0, stdout: "", stderr: "" }
          : { exitCode: 127, stdout: "", stderr: "sh: 1: x: not found" };
      },
    });
    const good = await onboarding().check(doctor(true));
    expect(good.every((c) => c.status === "ok")).toBe(true);
    expect(seen).toEqual([
      "/usr/bin/node /opt/oxtail/dist/main.mjs",
      `'${HOOK}' claude SessionStart record CLAUDE_CODE_SESSION_ID`,
    ]);
    const bad = await onboarding().check(doctor(false));
    expect(bad.filter((c) => c.status === "fix").map((c) => c.what)).toEqual([
      expect.stringContaining(
        "does not start (/usr/bin/node /opt/oxtail/dist/main.mjs): Error: Cannot find module '/x'",
      ),
      expect.stringContaining("the hook fails"),
    ]);
    fs.rmSync(at(".claude/settings.json"));
    const noHooks = await onboarding().check(doctor(true));
    expect(noHooks).toContainEqual(
      expect.objectContaining({ status: "fix", fix: "run: oxtail install-hook --claude" }),
    );
  });

  it("is installed when its folder exists (no claude on PATH here)", async () => {
    expect((await onboarding().installed({ env: { PATH: "" }, home })).installed).toBe(false);
    fs.mkdirSync(at(".claude"));
    expect(await onboarding().installed({ env: { PATH: "" }, home })).toMatchObject({
      installed: true,
      version: null,
    });
  });
});

describe("configured, asked about the hooks alone", () => {
  it("answers for oxtail's hooks only: an MCP entry without them does not count", async () => {
    apply(await onboarding().plan(context({ noHooks: true })));
    expect(await onboarding().configured(context())).toBe(true);
    expect(await onboarding().configured(context({ hooksOnly: true }))).toBe(false);
    apply(await onboarding().plan(context()));
    expect(await onboarding().configured(context({ hooksOnly: true }))).toBe(true);
  });
});
