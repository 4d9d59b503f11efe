import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { OxtailError } from "@oxtail/core";

/**
 * A repository's remote URL reduced to `host/path`, so every clone of one repository names the same
 * project: scheme, user, port, a trailing `.git` and slashes go, the host is lower-cased, and the scp
 * form (`git@host:owner/repo`) reads as `host/owner/repo`.
 */
export function normaliseRemote(url: string): string {
  let rest = url.trim();
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.exec(rest);
  if (scheme) rest = rest.slice(scheme[0].length);
  else {
    // scp-like syntax: [user@]host:path (a colon before any slash).
    const scp = /^(?:[^@/]+@)?([^:/]+):(.*)$/.exec(rest);
    if (scp) rest = `${scp[1]}/${scp[2]}`;
  }
  rest = rest.replace(/^[^@/]+@/, "");
  const slash = rest.indexOf("/");
  let host = slash < 0 ? rest : rest.slice(0, slash);
  let repoPath = slash < 0 ? "" : rest.slice(slash + 1);
  host = host.replace(/:\d+$/, "").toLowerCase();
  repoPath = repoPath
    .replace(/\/+$/, "")
    .replace(/\.git$/, "")
    .replace(/^\/+/, "")
    .replace(/\/{2,}/g, "/");
  return repoPath ? `${host}/${repoPath}` : host;
}

/** The remote URL of the repository at `cwd` (`origin`, else the first remote), or null. */
export function gitRemoteOf(cwd: string): string | null {
  const git = (args: string[]): string | null => {
    try {
      return execFileSync("git", ["-C", cwd, ...args], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "ignore"],
        timeout: 5000,
      }).trim();
    } catch {
      return null;
    }
  };
  const origin = git(["remote", "get-url", "origin"]);
  if (origin) return origin;
  const first = git(["remote"])?.split("\n")[0];
  return first ? git(["remote", "get-url", first]) : null;
}

/** A project as every machine names it: its identity text and the short token its subjects use. */
export interface ProjectIdentity {
  /** `OXTAIL_PROJECT`, else the normalised git remote. */
  id: string;
  /** How it was found. */
  source: "OXTAIL_PROJECT" | "git-remote";
  /** 16 hex characters of the SHA-256 of `id`: safe in subjects, stream and bucket names. */
  token: string;
}

/** The project of `cwd` across machines; `invalid-input` when neither OXTAIL_PROJECT nor a git remote names it. */
export function projectIdentity(env: NodeJS.ProcessEnv, cwd: string): ProjectIdentity {
  const explicit = env.OXTAIL_PROJECT?.trim();
  if (explicit) return { id: explicit, source: "OXTAIL_PROJECT", token: tokenOf(explicit) };
  const remote = gitRemoteOf(cwd);
  if (!remote)
    throw new OxtailError(
      "invalid-input",
      `The NATS transport needs a project name shared by every machine: ${cwd} has no git remote. Set OXTAIL_PROJECT.`,
    );
  const id = normaliseRemote(remote);
  return { id, source: "git-remote", token: tokenOf(id) };
}

function tokenOf(id: string): string {
  return createHash("sha256").update(id).digest("hex").slice(0, 16);
}
