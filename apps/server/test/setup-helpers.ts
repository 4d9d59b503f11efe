// Helpers of the setup / doctor / uninstall tests: run the built CLI on a temp HOME, photograph a
// whole tree (paths, modes, bytes, link targets), and lay out a copy of the installed package elsewhere
// (a moved install, a path with a space, npx's cache).
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { SERVER } from "./harness.ts";

const REPO = path.resolve(import.meta.dirname, "../../..");

/** The result of one CLI run. */
export interface Run {
  code: number | null;
  out: string;
  err: string;
}

/** Run `oxtail <args>` (the built one, or `main`) with HOME = `home`, in `home`. */
export function oxtailIn(
  home: string,
  args: string[],
  options: { main?: string; env?: Record<string, string> } = {},
): Run {
  const r = spawnSync(process.execPath, [options.main ?? SERVER, ...args], {
    env: { PATH: process.env.PATH, HOME: home, ...options.env },
    encoding: "utf8",
    cwd: home,
    timeout: 180_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** Every entry under `root`: its path, type, mode and bytes (or a link's target). */
export function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const name of fs.readdirSync(dir).sort()) {
      const file = path.join(dir, name);
      const rel = path.relative(root, file);
      const st = fs.lstatSync(file);
      const mode = (st.mode & 0o7777).toString(8);
      if (st.isSymbolicLink()) out[rel] = `link ${fs.readlinkSync(file)}`;
      else if (st.isDirectory()) {
        out[rel] = `dir ${mode}`;
        walk(file);
      } else out[rel] = `file ${mode} ${fs.readFileSync(file).toString("base64")}`;
    }
  };
  walk(root);
  return out;
}

/**
 * A copy of the built `oxtail` and `@oxtail/hook` packages under `prefix/node_modules`, the rest of
 * the dependencies linked from the workspace: an install somewhere else. Returns its main.mjs.
 */
export function installCopy(prefix: string): string {
  const modules = path.join(prefix, "node_modules");
  const workspace = path.join(REPO, "node_modules");
  fs.mkdirSync(path.join(modules, "@oxtail"), { recursive: true });
  for (const name of fs.readdirSync(workspace)) {
    if (name === "oxtail" || name === "@oxtail" || name.startsWith(".")) continue;
    fs.symlinkSync(path.join(workspace, name), path.join(modules, name));
  }
  for (const name of fs.readdirSync(path.join(workspace, "@oxtail"))) {
    if (name === "hook") continue;
    fs.symlinkSync(
      fs.realpathSync(path.join(workspace, "@oxtail", name)),
      path.join(modules, "@oxtail", name),
    );
  }
  const copy = (from: string, to: string, parts: string[]) => {
    for (const part of parts)
      fs.cpSync(path.join(REPO, from, part), path.join(modules, to, part), { recursive: true });
  };
  copy("apps/server", "oxtail", ["package.json", "dist"]);
  copy("apps/hook", "@oxtail/hook", ["package.json", "bin", "dist"]);
  return path.join(modules, "oxtail", "dist", "main.mjs");
}

/** Write `text` at `rel` under `root`, making folders. */
export function put(root: string, rel: string, text: string, mode?: number): void {
  fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
  fs.writeFileSync(path.join(root, rel), text, mode === undefined ? {} : { mode });
}
