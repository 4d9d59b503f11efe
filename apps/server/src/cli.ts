import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { isOxtailError, resolveHome } from "@oxtail/core";
import { createTmux } from "@oxtail/wake-tmux";
import { applyChanges, readText, renderDiff } from "./setup/files.js";
import { MANAGED_MARK, planSetup, planUninstall, type SetupOptions, targets } from "./setup/setup.js";

const USAGE = `usage:
  oxtail setup [--claude] [--codex] [--project] [--npx] [--no-sleeper] [--dry-run]   MCP config, hooks, /oxtail-join (both clients by default)
  oxtail uninstall [--claude] [--codex] [--project] [--dry-run]       remove exactly what setup added
  oxtail install-hook | uninstall-hook [--claude] [--codex] [--dry-run]
  oxtail doctor                                                       check every piece and say what to fix
`;

function options(argv: string[], hooksOnly: boolean): { setup: SetupOptions; dryRun: boolean } {
  const { values } = parseArgs({
    args: argv,
    options: {
      claude: { type: "boolean" },
      codex: { type: "boolean" },
      project: { type: "boolean" },
      npx: { type: "boolean" },
      "no-sleeper": { type: "boolean" },
      "dry-run": { type: "boolean" },
    },
  });
  const both = !values.claude && !values.codex;
  return {
    dryRun: Boolean(values["dry-run"]),
    setup: {
      claude: both || Boolean(values.claude),
      codex: both || Boolean(values.codex),
      project: Boolean(values.project),
      hooksOnly,
      sleeper: !values["no-sleeper"],
      cwd: process.cwd(),
      env: process.env,
      ...(values.npx ? { serverCommand: { command: "npx", args: ["-y", "oxtail"] } } : {}),
    },
  };
}

/** Run a setup-family command; returns the exit code. */
export function runSetupCommand(command: string, argv: string[]): number {
  try {
    const { setup, dryRun } = options(argv, command.endsWith("hook"));
    const changes =
      command === "setup" || command === "install-hook" ? planSetup(setup) : planUninstall(setup);
    if (changes.length === 0) {
      process.stdout.write("oxtail: nothing to change.\n");
      return 0;
    }
    if (dryRun) {
      process.stdout.write(`${changes.map(renderDiff).join("\n\n")}\n\n(dry run: nothing was written)\n`);
      return 0;
    }
    applyChanges(changes);
    for (const c of changes)
      process.stdout.write(
        `${c.after === null ? "removed" : c.before === null ? "created" : "updated"} ${c.path} (${c.what})\n`,
      );
    if (command === "setup" && setup.codex) {
      process.stdout.write(
        "Codex asks to trust new hooks once: open /hooks in the Codex TUI (or answer its review prompt).\n",
      );
    }
    return 0;
  } catch (error) {
    process.stderr.write(
      `oxtail ${command}: ${isOxtailError(error) ? error.detail : (error as Error).message}\n`,
    );
    return 1;
  }
}

/** `oxtail doctor`: check every piece, say what to fix. Exit 0 when all is well. */
export async function runDoctor(): Promise<number> {
  const env = process.env;
  const t = targets({ claude: true, codex: true, project: false, hooksOnly: false, cwd: process.cwd(), env });
  const checks: [boolean, string, string][] = [];
  const [major = 0, minor = 0] = process.versions.node.split(".").map(Number);
  checks.push([
    major > 20 || (major === 20 && minor >= 19),
    `Node ${process.versions.node}`,
    "install Node 20.19 or newer",
  ]);
  checks.push([
    await createTmux().available(),
    "tmux is installed",
    "install tmux (apt-get install tmux / brew install tmux): listing and waking need it",
  ]);
  const home = resolveHome(env);
  const st = fs.existsSync(home) ? fs.lstatSync(home) : null;
  checks.push([
    !st || (st.isDirectory() && (st.mode & 0o077) === 0 && st.uid === process.getuid?.()),
    `data directory ${home} is private`,
    `chmod 700 ${home} (and check its owner)`,
  ]);
  const has = (file: string, needle: string) => (readText(file) ?? "").includes(needle);
  checks.push([
    has(t.claudeMcp, MANAGED_MARK),
    `Claude Code: oxtail MCP server in ${t.claudeMcp}`,
    "run: oxtail setup --claude",
  ]);
  checks.push([
    has(t.claudeSettings, "oxtail-hook"),
    `Claude Code: hooks in ${t.claudeSettings}`,
    "run: oxtail install-hook --claude",
  ]);
  // The hook program each settings file names must still be there (a moved or removed install).
  for (const [client, settings] of [
    ["claude", t.claudeSettings],
    ["codex", t.codexHooks],
  ] as const) {
    const program = /([^"'\s]*oxtail-hook)'? \w+ \w+/.exec(readText(settings) ?? "")?.[1];
    if (!program) continue;
    let runnable = false;
    try {
      fs.accessSync(program, fs.constants.X_OK);
      runnable = true;
    } catch {
      // missing or not executable
    }
    checks.push([
      runnable,
      `${client === "claude" ? "Claude Code" : "Codex"}: the hook program ${program} runs`,
      `run: oxtail install-hook --${client} (it points the hooks at this install)`,
    ]);
  }
  checks.push([
    has(t.codexConfig, "[mcp_servers.oxtail]"),
    `Codex: oxtail MCP server in ${t.codexConfig}`,
    "run: oxtail setup --codex",
  ]);
  checks.push([
    has(t.codexHooks, "oxtail-hook"),
    `Codex: hooks in ${t.codexHooks}`,
    "run: oxtail install-hook --codex",
  ]);
  let ok = true;
  for (const [pass, what, fix] of checks) {
    ok &&= pass;
    process.stdout.write(`${pass ? "ok " : "FIX"} ${what}${pass ? "" : ` — ${fix}`}\n`);
  }
  // Optional pieces: said, never counted as a failure.
  if (has(t.claudeSettings, "oxtail-hook"))
    process.stdout.write(
      has(t.claudeSettings, " claude Sleep")
        ? "ok  Claude Code: the asyncRewake sleeper wakes an idle session without typing\n"
        : "--  Claude Code: no asyncRewake sleeper (setup --no-sleeper): an idle session is woken only by typing into its tmux pane; `oxtail setup --claude` adds it\n",
    );
  process.stdout.write(
    ok
      ? "oxtail doctor: all good.\n"
      : `oxtail doctor: fix the lines marked FIX (${path.basename(process.argv[1] ?? "oxtail")}).\n`,
  );
  return ok ? 0 : 1;
}

export { USAGE };
