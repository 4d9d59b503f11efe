import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { OxtailError } from "../errors.js";
import { checkClientAdapter, isClientAdapter, isClientAdapterFactory } from "./define.js";
import type { ClientAdapter } from "./types.js";

/** Where to resolve adapter packages from, in order (e.g. the project dir, then the server's own dir). */
export interface LoadAdapterOptions {
  from: string[];
  /** Options passed to the adapter's factory. */
  options?: unknown;
}

/** Resolve a package name to a file URL, trying each folder in turn; null when none has it. */
export function resolvePackage(name: string, from: readonly string[]): string | null {
  for (const dir of from) {
    try {
      const require = createRequire(path.join(path.resolve(dir), "noop.js"));
      return pathToFileURL(require.resolve(name)).href;
    } catch {
      // not resolvable from here: try the next folder
    }
  }
  return null;
}

/**
 * Load a client adapter package by name: resolve it from the given folders, import it,
 * unwrap `default` (twice, for CommonJS), check the brand and shape, and call the
 * factory. Failures are `adapter-not-found`, `adapter-invalid` or
 * `adapter-api-mismatch`, with `cause` set.
 */
export async function loadClientAdapter(name: string, options: LoadAdapterOptions): Promise<ClientAdapter> {
  if (!/^(@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*$/i.test(name)) {
    throw new OxtailError("adapter-not-found", `${JSON.stringify(name)} is not an npm package name.`, {
      origin: "core",
    });
  }
  const url = resolvePackage(name, options.from);
  if (!url) {
    throw new OxtailError(
      "adapter-not-found",
      `Adapter package ${name} is not installed (looked from ${options.from.join(", ")}). Install it next to your project or oxtail.`,
      { origin: "core", data: { name } },
    );
  }
  let module: unknown;
  try {
    module = await import(url);
  } catch (cause) {
    throw new OxtailError(
      "adapter-invalid",
      `Adapter package ${name} failed to load: ${(cause as Error).message}`,
      { origin: "core", cause },
    );
  }
  let exported = (module as { default?: unknown }).default ?? module;
  if (exported && typeof exported === "object" && "default" in exported)
    exported = (exported as { default: unknown }).default;
  if (isClientAdapterFactory(exported)) {
    try {
      // Made by this or another copy of core: checked (and a version-1 adapter bridged) here.
      return checkClientAdapter((exported as (o?: unknown) => ClientAdapter)(options.options));
    } catch (cause) {
      if (cause instanceof OxtailError) throw cause;
      throw new OxtailError(
        "adapter-invalid",
        `Adapter ${name}'s factory threw: ${(cause as Error).message}`,
        { origin: "core", cause },
      );
    }
  }
  if (isClientAdapter(exported)) return checkClientAdapter(exported);
  throw new OxtailError(
    "adapter-invalid",
    `Package ${name} does not default-export an adapter made with defineClientAdapter from @oxtail/core.`,
    { origin: "core", data: { name } },
  );
}
