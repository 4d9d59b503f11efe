import { builtinModules } from "node:module";
import path from "node:path";
import ts from "typescript";
import { exportEntries, SOURCE_CONDITION } from "./manifest.ts";
import type { PackageManifest } from "./workspace.ts";

/** The files of an unpacked tarball. */
export interface PackedTree {
  /** Paths inside the package (`dist/index.mjs`), `/`-separated. */
  files: readonly string[];
  read(file: string): string;
}

const MODULE = /\.(mjs|js|d\.mts|d\.ts)$/;
// A file under dist/ named in a non-JavaScript bin program (a shell front that starts node on it).
const DIST_REFERENCE = /(?:^|[\s"'/])(dist\/[\w.-]+\.m?js)\b/g;
const BUILTINS = new Set(builtinModules);

const declarationOf = (file: string) => file.replace(/\.mjs$/, ".d.mts").replace(/\.js$/, ".d.ts");
const packageNameOf = (specifier: string) =>
  specifier.startsWith("@") ? specifier.split("/").slice(0, 2).join("/") : (specifier.split("/")[0] ?? "");
const normalise = (file: string) => path.posix.normalize(file.replace(/^\.\//, ""));

/**
 * The specifiers a module's text imports (static, dynamic, `export … from`, `require`, and type
 * `import("x")`), read with TypeScript's scanner so comments and strings are not taken for imports.
 */
export function importsOf(text: string): string[] {
  return ts.preProcessFile(text, true, true).importedFiles.map((file) => file.fileName);
}

/**
 * Check a packed package against its manifest: the files a user needs are in the tarball, every
 * `exports` and `bin` target is there, every file under `dist/` is reachable from them (nothing
 * stale, no entry missing from `exports`), relative imports resolve inside the tarball, and every
 * package the shipped code imports is a dependency or peer dependency. `sourceExists` answers for
 * the `@oxtail/source` targets, which point into the repository and are not shipped.
 */
export function checkPackedFiles(
  manifest: PackageManifest,
  tree: PackedTree,
  sourceExists: (file: string) => boolean,
): string[] {
  const problems: string[] = [];
  const files = new Set(tree.files);
  for (const file of ["package.json", "README.md", "LICENSE"])
    if (!files.has(file)) problems.push(`${file} is not in the tarball`);

  const roots: string[] = [];
  for (const [subpath, conditions] of exportEntries(manifest)) {
    for (const [condition, target] of Object.entries(conditions)) {
      if (typeof target !== "string") continue;
      const file = normalise(target);
      if (condition === SOURCE_CONDITION) {
        if (!sourceExists(file))
          problems.push(`exports["${subpath}"]["${condition}"]: ${target} does not exist in the repository`);
      } else if (!files.has(file)) {
        problems.push(`exports["${subpath}"]["${condition}"]: ${target} is not in the tarball`);
      } else roots.push(file);
    }
    const types = conditions.types;
    const runtime = conditions.default;
    if (typeof types === "string" && typeof runtime === "string" && declarationOf(runtime) !== types)
      problems.push(`exports["${subpath}"]: types ${types} is not the declaration of ${runtime}`);
  }

  const bins = typeof manifest.bin === "object" && manifest.bin !== null ? Object.entries(manifest.bin) : [];
  for (const [command, target] of bins as [string, string][]) {
    const file = normalise(target);
    if (!files.has(file)) {
      problems.push(`bin "${command}": ${target} is not in the tarball`);
      continue;
    }
    const text = tree.read(file);
    if (!text.startsWith("#!")) problems.push(`bin "${command}": ${target} has no #! line`);
    roots.push(file);
    if (!MODULE.test(file))
      for (const match of text.matchAll(DIST_REFERENCE)) if (match[1]) roots.push(match[1]);
  }

  const allowed = new Set([
    manifest.name,
    ...Object.keys((manifest.dependencies ?? {}) as object),
    ...Object.keys((manifest.peerDependencies ?? {}) as object),
  ]);
  const reached = new Set<string>();
  const queue = [...roots];
  while (queue.length > 0) {
    const file = queue.shift() as string;
    if (reached.has(file) || !files.has(file)) continue;
    reached.add(file);
    if (!MODULE.test(file)) continue;
    const declaration = declarationOf(file);
    if (declaration !== file && files.has(declaration)) queue.push(declaration);
    const isDeclaration = /\.d\.m?ts$/.test(file);
    for (const specifier of importsOf(tree.read(file))) {
      if (specifier.startsWith(".")) {
        const joined = path.posix.join(path.posix.dirname(file), specifier);
        const target = isDeclaration ? declarationOf(joined) : joined;
        if (files.has(target)) queue.push(target);
        else problems.push(`${file} imports ${specifier}, which is not in the tarball`);
        continue;
      }
      if (specifier.startsWith("node:") || BUILTINS.has(specifier)) continue;
      const name = packageNameOf(specifier);
      if (!allowed.has(name))
        problems.push(
          `${file} imports "${specifier}", but ${name} is not in dependencies or peerDependencies`,
        );
    }
  }
  for (const file of tree.files)
    if (file.startsWith("dist/") && !reached.has(file))
      problems.push(`${file} is shipped but no export, bin or shipped module reaches it`);
  return [...new Set(problems)];
}
