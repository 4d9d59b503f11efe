import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { checkManifest } from "../src/manifest.ts";
import { checkPackedFiles, importsOf, type PackedTree } from "../src/packed.ts";
import { listPublishable, type PackageManifest } from "../src/workspace.ts";

const good: PackageManifest = {
  name: "@oxtail/widget",
  version: "0.1.0",
  description: "A widget for the checks to read.",
  keywords: ["oxtail", "oxtail-adapter", "mcp", "widget"],
  homepage: "https://example.com/widget#readme",
  bugs: { url: "https://example.com/issues" },
  repository: { type: "git", url: "git+https://example.com/oxtail.git", directory: "libs/widget" },
  license: "MIT",
  author: "the oxtail contributors",
  type: "module",
  sideEffects: false,
  exports: {
    ".": { "@oxtail/source": "./src/index.ts", types: "./dist/index.d.mts", default: "./dist/index.mjs" },
    "./package.json": "./package.json",
  },
  bin: { widget: "bin/widget" },
  files: ["dist", "bin"],
  engines: { node: ">=20.19" },
  publishConfig: { access: "public" },
  dependencies: { zod: "^4.1.0" },
  peerDependencies: { "@oxtail/core": "^0.1.0" },
};

const tarball = (files: Record<string, string>): PackedTree => ({
  files: Object.keys(files).sort(),
  read: (file) => files[file] ?? "",
});
const goodFiles = {
  "package.json": "{}",
  "README.md": "# widget",
  LICENSE: "MIT",
  "bin/widget": '#!/bin/sh\nexec node "$here/../dist/main.mjs" "$@"\n',
  "dist/index.mjs": 'import { z } from "zod";\nimport { a } from "./chunk-AbC123.mjs";\nexport { a, z };\n',
  "dist/index.d.mts": 'import type { Core } from "@oxtail/core";\nexport declare const a: Core;\n',
  "dist/chunk-AbC123.mjs": 'import fs from "node:fs";\nexport const a = fs;\n',
  "dist/main.mjs": 'await import("./index.mjs");\n',
  "dist/main.d.mts": "export {};\n",
};
const sources = (file: string) => file === "src/index.ts";

describe("checkManifest", () => {
  it("passes a complete package.json", () => {
    expect(checkManifest(good, "libs/widget")).toEqual([]);
  });

  it("names each missing or wrong field", () => {
    const { repository, bugs, author, publishConfig, ...rest } = good;
    const problems = checkManifest(
      {
        ...rest,
        keywords: ["oxtail"],
        exports: { ".": { default: "./dist/index.mjs", types: "./dist/index.d.mts" } },
      },
      "libs/client-widget",
    );
    expect(problems).toEqual([
      '"author" is missing',
      '"keywords": at least four, to be found on the registry',
      'an adapter or wake strategy (libs/client-*, libs/wake-*) needs keyword "oxtail-adapter"',
      '"repository" must be { type: "git", url: "git+https://….git" }',
      '"repository.directory" must be "libs/client-widget"',
      '"bugs.url" must be an https URL',
      'a scoped package needs "publishConfig": { "access": "public" }',
      '"exports" must map "./package.json"',
      'exports["."]: "types" must be the first published condition',
      'exports["."]: "default" must be the last condition',
    ]);
  });

  it("holds for every publishable package of this repository", () => {
    const packages = listPublishable();
    expect(packages.map((p) => p.manifest.name).sort()).toEqual([
      "@oxtail/client-claude",
      "@oxtail/client-codex",
      "@oxtail/client-gemini",
      "@oxtail/client-opencode",
      "@oxtail/core",
      "@oxtail/fleet",
      "@oxtail/hook",
      "@oxtail/onboarding",
      "@oxtail/transport-nats",
      "@oxtail/wake-tmux",
      "oxtail",
    ]);
    for (const { manifest, folder, dir } of packages) {
      expect({ folder, problems: checkManifest(manifest, folder) }).toEqual({ folder, problems: [] });
      expect(fs.readFileSync(path.join(dir, "LICENSE"), "utf8")).toContain(
        "Copyright (c) 2026 the oxtail contributors",
      );
    }
  });
});

describe("checkPackedFiles", () => {
  it("passes a tarball in sync with its exports and bin", () => {
    expect(checkPackedFiles(good, tarball(goodFiles), sources)).toEqual([]);
  });

  it("finds a missing export target, a stale dist file, a broken relative import and an undeclared package", () => {
    const { "dist/index.d.mts": _, LICENSE: __, ...files } = goodFiles;
    const problems = checkPackedFiles(
      good,
      tarball({
        ...files,
        "dist/chunk-AbC123.mjs":
          'import x from "left-pad";\nimport y from "./gone.mjs";\nexport const a = x + y;\n',
        "dist/old-entry.mjs": "export const old = 1;\n",
      }),
      () => false,
    );
    expect(problems).toEqual([
      "LICENSE is not in the tarball",
      'exports["."]["@oxtail/source"]: ./src/index.ts does not exist in the repository',
      'exports["."]["types"]: ./dist/index.d.mts is not in the tarball',
      'dist/chunk-AbC123.mjs imports "left-pad", but left-pad is not in dependencies or peerDependencies',
      "dist/chunk-AbC123.mjs imports ./gone.mjs, which is not in the tarball",
      "dist/old-entry.mjs is shipped but no export, bin or shipped module reaches it",
    ]);
  });

  it("a bin without #!, and types that are not the declaration of the runtime file", () => {
    const problems = checkPackedFiles(
      {
        ...good,
        exports: {
          ".": { types: "./dist/main.d.mts", default: "./dist/index.mjs" },
          "./package.json": "./package.json",
        },
      },
      tarball({ ...goodFiles, "bin/widget": 'node "$here/../dist/main.mjs"\n' }),
      sources,
    );
    expect(problems).toEqual([
      'exports["."]: types ./dist/main.d.mts is not the declaration of ./dist/index.mjs',
      'bin "widget": bin/widget has no #! line',
    ]);
  });
});

describe("importsOf", () => {
  it("reads imports, not comments or strings", () => {
    const text = [
      '/** import { test } from "vitest"; */',
      'import a from "./a.mjs";',
      'export { b } from "b";',
      'const c = await import("c");',
      'const s = "x from \\"fake\\"";',
      'type T = import("zod").ZodType;',
      '// import "commented";',
    ].join("\n");
    expect(importsOf(text)).toEqual(["./a.mjs", "b", "c", "zod"]);
  });
});
