import fs from "node:fs";
import path from "node:path";
import { OxtailError } from "../errors.js";
import { readPrivateFile } from "../home/private-file.js";
import { loadClientAdapter } from "./load.js";
import type { ClientAdapter } from "./types.js";

/** An adapter package that was loaded, or failed to load (with why). */
export interface LoadedAdapter {
  /** The package specifier. */
  specifier: string;
  adapter: ClientAdapter | null;
  error?: string;
}

/**
 * The built-in adapters of an oxtail package: the `oxtail.adapters` list of its package.json
 * (package names; the package depends on them). Reading them from there keeps client names out
 * of code that is not an adapter's.
 */
export function builtinAdapters(packageDir: string): string[] {
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(packageDir, "package.json"), "utf8")) as {
      oxtail?: { adapters?: unknown };
    };
    const list = pkg.oxtail?.adapters;
    return Array.isArray(list) ? list.filter((a): a is string => typeof a === "string") : [];
  } catch {
    return [];
  }
}

/**
 * The adapter packages to load: the built-ins, then `$OXTAIL_HOME/config.json`'s `adapters`,
 * then `OXTAIL_ADAPTERS` (comma-separated). Duplicates are dropped; problems are reported, not thrown.
 */
export function configuredAdapters(
  home: string,
  env: Readonly<Record<string, string | undefined>>,
  builtins: readonly string[],
): { names: string[]; problems: string[] } {
  const names = [...builtins];
  const problems: string[] = [];
  const file = path.join(home, "config.json");
  try {
    const text = readPrivateFile(file);
    if (text !== null) {
      const config = JSON.parse(text) as { adapters?: unknown };
      if (Array.isArray(config.adapters))
        names.push(...config.adapters.filter((a): a is string => typeof a === "string"));
      else if (config.adapters !== undefined)
        problems.push(`${file}: "adapters" must be a list of package names`);
    }
  } catch (error) {
    problems.push(`${file}: ${(error as Error).message}`);
  }
  for (const name of (env.OXTAIL_ADAPTERS ?? "").split(",")) if (name.trim()) names.push(name.trim());
  return { names: [...new Set(names)], problems };
}

/** Load every adapter; one that cannot be loaded is returned with its error, never thrown. */
export async function loadAdapters(
  specifiers: readonly string[],
  from: readonly string[],
): Promise<LoadedAdapter[]> {
  return Promise.all(
    specifiers.map(async (specifier) => {
      try {
        return { specifier, adapter: await loadClientAdapter(specifier, { from: [...from] }) };
      } catch (error) {
        return {
          specifier,
          adapter: null,
          error: error instanceof OxtailError ? `${error.code}: ${error.detail}` : String(error),
        };
      }
    }),
  );
}

/** The adapter named `name` among `specifiers`, loading them in order until it is found; null if none is. */
export async function loadAdapterNamed(
  name: string,
  specifiers: readonly string[],
  from: readonly string[],
): Promise<ClientAdapter | null> {
  for (const specifier of specifiers) {
    try {
      const adapter = await loadClientAdapter(specifier, { from: [...from] });
      if (adapter.name === name) return adapter;
    } catch {
      // a broken adapter is skipped here as everywhere
    }
  }
  return null;
}
