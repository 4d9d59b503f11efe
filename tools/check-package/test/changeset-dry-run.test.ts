import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { changesetDryRun } from "../src/changeset-dry-run.ts";

let root: string;
beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-changeset-fixture-"));
  const write = (file: string, content: unknown) => {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(
      path.join(root, file),
      typeof content === "string" ? content : `${JSON.stringify(content, null, 2)}\n`,
    );
  };
  write("package.json", { name: "fixture-root", private: true, workspaces: ["libs/*"] });
  write("libs/core/package.json", { name: "@fx/core", version: "0.1.0" });
  write("libs/adapter/package.json", {
    name: "@fx/adapter",
    version: "0.1.0",
    peerDependencies: { "@fx/core": "^0.1.0" },
  });
  write(".changeset/config.json", {
    changelog: "@changesets/cli/changelog",
    commit: false,
    fixed: [],
    linked: [],
    access: "public",
    baseBranch: "main",
    updateInternalDependencies: "patch",
    ignore: [],
  });
});
afterEach(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

const listing = (dir: string): string[] =>
  fs
    .readdirSync(dir, { recursive: true, encoding: "utf8" })
    .sort()
    .map((file) => {
      const full = path.join(dir, file);
      return fs.statSync(full).isFile() ? `${file}: ${fs.readFileSync(full, "utf8")}` : file;
    });

describe("changesetDryRun", () => {
  it("applies the pending changesets on a copy: the versions they give, the real tree untouched", () => {
    fs.writeFileSync(path.join(root, ".changeset/core.md"), '---\n"@fx/core": minor\n---\n\nA feature.\n');
    const before = listing(root);
    const run = changesetDryRun(root);
    expect(run.ok).toBe(true);
    expect(run.bumps).toContainEqual(["@fx/core", "0.1.0", "0.2.0"]);
    // changesets makes a peer dependent of a minor release major: reported as asked by nobody.
    expect(run.bumps).toContainEqual(["@fx/adapter", "0.1.0", "1.0.0"]);
    expect(run.unrequestedMajors).toEqual(["@fx/adapter 0.1.0 → 1.0.0"]);
    expect(listing(root)).toEqual(before);
  });

  it("fails on a changeset whose front matter a formatter turned into a heading", () => {
    fs.writeFileSync(path.join(root, ".changeset/core.md"), '---\n\n## "@fx/core": minor\n\nA feature.\n');
    const run = changesetDryRun(root);
    expect(run.ok).toBe(false);
    expect(run.output).toContain("could not parse changeset");
  });

  it("a major release a changeset asks for is not reported", () => {
    fs.writeFileSync(path.join(root, ".changeset/core.md"), '---\n"@fx/adapter": major\n---\n\nBreaking.\n');
    const run = changesetDryRun(root);
    expect(run.bumps).toEqual([["@fx/adapter", "0.1.0", "1.0.0"]]);
    expect(run.unrequestedMajors).toEqual([]);
  });
});
