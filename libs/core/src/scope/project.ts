import fs from "node:fs";
import path from "node:path";
import { OxtailError } from "../errors.js";
import { readGitEntry } from "./git-dir.js";

/** How a project was recognised: a git repository, or a plain folder outside git. */
export type ProjectKind = "git" | "folder";

/**
 * The unit of visibility (SPEC §1 "Project"). Two agents see each other exactly when their
 * projects have the same `id`: the relation is symmetric by construction.
 */
export interface Project {
  /**
   * Canonical identity: the realpath of the repository's common git dir (every worktree of one
   * repository shares it; a nested repository or a submodule has its own), or, outside git, the
   * realpath of the folder (the one holding a `.git` that is not a repository, else the cwd).
   */
  id: string;
  kind: ProjectKind;
  /** The top folder of the worktree the path is in (for a plain folder: the folder itself). */
  worktree: string;
}

/** The project a call works in and how it was found. */
export interface ProjectScope {
  /** The caller's own project: the only one a call ever sees. */
  project: Project;
  /** The worktree that named the scope: the caller's own (inferred), or the one `project_root` is in. */
  root: string;
  /** True when the caller gave no `project_root` and the project was inferred from its cwd. */
  inferred: boolean;
}

/** Finds the project of a folder, once per folder for the life of the resolver. */
export interface ProjectResolver {
  /**
   * The project `cwd` belongs to: the nearest `.git` at or above its realpath decides. Answers
   * are cached per path; an answer that may change soon (a missing cwd, a `.git` that cannot
   * be read or is not a repository) is not cached, so it is looked at again next time.
   */
  projectOf(cwd: string): Project;
  /**
   * The scope of a call made from `cwd`. Without `projectRoot` it is the project of `cwd`.
   * A `projectRoot` (relative to `cwd`) may only name that same project (any of its worktrees,
   * or a folder inside one): `invalid-input` when it is not an existing folder, `out-of-scope`
   * when it belongs to any other project (`/`, a parent folder, a nested repository, a symlink
   * to elsewhere — compared after realpath).
   */
  resolveScope(projectRoot: string | null | undefined, cwd: string): ProjectScope;
}

/** Options for {@link createProjectResolver}. */
export interface ProjectResolverOptions {
  /** Most cached paths; the cache starts over when full. Default 1024. */
  maxEntries?: number;
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

function folderProject(folder: string): Project {
  return { id: folder, kind: "folder", worktree: folder };
}

/** The project of `cwd`, and whether the answer can be kept. */
function findProject(cwd: string): { project: Project; stable: boolean } {
  let real: string;
  try {
    real = fs.realpathSync.native(cwd);
  } catch {
    // A cwd that is gone: every process resolving it falls back to the same path, so scope stays symmetric.
    return { project: folderProject(cwd), stable: false };
  }
  for (let dir = real; ; dir = path.dirname(dir)) {
    const dotGit = path.join(dir, ".git");
    let stat: fs.Stats | null = null;
    let present = true;
    try {
      stat = fs.statSync(dotGit);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      present = !(code === "ENOENT" || code === "ENOTDIR") || lexists(dotGit);
    }
    if (present) {
      const verdict = stat ? readGitEntry(dotGit, stat) : null;
      if (verdict?.kind === "repository") {
        return { project: { id: verdict.commonDir, kind: "git", worktree: dir }, stable: true };
      }
      // A `.git` that is no repository (or cannot be read) still marks a boundary: never widen past it.
      return { project: folderProject(dir), stable: false };
    }
    if (path.dirname(dir) === dir) return { project: folderProject(real), stable: true };
  }
}

function lexists(p: string): boolean {
  try {
    fs.lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

function describeProject(project: Project): string {
  return project.kind === "git" ? `the git repository ${project.id}` : `the folder ${project.id}`;
}

/** Create a resolver with its own cache (a server keeps one for its whole life). */
export function createProjectResolver(options: ProjectResolverOptions = {}): ProjectResolver {
  const maxEntries = options.maxEntries ?? 1024;
  const cache = new Map<string, Project>();

  const projectOf = (cwd: string): Project => {
    const key = path.resolve(cwd);
    const cached = cache.get(key);
    if (cached) return cached;
    const { project, stable } = findProject(key);
    if (stable) {
      if (cache.size >= maxEntries) cache.clear();
      cache.set(key, project);
    }
    return project;
  };

  const resolveScope = (projectRoot: string | null | undefined, cwd: string): ProjectScope => {
    const own = projectOf(cwd);
    if (projectRoot === undefined || projectRoot === null || projectRoot === "") {
      return { project: own, root: own.worktree, inferred: true };
    }
    // Joined, not path.resolve()d: `..` must be taken by realpath after a symlink, as the kernel does.
    const named = path.isAbsolute(projectRoot)
      ? projectRoot
      : `${path.resolve(cwd)}${path.sep}${projectRoot}`;
    let real: string | null = null;
    try {
      real = fs.realpathSync.native(named);
      if (!fs.statSync(real).isDirectory()) real = null;
    } catch {
      real = null;
    }
    if (real === null) {
      throw new OxtailError("invalid-input", `project_root ${named} is not an existing folder.`, {
        data: { project_root: named },
      });
    }
    const theirs = projectOf(real);
    if (theirs.id !== own.id) {
      throw new OxtailError(
        "out-of-scope",
        `project_root ${real} is in ${describeProject(theirs)}, not in this session's project (${describeProject(own)}). oxtail only looks inside your own project: omit project_root, or name one of its worktrees.`,
        { data: { project_root: real, project: own.id, target_project: theirs.id } },
      );
    }
    return { project: own, root: theirs.worktree, inferred: false };
  };

  return { projectOf, resolveScope };
}

/**
 * Throw `out-of-scope` unless `target` is the scope's project. The message says plainly that
 * the target exists, and where: an agent of another project is never passed off as missing.
 */
export function assertSameProject(scope: ProjectScope, target: Project, what: string): void {
  if (target.id === scope.project.id) return;
  throw new OxtailError(
    "out-of-scope",
    `${what} exists, but in ${describeProject(target)} (worktree ${target.worktree}), not in this session's project (${describeProject(scope.project)}). Agents only see the agents of their own project: all worktrees of one git repository; a nested repository is a project of its own.`,
    {
      data: {
        project: scope.project.id,
        target_project: target.id,
        target_worktree: target.worktree,
      },
    },
  );
}
