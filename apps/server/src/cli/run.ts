// The `oxtail` command line (everything but the bare serve path, which main.ts keeps free of this).
// Subcommands loop over the loaded adapters by capability; their flags (`--<adapter>`, `--<option>`)
// come from the adapters, never from a list of clients here.
import os from "node:os";
import { isOxtailError, OxtailError, resolveHome } from "@oxtail/core";
import { setupAdapters } from "@oxtail/onboarding";
import tmuxWake from "@oxtail/wake-tmux";
import { Command, CommanderError, Option } from "commander";
import { loadConfiguredAdapters } from "../adapters.js";
import { readVersion } from "../version.js";
import { runDoctor } from "./doctor.js";
import { runNatsConfig } from "./nats-config.js";
import { type OnboardCommand, type OnboardingAdapter, runOnboard } from "./onboard.js";
import { runAsk, runSend } from "./operator.js";

/** Where the CLI writes; tests and embedders may pass their own. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

const STDIO: CliIo = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };
const RESERVED = new Set(["project", "npx", "dry-run", "help", "version", "no-project"]);

const ENVIRONMENT = `
Environment:
  OXTAIL_HOME                 data directory (default ~/.oxtail)
  OXTAIL_ADAPTERS             extra adapter packages to load, comma-separated
  OXTAIL_ASK_PEER_TIMEOUT_MS  how long ask_peer waits (default 45000)
  OXTAIL_LOOP_GUARD=off       turn the rate budget of agents' messages off
  OXTAIL_RATE_PAIR_BURST, OXTAIL_RATE_PAIR_PER_HOUR,
  OXTAIL_RATE_PROJECT_BURST, OXTAIL_RATE_PROJECT_PER_HOUR
                              the loop guard's budgets (default 16 + 20/h per pair, 40 + 30/h per project)
  OXTAIL_TRANSPORT=nats       agents on several machines (OXTAIL_NATS_URL, OXTAIL_NATS_CREDS or
                              OXTAIL_NATS_SIGNING_KEY, OXTAIL_PROJECT: docs/several-machines.md)
  OXTAIL_STALL_MINUTES        status, top, dashboard: busy this long with a silent transcript is "stalled" (default 5)
  MCP_TRACE_FILE              append an NDJSON trace here

Run \`oxtail <command> --help\` for a command's options.`;

const COMMANDS: Record<OnboardCommand, string> = {
  setup:
    "Configure the clients for oxtail: the MCP server entry, hooks and helper files. Default: the clients installed here.",
  uninstall: "Remove exactly what setup added: every file as it was before, no backups or empty files left.",
  "install-hook": "Add oxtail's hooks only (or point them at this install).",
  "uninstall-hook": "Remove oxtail's hooks only.",
};

/** Run the CLI on `argv` (without node and the script). Resolves to the exit code, or null while serving. */
export async function runCli(argv: readonly string[], io: CliIo = STDIO): Promise<number | null> {
  const env = process.env;
  const home = env.HOME ?? os.homedir();
  const cwd = process.cwd();
  const oxtailHome = resolveHome(env);
  const { adapters: loaded, problems } = await loadConfiguredAdapters(oxtailHome, env, cwd);
  for (const problem of problems) io.err(`[oxtail] config: ${problem}\n`);
  // A broken adapter is said and skipped (its flags are then missing too); doctor lists it as well.
  for (const failed of loaded.filter((l) => !l.adapter))
    io.err(`[oxtail] adapter ${failed.specifier} skipped: ${failed.error}\n`);
  const onboardable = loaded.flatMap((l) =>
    l.adapter?.capabilities.onboarding && l.adapter.onboarding ? [l.adapter as OnboardingAdapter] : [],
  );
  const out = (line: string) => io.out(`${line}\n`);
  let code: number | null = 0;

  const program = new Command("oxtail")
    .description("oxtail: parallel coding agents that see, message and wake each other (an MCP server).")
    .usage("[command] [options]")
    .version(readVersion(), "-v, --version")
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .showHelpAfterError("(add --help to see the options)")
    .addHelpText("after", ENVIRONMENT);

  // Options the adapters declare, and one flag per adapter to choose it; clashes are said and skipped.
  const taken = new Set(RESERVED);
  const clientFlags = onboardable.filter((a) => {
    const free = !taken.has(a.name);
    if (free) taken.add(a.name);
    else
      io.err(`[oxtail] adapter ${a.name}: its name clashes with another option, so it has no --${a.name}.\n`);
    return free;
  });
  const adapterOptions = new Map<string, { description: string; default: boolean; owners: string[] }>();
  for (const adapter of onboardable)
    for (const option of adapter.onboarding.options ?? []) {
      const known = adapterOptions.get(option.name);
      if (known) known.owners.push(adapter.displayName);
      else if (taken.has(option.name))
        io.err(
          `[oxtail] adapter ${adapter.name}: option --${option.name} clashes with another option; skipped.\n`,
        );
      else adapterOptions.set(option.name, { ...option, owners: [adapter.displayName] });
    }

  const withClients = (command: Command, verb: string) => {
    for (const adapter of clientFlags) command.option(`--${adapter.name}`, `${verb} ${adapter.displayName}`);
    return command;
  };
  const withAdapterOptions = (command: Command) => {
    for (const [name, option] of adapterOptions) {
      command.addOption(
        new Option(`--${name}`, `${option.description} (default: ${option.default ? "on" : "off"})`),
      );
      command.addOption(new Option(`--no-${name}`, `leave that out (${option.owners.join(", ")})`));
    }
    return command;
  };
  const chosen = (opts: Record<string, unknown>) =>
    clientFlags.filter((a) => opts[new Option(`--${a.name}`).attributeName()] === true);
  const optionValues = (opts: Record<string, unknown>) =>
    Object.fromEntries(
      [...adapterOptions.keys()].map((n) => [
        n,
        opts[new Option(`--${n}`).attributeName()] as boolean | undefined,
      ]),
    );

  async function onboard(command: OnboardCommand, opts: Record<string, unknown>): Promise<number> {
    let adapters = chosen(opts);
    if (adapters.length === 0 && (command === "setup" || command === "install-hook")) {
      const found = await Promise.all(onboardable.map((a) => a.onboarding.installed({ env, home })));
      adapters = onboardable.filter((_, i) => found[i]?.installed);
      const said = onboardable.map((a, i) => `${a.displayName}: ${found[i]?.how}`).join("; ");
      if (adapters.length > 0)
        out(`Clients found here: ${adapters.map((a) => a.displayName).join(", ")} (${said}).`);
      else {
        adapters = onboardable;
        out(
          `No client found installed here (${said}): setting up all of them. Choose with ${clientFlags.map((a) => `--${a.name}`).join(", ")}.`,
        );
      }
    } else if (adapters.length === 0) adapters = onboardable;
    return runOnboard({
      command,
      adapters,
      project: opts.project === true,
      npx: opts.npx === true,
      dryRun: opts.dryRun === true,
      options: optionValues(opts),
      env,
      home,
      cwd,
      oxtailHome,
      out,
    });
  }

  for (const command of Object.keys(COMMANDS) as OnboardCommand[]) {
    const installing = command === "setup" || command === "install-hook";
    const sub = withClients(
      program.command(command).description(COMMANDS[command]),
      installing ? "set up" : "undo for",
    );
    if (!command.endsWith("-hook"))
      sub.option("--project", "MCP entries in this project's config, where a client has one");
    if (command === "setup")
      sub.option("--npx", "clients start oxtail with `npx -y oxtail` instead of this install");
    if (installing) withAdapterOptions(sub);
    sub.option("--dry-run", "show the exact changes as a diff; write nothing");
    sub.action(async (opts: Record<string, unknown>) => {
      code = await onboard(command, opts);
    });
  }

  withClients(
    program
      .command("doctor")
      .description(
        "Check the clients that were set up: start their configured MCP server and hook, check their versions; list the loaded adapters.",
      ),
    "check",
  )
    .option("--project", "check the MCP entries in this project's config")
    .action(async (opts: Record<string, unknown>) => {
      const asked = chosen(opts);
      const recorded = new Set(setupAdapters(oxtailHome));
      const context = { env, home, cwd, project: opts.project === true };
      const setUp: OnboardingAdapter[] = [];
      for (const adapter of onboardable) {
        const configured = await adapter.onboarding
          .configured({
            ...context,
            hooksOnly: false,
            server: { command: "", args: [] },
            hookProgram: "",
            options: {},
          })
          .catch(() => false);
        if (configured || recorded.has(adapter.name)) setUp.push(adapter);
      }
      code = await runDoctor({
        loaded,
        adapters: asked.length > 0 ? asked : setUp,
        why:
          asked.length > 0
            ? "the clients asked for"
            : `the clients set up (${setUp.map((a) => a.name).join(", ")})`,
        strategies: [tmuxWake()],
        ...context,
        oxtailHome,
        out,
      });
    });

  const operator = (opts: Record<string, unknown>) => ({
    loaded,
    oxtailHome,
    cwd,
    env,
    out,
    json: opts.json === true,
  });
  program
    .command("send")
    .description(
      "Send a message as the user (origin: operator) to an agent of this folder's project, or to every agent (*); an idle recipient is woken. Operator messages are never rate-limited.",
    )
    .argument("<target>", "tmux session name, session id, or * for every agent of the project")
    .argument("<text>", "the message (at most 8 KiB)")
    .option("--json", "print the result as JSON")
    .action(async (target: string, text: string, opts: Record<string, unknown>) => {
      code = await runSend(operator(opts), target, text);
    });
  program
    .command("ask")
    .description(
      "Ask an agent of this folder's project as the user (origin: operator), wake it if idle, and print its reply (exit 2 when none came in time).",
    )
    .argument("<target>", "tmux session name or session id")
    .argument("<text>", "the question (at most 8 KiB)")
    .option("--timeout <seconds>", "how long to wait for the reply (default 45)")
    .option("--json", "print the result as JSON")
    .action(async (target: string, text: string, opts: Record<string, unknown>) => {
      code = await runAsk(operator(opts), target, text, opts.timeout as string | undefined);
    });

  const adapters = loaded.flatMap((l) => (l.adapter ? [l.adapter] : []));
  program
    .command("status")
    .description(
      "Show the agents of this folder's project once: client, busy/idle, state card, unread mail, who waits for whom, recent messages, and who needs you.",
    )
    .option("--json", "print the model as JSON (versioned shape: docs/fleet.md)")
    .option("--all", "every project's agents, not only this folder's project")
    .action(async (opts: Record<string, unknown>) => {
      // The fleet view loads only for its commands.
      const { runStatus } = await import("./fleet/status.js");
      code = await runStatus({
        adapters,
        oxtailHome,
        cwd,
        env,
        out: io.out,
        json: opts.json === true,
        all: opts.all === true,
        ...(process.stdout.isTTY && process.stdout.columns ? { columns: process.stdout.columns } : {}),
      });
    });

  program
    .command("top")
    .description(
      "Watch the agents of this folder's project live in the terminal: select one (↑/↓), read its recent turns (enter), message it (m) or every agent (b); q quits.",
    )
    .option("--all", "every project's agents, not only this folder's project")
    .action(async (opts: Record<string, unknown>) => {
      const { runTop } = await import("./fleet/top.js");
      code = await runTop({
        adapters,
        oxtailHome,
        cwd,
        env,
        all: opts.all === true,
        input: process.stdin,
        output: process.stdout,
      });
    });

  program
    .command("dashboard")
    .description(
      "Serve a live local web page of this folder's project's agents: the fleet, who waits for whom, messages, recent turns, and a box to message them as you. Prints the URL (127.0.0.1, with a random token).",
    )
    .option("--all", "every project's agents, not only this folder's project")
    .option("--port <port>", "the port to listen on (default: a free one)")
    .action(async (opts: Record<string, unknown>) => {
      const port = opts.port === undefined ? 0 : Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        throw new OxtailError("invalid-input", `--port ${JSON.stringify(opts.port)} is not a port number.`);
      const { runDashboard } = await import("./fleet/dashboard.js");
      code = await runDashboard({
        adapters,
        oxtailHome,
        cwd,
        env,
        all: opts.all === true,
        port,
        out: io.out,
      });
    });

  program
    .command("nats-config")
    .description(
      "Print the nats-server users entry for this folder's project: the subjects the NATS transport needs, no other project's.",
    )
    .option("--user <name>", "the NATS user name (default oxtail-<project token>)")
    .option("--password <text>", "the password or bcrypt hash to put in (default CHANGE-ME)")
    .option(
      "--agents <dir>",
      "each agent its own user instead: make (once) in <dir> the operator, the project's account and the signing key each machine gets, and print the server configuration",
    )
    .action((opts: { user?: string; password?: string; agents?: string }) => {
      if (opts.agents !== undefined && (opts.user !== undefined || opts.password !== undefined)) {
        io.err("oxtail nats-config: --agents makes per-agent users: it takes no --user or --password.\n");
        code = 2;
        return;
      }
      code = runNatsConfig(env, cwd, opts, out);
    });

  program
    .command("serve")
    .description("Serve MCP over stdio (what `oxtail` with no command does; the form client configs use).")
    .action(async () => {
      const { serve } = await import("../serve.js");
      await serve();
      code = null;
    });

  try {
    await program.parseAsync([...argv], { from: "user" });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    const command = argv.find((a) => !a.startsWith("-")) ?? "oxtail";
    io.err(`oxtail ${command}: ${isOxtailError(error) ? error.detail : (error as Error).message}\n`);
    return 1;
  }
}
