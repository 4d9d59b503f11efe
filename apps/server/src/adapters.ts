import path from "node:path";
import { builtinAdapters, configuredAdapters, type LoadedAdapter, loadAdapters } from "@oxtail/core/runtime";

/** This package's folder: its package.json lists the built-in adapters (`oxtail.adapters`). */
const PACKAGE_DIR = path.resolve(import.meta.dirname, "..");

/**
 * Load the built-in adapters and the configured ones (`$OXTAIL_HOME/config.json`, `OXTAIL_ADAPTERS`),
 * resolved from the project folder, then from this package. A broken one is returned with its error.
 */
export async function loadConfiguredAdapters(
  home: string,
  env: NodeJS.ProcessEnv,
  cwd: string,
): Promise<{ adapters: LoadedAdapter[]; problems: string[] }> {
  const { names, problems } = configuredAdapters(home, env, builtinAdapters(PACKAGE_DIR));
  return { adapters: await loadAdapters(names, [cwd, PACKAGE_DIR]), problems };
}
