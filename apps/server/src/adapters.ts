import path from "node:path";
import { type ClientAdapter, loadClientAdapter, OxtailError, readPrivateFile } from "@oxtail/core";

/** Built-in client adapters: name → package. Loaded by dynamic import, like third-party ones. */
export const BUILTIN_ADAPTERS: Readonly<Record<string, string>> = {
  claude: "@oxtail/client-claude",
  codex: "@oxtail/client-codex",
};

/** An adapter the server tried to load. */
export interface LoadedAdapter {
  /** The package specifier. */
  specifier: string;
  adapter: ClientAdapter | null;
  error?: string;
}

/**
 * The adapter packages to load: the built-ins, then `$OXTAIL_HOME/config.json`'s
 * `adapters`, then `OXTAIL_ADAPTERS` (comma-separated). Duplicates are dropped.
 */
export function configuredAdapters(
  home: string,
  env: NodeJS.ProcessEnv,
): { names: string[]; problems: string[] } {
  const names = [...Object.values(BUILTIN_ADAPTERS)];
  const problems: string[] = [];
  try {
    const text = readPrivateFile(path.join(home, "config.json"));
    if (text !== null) {
      const config = JSON.parse(text) as { adapters?: unknown };
      if (Array.isArray(config.adapters))
        names.push(...config.adapters.filter((a): a is string => typeof a === "string"));
      else if (config.adapters !== undefined)
        problems.push(`${path.join(home, "config.json")}: "adapters" must be a list of package names`);
    }
  } catch (error) {
    problems.push(`${path.join(home, "config.json")}: ${(error as Error).message}`);
  }
  for (const name of (env.OXTAIL_ADAPTERS ?? "").split(",")) if (name.trim()) names.push(name.trim());
  return { names: [...new Set(names)], problems };
}

/**
 * Load every configured adapter. One that cannot be loaded is reported (returned with
 * its error) and skipped; it never takes the server down.
 */
export async function loadAdapters(
  names: readonly string[],
  from: readonly string[],
): Promise<LoadedAdapter[]> {
  const out: LoadedAdapter[] = [];
  for (const specifier of names) {
    try {
      out.push({ specifier, adapter: await loadClientAdapter(specifier, { from: [...from] }) });
    } catch (error) {
      out.push({
        specifier,
        adapter: null,
        error: error instanceof OxtailError ? `${error.code}: ${error.detail}` : String(error),
      });
    }
  }
  return out;
}
