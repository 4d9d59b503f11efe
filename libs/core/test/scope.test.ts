import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { assertInScope, findGitRoot, isWithin, resolveProjectScope } from "../src/scope/scope.ts";
import { tempDir } from "./helpers.ts";

describe("scope", () => {
  it("compares paths component-wise: /a/foo is not under /a/fo", () => {
    const base = fs.realpathSync(tempDir());
    for (const d of ["fo", "foo", "fo/sub"]) fs.mkdirSync(path.join(base, d), { recursive: true });
    expect(isWithin(path.join(base, "fo"), path.join(base, "foo"))).toBe(false);
    expect(isWithin(path.join(base, "fo"), path.join(base, "fo/sub"))).toBe(true);
    expect(isWithin(path.join(base, "fo"), path.join(base, "fo"))).toBe(true);
    expect(isWithin(path.join(base, "fo/sub"), path.join(base, "fo"))).toBe(false);
    expect(isWithin(path.join(base, "fo"), path.join(base, "fo/sub/../../foo"))).toBe(false);
  });

  it("compares after realpath, so a symlinked path is in scope of its target", () => {
    const base = fs.realpathSync(tempDir());
    fs.mkdirSync(path.join(base, "real/deep"), { recursive: true });
    fs.symlinkSync(path.join(base, "real"), path.join(base, "alias"));
    expect(isWithin(path.join(base, "real"), path.join(base, "alias/deep"))).toBe(true);
    expect(isWithin(path.join(base, "alias"), path.join(base, "real"))).toBe(true);
  });

  it("infers the root by walking up to .git and says so", () => {
    const base = fs.realpathSync(tempDir());
    fs.mkdirSync(path.join(base, "repo/.git"), { recursive: true });
    fs.mkdirSync(path.join(base, "repo/src/lib"), { recursive: true });
    expect(findGitRoot(path.join(base, "repo/src/lib"))).toBe(path.join(base, "repo"));
    expect(resolveProjectScope(undefined, path.join(base, "repo/src/lib"))).toEqual({
      root: path.join(base, "repo"),
      inferred: true,
    });
    expect(resolveProjectScope(path.join(base, "repo/src"), "/")).toEqual({
      root: path.join(base, "repo/src"),
      inferred: false,
    });
  });

  it("a worktree's .git file counts; without any .git the cwd is the root", () => {
    const base = fs.realpathSync(tempDir());
    fs.mkdirSync(path.join(base, "wt/x"), { recursive: true });
    fs.writeFileSync(path.join(base, "wt/.git"), "gitdir: /elsewhere\n");
    expect(findGitRoot(path.join(base, "wt/x"))).toBe(path.join(base, "wt"));
  });

  it("refuses a project_root that does not exist", () => {
    expect(() => resolveProjectScope("/no/such/folder/anywhere", "/")).toThrowError(
      expect.objectContaining({ code: "invalid-input" }),
    );
  });

  it("out-of-scope names the root and the target's folder", () => {
    const scope = { root: "/a/fo", inferred: false };
    expect(() => assertInScope(scope, "/a/foo", "Peer x")).toThrowError(
      expect.objectContaining({ code: "out-of-scope" }),
    );
    expect(() => assertInScope(scope, "/a/fo/sub", "Peer x")).not.toThrow();
  });
});
