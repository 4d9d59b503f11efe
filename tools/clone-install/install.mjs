#!/usr/bin/env node
// `npm run install:clone [-- <oxtail setup options>]`: oxtail from this clone, for use now (before a
// release, or to run unreleased changes). It builds every package, installs the `oxtail` and
// `oxtail-hook` commands with npm (`npm install --global` of this clone's apps: npm links them, so they
// run this clone's build), then runs `oxtail setup` with the options given. `--no-build` skips the build.
// Everything it does is npm's and oxtail's own: `npm uninstall --global oxtail @oxtail/hook` and
// `oxtail uninstall` undo it.
import { execFileSync, spawnSync } from "node:child_process";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "..", "..");
const args = process.argv.slice(2);
const build = !args.includes("--no-build");
const setupArgs = args.filter((a) => a !== "--no-build");
const npm = process.platform === "win32" ? "npm.cmd" : "npm";
const step = (text) => process.stdout.write(`\n▸ ${text}\n`);

if (build) {
  step("building every package (npm run build)");
  execFileSync(npm, ["run", "build"], { cwd: ROOT, stdio: "inherit" });
}
step("installing the oxtail and oxtail-hook commands (npm install --global ./apps/server ./apps/hook)");
execFileSync(npm, ["install", "--global", "--no-audit", "--no-fund", "./apps/server", "./apps/hook"], {
  cwd: ROOT,
  stdio: "inherit",
});
const prefix = execFileSync(npm, ["prefix", "--global"], { cwd: ROOT, encoding: "utf8" }).trim();
const bin = process.platform === "win32" ? prefix : path.join(prefix, "bin");
const oxtail = path.join(bin, "oxtail");
step(`oxtail setup ${setupArgs.join(" ")}`.trim());
const setup = spawnSync(oxtail, ["setup", ...setupArgs], { stdio: "inherit" });
if (setup.status !== 0) process.exit(setup.status ?? 1);
const onPath = (process.env.PATH ?? "").split(path.delimiter).includes(bin);
process.stdout.write(
  `\noxtail is installed from ${ROOT}.\n${onPath ? "" : `Add ${bin} to your PATH to run it by name.\n`}Check every piece with: oxtail doctor\n`,
);
