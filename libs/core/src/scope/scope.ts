import fs from "node:fs";
import path from "node:path";
import { OxtailError } from "../errors.js";

/** The project root a call works in, and whether it was inferred. */
export interface ProjectScope {
  /** Real path of the project root. */
  root: string;
  /** True when the caller gave no root and it was found by walking up to `.git`. */
  inferred: boolean;
}

/** `realpath` when the path exists, else the resolved path (a deleted cwd still compares). */
export function canonicalPath(p: string): string {
  const resolved = path.resolve(p);
  try {
    return fs.realpathSync.native(resolved);
  } catch {
    return resolved;
  }
}

/** True when `candidate` is `root` or below it, compared component-wise after realpath. */
export function isWithin(root: string, candidate: string): boolean {
  const rel = path.relative(canonicalPath(root), canonicalPath(candidate));
  return rel === "" || (!rel.startsWith(`..${path.sep}`) && rel !== ".." && !path.isAbsolute(rel));
}

/** The nearest folder at or above `start` holding `.git` (a folder or a worktree file), or null. */
export function findGitRoot(start: string): string | null {
  let dir = canonicalPath(start);
  for (;;) {
    if (fs.existsSync(path.join(dir, ".git"))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

/**
 * The scope of a call: the given `projectRoot` (which must exist), else the nearest
 * `.git` folder above `cwd`, else `cwd` itself.
 */
export function resolveProjectScope(projectRoot: string | undefined | null, cwd: string): ProjectScope {
  if (projectRoot !== undefined && projectRoot !== null && projectRoot !== "") {
    const resolved = path.resolve(cwd, projectRoot);
    if (!fs.existsSync(resolved) || !fs.statSync(resolved).isDirectory()) {
      throw new OxtailError("invalid-input", `project_root ${resolved} is not an existing folder.`, {
        data: { project_root: resolved },
      });
    }
    return { root: canonicalPath(resolved), inferred: false };
  }
  return { root: findGitRoot(cwd) ?? canonicalPath(cwd), inferred: true };
}

/** Throw `out-of-scope` unless `candidateCwd` is within the scope's root. */
export function assertInScope(scope: ProjectScope, candidateCwd: string | null, what: string): void {
  if (candidateCwd !== null && isWithin(scope.root, candidateCwd)) return;
  throw new OxtailError(
    "out-of-scope",
    `${what} exists but works in ${candidateCwd ?? "an unknown folder"}, outside the project root ${scope.root}. Peers are only visible within one project root.`,
    { data: { project_root: scope.root, target_cwd: candidateCwd } },
  );
}
