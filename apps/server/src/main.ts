#!/usr/bin/env node
// oxtail — with no arguments, serves MCP over stdio (the form client configs use: `npx -y oxtail`).
import { readVersion } from "./context.js";
import { serve } from "./serve.js";

const [command] = process.argv.slice(2);
if (command === "--version" || command === "-v") {
  process.stdout.write(`${readVersion()}\n`);
} else if (command === "--help" || command === "-h") {
  process.stdout.write(
    [
      "oxtail — parallel coding agents that see, message and wake each other (an MCP server).",
      "",
      "usage:",
      "  oxtail            serve MCP over stdio (put this in Claude Code's or Codex's MCP config)",
      "  oxtail --version  print the version",
      "  oxtail setup | uninstall | install-hook | uninstall-hook | doctor   (oxtail setup --help)",
      "",
      "environment: OXTAIL_HOME (data dir, default ~/.oxtail), OXTAIL_ADAPTERS (extra adapter packages),",
      "             OXTAIL_ASK_PEER_TIMEOUT_MS (ask_peer's wait, default 45000), MCP_TRACE_FILE (NDJSON trace).",
      "",
    ].join("\n"),
  );
} else if (
  command === "setup" ||
  command === "uninstall" ||
  command === "install-hook" ||
  command === "uninstall-hook"
) {
  const { runSetupCommand } = await import("./cli.js");
  process.exit(runSetupCommand(command, process.argv.slice(3)));
} else if (command === "doctor") {
  const { runDoctor } = await import("./cli.js");
  process.exit(await runDoctor());
} else if (command === undefined || command === "serve") {
  serve().catch((error) => {
    process.stderr.write(`[oxtail] fatal: ${(error as Error)?.stack ?? error}\n`);
    process.exit(1);
  });
} else {
  process.stderr.write(`[oxtail] unknown command ${JSON.stringify(command)}; see oxtail --help\n`);
  process.exit(2);
}
