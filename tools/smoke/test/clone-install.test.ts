// README's install path from a clone: `npm run install:clone` builds, installs the `oxtail` and
// `oxtail-hook` commands with npm, and runs `oxtail setup` — here with a throwaway npm prefix and a
// fresh HOME, then doctor, then uninstall, which gives the HOME back byte for byte.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, expect, it } from "vitest";
import { run, snapshot } from "./installed.ts";

const ROOT = path.resolve(import.meta.dirname, "..", "..", "..");
const work = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-clone-install-")));
afterAll(() => {
  fs.rmSync(work, { recursive: true, force: true });
});

it("npm run install:clone installs the commands and sets up; doctor is happy; uninstall gives HOME back", () => {
  const home = path.join(work, "home");
  const prefix = path.join(work, "npm-global");
  fs.mkdirSync(home);
  const env: NodeJS.ProcessEnv = {
    HOME: home,
    PATH: [
      path.join(prefix, "bin"),
      path.dirname(process.execPath),
      "/usr/local/bin",
      "/usr/bin",
      "/bin",
    ].join(":"),
    npm_config_prefix: prefix,
    npm_config_cache: path.join(work, "npm-cache"),
    npm_config_update_notifier: "false",
    LANG: "C.UTF-8",
  };
  const before = snapshot(home);
  // The build is the one CI just made: --no-build keeps the test to what the command adds.
  const install = run("npm", ["run", "install:clone", "--", "--no-build"], { env, cwd: ROOT });
  expect(install.code, install.stderr + install.stdout).toBe(0);
  for (const command of ["oxtail", "oxtail-hook"])
    expect(fs.existsSync(path.join(prefix, "bin", command))).toBe(true);
  expect(install.stdout).toContain("oxtail setup");
  expect(install.stdout).toMatch(/created .*\.claude\.json/);
  expect(install.stdout).toMatch(/created .*config\.toml/);

  const oxtail = path.join(prefix, "bin", "oxtail");
  const version = run(oxtail, ["--version"], { env, cwd: home });
  expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  const doctor = run(oxtail, ["doctor"], { env, cwd: home });
  expect(doctor.code, doctor.stdout + doctor.stderr).toBe(0);
  expect(doctor.stdout).not.toMatch(/^FIX/m);

  const uninstall = run(oxtail, ["uninstall"], { env, cwd: home });
  expect(uninstall.code, uninstall.stderr).toBe(0);
  expect(snapshot(home)).toEqual(before);
}, 300_000);
