import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { assertSameProject, createProjectResolver } from "../src/scope/project.ts";
import { initRepo, makeGit } from "./git.ts";
import { tempDir } from "./helpers.ts";

const base = (): string => fs.realpathSync(tempDir("oxtail-scope-"));

/** A repository with a linked worktree, a nested repository and a submodule, as git makes them. */
function layout() {
  const git = makeGit();
  const root = base();
  const repo = initRepo(git, path.join(root, "repo"));
  fs.mkdirSync(path.join(repo, "src/deep"), { recursive: true });
  git(repo, "worktree", "add", "-q", "-b", "feature", path.join(root, "wt-feature"));
  const nested = initRepo(git, path.join(repo, "vendor/nested"));
  const lib = initRepo(git, path.join(root, "lib-origin"));
  git(repo, "submodule", "add", "-q", lib, "libs/sub");
  const plain = path.join(root, "plain");
  fs.mkdirSync(path.join(plain, "inner"), { recursive: true });
  return {
    git,
    root,
    repo,
    worktree: path.join(root, "wt-feature"),
    nested,
    submodule: path.join(repo, "libs/sub"),
    lib,
    plain,
  };
}

describe("project of a folder", () => {
  it("worktrees of one repository are one project, identified by the common git dir; each says its worktree", () => {
    const l = layout();
    const projects = createProjectResolver();
    const main = projects.projectOf(path.join(l.repo, "src/deep"));
    const linked = projects.projectOf(l.worktree);
    expect(main).toEqual({ id: path.join(l.repo, ".git"), kind: "git", worktree: l.repo });
    expect(linked).toEqual({ id: path.join(l.repo, ".git"), kind: "git", worktree: l.worktree });
    // The linked worktree's `.git` is a file naming its own git dir, whose commondir leads back.
    expect(fs.readFileSync(path.join(l.worktree, ".git"), "utf8")).toMatch(/^gitdir: /);
  });

  it("a nested repository and a submodule are projects of their own, not part of the parent", () => {
    const l = layout();
    const projects = createProjectResolver();
    const parent = projects.projectOf(l.repo).id;
    expect(projects.projectOf(path.join(l.repo, "vendor"))).toMatchObject({ id: parent, worktree: l.repo });
    expect(projects.projectOf(l.nested)).toEqual({
      id: path.join(l.nested, ".git"),
      kind: "git",
      worktree: l.nested,
    });
    // A submodule's `.git` is a file with a relative gitdir under the parent's .git/modules.
    expect(fs.readFileSync(path.join(l.submodule, ".git"), "utf8")).toBe(
      "gitdir: ../../.git/modules/libs/sub\n",
    );
    expect(projects.projectOf(l.submodule)).toEqual({
      id: path.join(l.repo, ".git/modules/libs/sub"),
      kind: "git",
      worktree: l.submodule,
    });
    expect(projects.projectOf(l.lib).id).toBe(path.join(l.lib, ".git"));
  });

  it("a worktree of a bare repository and a separate git dir resolve to that git dir", () => {
    const git = makeGit();
    const root = base();
    const origin = initRepo(git, path.join(root, "origin"));
    git(root, "clone", "-q", "--bare", origin, path.join(root, "bare.git"));
    git(path.join(root, "bare.git"), "worktree", "add", "-q", path.join(root, "bare-wt"));
    git(root, "init", "-q", `--separate-git-dir=${path.join(root, "store")}`, path.join(root, "separate"));
    const projects = createProjectResolver();
    expect(projects.projectOf(path.join(root, "bare-wt"))).toMatchObject({
      id: path.join(root, "bare.git"),
      kind: "git",
    });
    expect(projects.projectOf(path.join(root, "separate"))).toMatchObject({
      id: path.join(root, "store"),
      worktree: path.join(root, "separate"),
    });
  });

  it("compares after realpath: a symlink to a folder is that folder's project", () => {
    const l = layout();
    fs.symlinkSync(path.join(l.repo, "src"), path.join(l.root, "alias"));
    fs.symlinkSync(l.nested, path.join(l.repo, "to-nested"));
    const projects = createProjectResolver();
    expect(projects.projectOf(path.join(l.root, "alias/deep"))).toEqual(projects.projectOf(l.repo));
    expect(projects.projectOf(path.join(l.repo, "to-nested")).id).toBe(path.join(l.nested, ".git"));
    expect(projects.projectOf(path.join(l.repo, "src/../vendor/nested")).id).toBe(
      path.join(l.nested, ".git"),
    );
  });

  it("outside git the folder is the project: the same folder shares one, a parent or child folder does not", () => {
    const l = layout();
    fs.symlinkSync(l.plain, path.join(l.root, "plain-alias"));
    const projects = createProjectResolver();
    expect(projects.projectOf(l.plain)).toEqual({ id: l.plain, kind: "folder", worktree: l.plain });
    expect(projects.projectOf(path.join(l.root, "plain-alias")).id).toBe(l.plain);
    expect(projects.projectOf(path.join(l.plain, "inner")).id).toBe(path.join(l.plain, "inner"));
    expect(projects.projectOf(l.root).id).toBe(l.root);
  });

  it("sees is symmetric: two folders share a project exactly when each resolves to the other's", () => {
    const l = layout();
    const folders = [
      l.repo,
      path.join(l.repo, "src/deep"),
      l.worktree,
      l.nested,
      l.submodule,
      l.lib,
      l.plain,
      path.join(l.plain, "inner"),
      "/",
    ];
    const same = [[0, 1, 2], [3], [4], [5], [6], [7], [8]];
    const group = (i: number) => same.findIndex((g) => g.includes(i));
    // Two resolvers: two server processes that never shared a cache.
    const mine = createProjectResolver();
    const theirs = createProjectResolver();
    for (const [i, a] of folders.entries()) {
      for (const [j, b] of folders.entries()) {
        const aSeesB = mine.projectOf(a).id === mine.projectOf(b).id;
        const bSeesA = theirs.projectOf(b).id === theirs.projectOf(a).id;
        expect(aSeesB, `${a} ~ ${b}`).toBe(group(i) === group(j));
        expect(bSeesA, `${b} ~ ${a}`).toBe(aSeesB);
      }
    }
  });
});

describe("odd .git entries", () => {
  it("a FIFO named .git neither hangs nor widens the project past it", () => {
    const l = layout();
    const dir = path.join(l.repo, "fifo-here");
    fs.mkdirSync(dir);
    execFileSync("mkfifo", [path.join(dir, ".git")]);
    expect(createProjectResolver().projectOf(dir)).toEqual({ id: dir, kind: "folder", worktree: dir });
  });

  it("a malformed .git file, a gitdir: / and a dangling .git symlink bound a folder project", () => {
    const l = layout();
    const cases = { garbage: "hello\n", root: "gitdir: /\n", missing: "gitdir: ../nowhere\n" };
    const projects = createProjectResolver();
    for (const [name, text] of Object.entries(cases)) {
      const dir = path.join(l.repo, name);
      fs.mkdirSync(dir);
      fs.writeFileSync(path.join(dir, ".git"), text);
      expect(projects.projectOf(dir), name).toEqual({ id: dir, kind: "folder", worktree: dir });
    }
    const dangling = path.join(l.repo, "dangling");
    fs.mkdirSync(dangling);
    fs.symlinkSync(path.join(l.root, "no-such"), path.join(dangling, ".git"));
    expect(projects.projectOf(dangling).id).toBe(dangling);
  });

  it("caches answers per folder, but not a failure: a missing cwd or a broken .git is looked at again", () => {
    const git = makeGit();
    const root = base();
    const projects = createProjectResolver();
    const later = path.join(root, "later");
    expect(projects.projectOf(later)).toEqual({ id: later, kind: "folder", worktree: later });
    initRepo(git, later);
    expect(projects.projectOf(later).id).toBe(path.join(later, ".git"));

    const broken = initRepo(git, path.join(root, "broken"));
    git(broken, "worktree", "add", "-q", path.join(root, "broken-wt"));
    const link = path.join(root, "broken-wt/.git");
    const text = fs.readFileSync(link, "utf8");
    fs.writeFileSync(link, "garbage\n");
    expect(projects.projectOf(path.join(root, "broken-wt")).kind).toBe("folder");
    fs.writeFileSync(link, text);
    expect(projects.projectOf(path.join(root, "broken-wt")).id).toBe(path.join(broken, ".git"));

    // A good answer is kept for the life of the resolver (no invalidation needed), up to maxEntries.
    fs.rmSync(path.join(later, ".git"), { recursive: true });
    expect(projects.projectOf(later).kind).toBe("git");
    expect(createProjectResolver().projectOf(later).kind).toBe("folder");
    const small = createProjectResolver({ maxEntries: 1 });
    initRepo(git, path.join(root, "a"));
    small.projectOf(path.join(root, "a"));
    small.projectOf(path.join(root, "broken"));
    fs.rmSync(path.join(root, "a/.git"), { recursive: true });
    expect(small.projectOf(path.join(root, "a")).kind).toBe("folder");
  });
});

describe("project_root", () => {
  it("without one the project is inferred from the cwd", () => {
    const l = layout();
    expect(createProjectResolver().resolveScope(undefined, path.join(l.worktree))).toEqual({
      project: { id: path.join(l.repo, ".git"), kind: "git", worktree: l.worktree },
      root: l.worktree,
      inferred: true,
    });
  });

  it("accepts any worktree of the caller's repository, the main checkout, or a folder inside them", () => {
    const l = layout();
    const projects = createProjectResolver();
    const id = path.join(l.repo, ".git");
    for (const [named, root] of [
      [l.worktree, l.worktree],
      [l.repo, l.repo],
      [path.join(l.repo, "src"), l.repo],
      ["../wt-feature", l.worktree],
      [".", l.repo],
    ] as const) {
      const scope = projects.resolveScope(named, l.repo);
      expect(scope, named).toEqual({ project: expect.objectContaining({ id }), root, inferred: false });
    }
    expect(projects.resolveScope(l.repo, l.worktree)).toMatchObject({ root: l.repo, inferred: false });
  });

  it("refuses every other project as out-of-scope: /, .., a symlink to elsewhere, a nested repo, a parent, another repo", () => {
    const l = layout();
    fs.symlinkSync(l.lib, path.join(l.repo, "to-lib"));
    fs.symlinkSync("/", path.join(l.repo, "to-root"));
    const projects = createProjectResolver();
    const tries: [string, string][] = [
      ["/", l.repo],
      ["..", l.repo],
      ["../..", path.join(l.repo, "src")],
      ["src/../..", l.repo],
      [path.join(l.repo, "to-lib"), l.repo],
      ["to-lib/..", l.repo],
      [`${l.repo}/to-lib/../lib-origin`, l.repo],
      [path.join(l.repo, "to-root"), l.repo],
      [l.nested, l.repo],
      [l.submodule, l.repo],
      [l.repo, l.nested],
      ["../..", l.nested],
      [l.lib, l.worktree],
      [l.plain, l.repo],
      [l.root, l.plain],
      [path.join(l.plain, "inner"), l.plain],
      [l.plain, path.join(l.plain, "inner")],
    ];
    for (const [named, cwd] of tries) {
      expect(() => projects.resolveScope(named, cwd), `${named} from ${cwd}`).toThrowError(
        expect.objectContaining({ code: "out-of-scope" }),
      );
    }
  });

  it("a project_root that is not an existing folder is invalid-input", () => {
    const l = layout();
    const projects = createProjectResolver();
    for (const named of [path.join(l.repo, "no-such"), path.join(l.repo, "README")]) {
      expect(() => projects.resolveScope(named, l.repo)).toThrowError(
        expect.objectContaining({ code: "invalid-input" }),
      );
    }
  });
});

describe("assertSameProject", () => {
  it("says plainly that the target exists, and in which project and worktree", () => {
    const l = layout();
    const projects = createProjectResolver();
    const scope = projects.resolveScope(undefined, l.repo);
    expect(() => assertSameProject(scope, projects.projectOf(l.worktree), "Agent x")).not.toThrow();
    let thrown: unknown;
    try {
      assertSameProject(scope, projects.projectOf(l.nested), "Agent x");
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({
      code: "out-of-scope",
      data: {
        project: path.join(l.repo, ".git"),
        target_project: path.join(l.nested, ".git"),
        target_worktree: l.nested,
      },
    });
    expect((thrown as Error).message).toContain("Agent x exists, but in the git repository");
  });
});
