import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { tempDir } from "./helpers.ts";

/**
 * Real git, isolated from the machine's configuration: no system config, a throwaway HOME
 * (removed after the test that made it), identity given on the command line.
 */
export function makeGit(): (cwd: string, ...args: string[]) => string {
  const home = tempDir("oxtail-git-home-");
  const env = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: home,
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_TERMINAL_PROMPT: "0",
  };
  return (cwd, ...args) =>
    execFileSync(
      "git",
      [
        "-c",
        "user.name=oxtail test",
        "-c",
        "user.email=test@oxtail.invalid",
        "-c",
        "init.defaultBranch=main",
        "-c",
        "protocol.file.allow=always",
        ...args,
      ],
      { cwd, env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] },
    );
}

/** `git init` plus one commit (a worktree needs a commit to check out); returns the folder. */
export function initRepo(git: ReturnType<typeof makeGit>, dir: string): string {
  fs.mkdirSync(dir, { recursive: true });
  git(dir, "init", "-q");
  fs.writeFileSync(path.join(dir, "README"), "x\n");
  git(dir, "add", "README");
  git(dir, "commit", "-q", "-m", "init");
  return dir;
}
