import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { normaliseRemote, projectIdentity } from "../src/project.js";

describe("a project's name across machines", () => {
  it("is the same for every spelling of one repository's remote", () => {
    const spellings = [
      "git@github.com:Team/Repo.git",
      "ssh://git@github.com/Team/Repo",
      "ssh://git@GitHub.com:22/Team/Repo.git/",
      "https://github.com/Team/Repo.git",
      "https://user@github.com/Team/Repo",
    ];
    expect(new Set(spellings.map(normaliseRemote))).toEqual(new Set(["github.com/Team/Repo"]));
    expect(normaliseRemote("https://gitlab.example/group/sub/repo.git")).toBe(
      "gitlab.example/group/sub/repo",
    );
    expect(normaliseRemote("git@github.com:team/other.git")).not.toBe(
      normaliseRemote("git@github.com:team/repo.git"),
    );
  });

  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });
  const checkout = (remote: string | null) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-checkout-"));
    dirs.push(dir);
    execFileSync("git", ["init", "-q", dir]);
    if (remote) execFileSync("git", ["-C", dir, "remote", "add", "origin", remote]);
    return dir;
  };

  it("makes two checkouts with differently spelled remotes one project; OXTAIL_PROJECT overrides", () => {
    const one = projectIdentity({}, checkout("git@github.com:team/repo.git"));
    const two = projectIdentity({}, checkout("https://github.com/team/repo"));
    expect(one).toEqual(two);
    expect(one).toMatchObject({ id: "github.com/team/repo", source: "git-remote" });
    expect(one.token).toMatch(/^[0-9a-f]{16}$/);
    expect(projectIdentity({ OXTAIL_PROJECT: "shared" }, checkout(null))).toMatchObject({
      id: "shared",
      source: "OXTAIL_PROJECT",
    });
  });

  it("refuses a checkout with no remote and no OXTAIL_PROJECT (invalid-input), rather than guess", () => {
    expect(() => projectIdentity({}, checkout(null))).toThrow(
      expect.objectContaining({ code: "invalid-input" }),
    );
  });
});
