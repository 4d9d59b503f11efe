import fs from "node:fs";
import path from "node:path";

type Env = Readonly<Record<string, string | undefined>>;

/** OpenCode's global config folder: `$XDG_CONFIG_HOME/opencode`, else `~/.config/opencode`. */
export function openCodeConfigDir(env: Env, home: string): string {
  const xdg = env.XDG_CONFIG_HOME?.trim();
  return path.join(xdg ? xdg : path.join(home, ".config"), "opencode");
}

/** The files onboarding touches: the config (JSON or JSONC) and oxtail's plugin file. */
export interface OpenCodeFiles {
  config: string;
  plugin: string;
}

/**
 * Where setup writes: the global config folder (`opencode.json`, or `opencode.jsonc` when the user
 * has that one) and its `plugins/` folder; with `project`, the project's `opencode.json(c)` and
 * `.opencode/plugins/` (OpenCode's documented locations).
 */
export function openCodeFiles(context: {
  env: Env;
  home: string;
  cwd: string;
  project: boolean;
}): OpenCodeFiles {
  const dir = context.project ? context.cwd : openCodeConfigDir(context.env, context.home);
  const jsonc = path.join(dir, "opencode.jsonc");
  const config = fs.existsSync(jsonc) ? jsonc : path.join(dir, "opencode.json");
  const pluginDir = context.project
    ? path.join(context.cwd, ".opencode", "plugins")
    : path.join(dir, "plugins");
  return { config, plugin: path.join(pluginDir, "oxtail.js") };
}
