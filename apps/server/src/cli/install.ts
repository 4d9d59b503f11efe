// Where this oxtail is installed: what setup points the clients at, and whether that place lasts.
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import type { CommandLine } from "@oxtail/core";

/** The server's entry: `main.mjs` next to this module in the built package (dist/). */
export function serverEntry(): string {
  return path.join(import.meta.dirname, "main.mjs");
}

/** How a client starts this install's server: this Node and this main.mjs, or through npx. */
export function serverCommand(npx: boolean): CommandLine {
  return npx
    ? { command: "npx", args: ["-y", "oxtail"] }
    : { command: process.execPath, args: [serverEntry()] };
}

/** The hook program of this install (`@oxtail/hook`'s `bin/oxtail-hook`). */
export function hookProgram(): string {
  const pkg = createRequire(import.meta.url).resolve("@oxtail/hook/package.json");
  return path.join(path.dirname(pkg), "bin", "oxtail-hook");
}

const real = (p: string) => {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
};

/**
 * The npx cache a path lies in (`~/.npm/_npx`, or `$npm_config_cache/_npx`), or null. npm may
 * delete those folders at any time, so nothing a client config keeps may point into them.
 */
export function npxCacheOf(
  file: string,
  env: Readonly<Record<string, string | undefined>>,
  home: string,
): string | null {
  const caches = [path.join(home, ".npm", "_npx")];
  if (env.npm_config_cache) caches.push(path.join(env.npm_config_cache, "_npx"));
  const target = real(file);
  for (const cache of caches) {
    for (const root of new Set([path.resolve(cache), real(cache)])) {
      if (target === root || target.startsWith(`${root}${path.sep}`) || file.startsWith(`${root}${path.sep}`))
        return root;
    }
  }
  return null;
}
