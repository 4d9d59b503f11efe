#!/usr/bin/env node
// oxtail — with no arguments (or `serve`), serves MCP over stdio: the form client configs use
// (`npx -y oxtail`). That path loads neither the CLI's argument parser nor the setup code.
import { readVersion } from "./version.js";

const args = process.argv.slice(2);
if (args.length === 0 || (args.length === 1 && args[0] === "serve")) {
  const { serve } = await import("./serve.js");
  serve().catch((error) => {
    process.stderr.write(`[oxtail] fatal: ${(error as Error)?.stack ?? error}\n`);
    process.exit(1);
  });
} else if (args.length === 1 && (args[0] === "--version" || args[0] === "-v")) {
  process.stdout.write(`${readVersion()}\n`);
} else {
  const { runCli } = await import("./cli/run.js");
  const code = await runCli(args);
  if (code !== null) process.exit(code);
}
