import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

/** The repository root. */
export const REPO_ROOT: string = path.resolve(import.meta.dirname, "..", "..", "..");

/** A package.json, as far as the checks read it. */
export interface PackageManifest {
  name: string;
  version: string;
  private?: boolean;
  [field: string]: unknown;
}

/** One package of the npm workspace. */
export interface WorkspacePackage {
  /** Absolute folder. */
  dir: string;
  /** Folder relative to the repository root, with `/` (`libs/core`). */
  folder: string;
  manifest: PackageManifest;
}

/** A package packed by `npm pack`. */
export interface PackedPackage {
  pkg: WorkspacePackage;
  /** Absolute path of the `.tgz`. */
  tarball: string;
  /** Paths inside the package, as npm lists them. */
  files: string[];
}

function readManifest(dir: string): PackageManifest {
  return JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as PackageManifest;
}

/** Every package the root `workspaces` globs name (only the `dir/*` and `dir` forms are used here). */
export function listWorkspacePackages(root: string = REPO_ROOT): WorkspacePackage[] {
  const patterns = (readManifest(root).workspaces ?? []) as string[];
  const folders = patterns.flatMap((pattern) => {
    if (!pattern.endsWith("/*")) return [pattern];
    const parent = pattern.slice(0, -2);
    return fs
      .readdirSync(path.join(root, parent), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => `${parent}/${entry.name}`);
  });
  return folders
    .filter((folder) => fs.existsSync(path.join(root, folder, "package.json")))
    .sort()
    .map((folder) => ({
      dir: path.join(root, folder),
      folder,
      manifest: readManifest(path.join(root, folder)),
    }));
}

/** The packages a user can install: every workspace package not marked `private`. */
export function listPublishable(root: string = REPO_ROOT): WorkspacePackage[] {
  return listWorkspacePackages(root).filter((pkg) => pkg.manifest.private !== true);
}

/**
 * The environment for a child `npm`: without what an enclosing `npm run` exported (its prefix,
 * workspace and package variables would steer the child), keeping registry, cache and user config.
 */
export function npmEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const keep = new Set(["npm_config_registry", "npm_config_cache", "npm_config_userconfig"]);
  return Object.fromEntries(
    Object.entries(env).filter(
      ([key]) => !key.toLowerCase().startsWith("npm_") || keep.has(key.toLowerCase()),
    ),
  );
}

/** `npm pack` one package into `dest`. */
export function packPackage(pkg: WorkspacePackage, dest: string): PackedPackage {
  fs.mkdirSync(dest, { recursive: true });
  const out = execFileSync("npm", ["pack", "--json", "--pack-destination", dest], {
    cwd: pkg.dir,
    env: npmEnv(),
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
  const [info] = JSON.parse(out) as { filename: string; files: { path: string }[] }[];
  if (!info) throw new Error(`npm pack printed no package for ${pkg.folder}`);
  return {
    pkg,
    tarball: path.join(dest, info.filename),
    files: info.files.map((file) => file.path).sort(),
  };
}

/** Unpack a tarball into `dest`; returns the package folder (`dest/package`). */
export function unpack(tarball: string, dest: string): string {
  fs.mkdirSync(dest, { recursive: true });
  execFileSync("tar", ["-xzf", tarball, "-C", dest]);
  return path.join(dest, "package");
}
