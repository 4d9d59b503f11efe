import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { DoctorContext, FileChange, OnboardingContext } from "@oxtail/core";
import { parseToml } from "@oxtail/onboarding";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import codexAdapter from "../src/index.ts";
import { CODEX_JOIN_AGENT_YAML, CODEX_JOIN_SKILL } from "../src/texts.ts";

let home: string;
beforeEach(() => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-codex-onboarding-"));
});
afterEach(() => fs.rmSync(home, { recursive: true, force: true }));

const onboarding = () => {
  const adapter = codexAdapter();
  if (!adapter.onboarding) throw new Error("no onboarding");
  return adapter.onboarding;
};
const context = (over: Partial<OnboardingContext> = {}): OnboardingContext => ({
  env: {},
  home,
  cwd: home,
  project: false,
  hooksOnly: false,
  server: { command: "/usr/bin/node", args: ["/opt/a b/main.mjs"] },
  hookProgram: "/opt/oxtail-hook",
  options: {},
  ...over,
});
const at = (rel: string) => path.join(home, rel);
const read = (rel: string) => fs.readFileSync(at(rel), "utf8");
const write = (rel: string, text: string) => {
  fs.mkdirSync(path.dirname(at(rel)), { recursive: true });
  fs.writeFileSync(at(rel), text);
};
const apply = (changes: FileChange[]) => {
  for (const c of changes) {
    if (c.after === null) fs.rmSync(c.path);
    else write(path.relative(home, c.path), c.after);
  }
};
const CONFIG = '# mine\nmodel = "x"  # keep\n\n[mcp_servers.other]\ncommand = "o"\n';

describe("Codex onboarding", () => {
  it("plans the marked config.toml block, hooks.json and the skill; a second plan is empty; unplan undoes it", async () => {
    write(".codex/config.toml", CONFIG);
    const plan = await onboarding().plan(context());
    expect(plan.map((c) => [path.relative(home, c.path), c.what])).toEqual([
      [".codex/config.toml", "MCP server (marked block)"],
      [".codex/skills/oxtail-join/SKILL.md", "oxtail-join skill"],
      [".codex/skills/oxtail-join/agents/openai.yaml", "oxtail-join skill metadata"],
      [".codex/hooks.json", "hooks"],
    ]);
    apply(plan);
    const server = (parseToml(read(".codex/config.toml"), "c").mcp_servers as Record<string, unknown>).oxtail;
    expect(server).toEqual({
      command: "/usr/bin/node",
      args: ["/opt/a b/main.mjs"],
      env_vars: ["TMUX", "TMUX_PANE", "TMUX_TMPDIR", "OXTAIL_HOME"],
      tool_timeout_sec: 120,
      startup_timeout_sec: 30,
      env: { OXTAIL_MANAGED: "1" },
    });
    expect(read(".codex/config.toml").startsWith(`${CONFIG}\n# >>> oxtail: managed by`)).toBe(true);
    for (const event of ["PreToolUse", "Stop", "SessionStart", "UserPromptSubmit"])
      expect(read(".codex/hooks.json")).toContain(
        `"command": "/opt/oxtail-hook codex ${event} ${event === "SessionStart" || event === "UserPromptSubmit" ? "record" : "deliver"}"`,
      );
    expect(read(".codex/skills/oxtail-join/SKILL.md")).toBe(CODEX_JOIN_SKILL);
    expect(read(".codex/skills/oxtail-join/agents/openai.yaml")).toBe(CODEX_JOIN_AGENT_YAML);
    expect(await onboarding().configured(context())).toBe(true);
    expect(await onboarding().plan(context())).toEqual([]);
    const undo = await onboarding().unplan(context());
    apply(undo.filter((c) => c.after !== "{}\n"));
    expect(read(".codex/config.toml")).toBe(CONFIG);
    expect(undo.find((c) => c.what === "hooks")?.after).toBe("{}\n");
    expect(fs.existsSync(at(".codex/skills/oxtail-join/SKILL.md"))).toBe(false);
  });

  it("re-points the block in place and the hooks when the install moved; says to trust hooks", async () => {
    apply(await onboarding().plan(context()));
    const moved = context({
      server: { command: "/n/node", args: ["/n/main.mjs"] },
      hookProgram: "/n/oxtail-hook",
    });
    apply(await onboarding().plan(moved));
    expect(read(".codex/config.toml")).not.toContain("/opt/");
    expect(read(".codex/config.toml").match(/\[mcp_servers\.oxtail\]/g)).toHaveLength(1);
    expect(read(".codex/hooks.json")).not.toContain("/opt/");
    expect(await onboarding().notes?.(moved)).toEqual([expect.stringContaining("/hooks")]);
    expect(await onboarding().notes?.(context({ noHooks: true }))).toEqual([]);
  });

  it("refuses an [mcp_servers.oxtail] outside its block, and honours CODEX_HOME", async () => {
    write(".codex/config.toml", '[mcp_servers.oxtail]\ncommand = "mine"\n');
    await expect(onboarding().plan(context())).rejects.toThrow(/outside oxtail's block/);
    const plan = await onboarding().plan(context({ env: { CODEX_HOME: at("ch") } }));
    expect(plan.every((c) => c.path.startsWith(at("ch")))).toBe(true);
  });

  it("doctor: probes the server named in the block and the SessionStart hook, and notes the trust step", async () => {
    apply(await onboarding().plan(context()));
    const probed: string[] = [];
    const doctor: DoctorContext = {
      ...context(),
      probeServer: async (server) => {
        probed.push(server.args[0] as string);
        return { ok: true, tools: ["t"] };
      },
      probeHook: async (command) => {
        probed.push(command);
        return { exitCode: 0, stdout: "", stderr: "" };
      },
    };
    const checks = await onboarding().check(doctor);
    expect(probed).toEqual(["/opt/a b/main.mjs", "/opt/oxtail-hook codex SessionStart record"]);
    expect(checks.filter((c) => c.status === "fix")).toEqual([]);
    expect(checks).toContainEqual(
      expect.objectContaining({ status: "note", what: expect.stringContaining("/hooks") }),
    );
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
