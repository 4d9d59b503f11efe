// npm run check:packages: each publishable package as a user receives it, then a changeset version dry run.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { changesetDryRun } from "./changeset-dry-run.ts";
import { runAttw, runPublint } from "./linters.ts";
import { checkManifest } from "./manifest.ts";
import { checkPackedFiles } from "./packed.ts";
import { listPublishable, type PackageManifest, packPackage, unpack } from "./workspace.ts";

const indent = (text: string) => text.replace(/^/gm, "      ");
const seconds = (since: number) => `${((performance.now() - since) / 1000).toFixed(1)} s`;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-check-package-"));
let failures = 0;
try {
  const packages = listPublishable();
  process.stdout.write(`check-package: ${packages.length} publishable packages\n`);
  const unbuilt = packages.filter((pkg) => !fs.existsSync(path.join(pkg.dir, "dist")));
  if (unbuilt.length > 0)
    process.stdout.write(
      `note: no dist/ in ${unbuilt.map((p) => p.folder).join(", ")}: run \`npm run build\` first\n`,
    );
  for (const pkg of packages) {
    const started = performance.now();
    const packed = packPackage(pkg, path.join(tmp, "tarballs"));
    const root = unpack(packed.tarball, path.join(tmp, "unpacked", pkg.folder));
    const manifest = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as PackageManifest;
    const sections: [string, string[]][] = [
      ["package.json", checkManifest(manifest, pkg.folder)],
      [
        "tarball (exports ↔ dist, bin, imports)",
        checkPackedFiles(
          manifest,
          { files: packed.files, read: (file) => fs.readFileSync(path.join(root, file), "utf8") },
          (file) => fs.existsSync(path.join(pkg.dir, file)),
        ),
      ],
    ];
    for (const [name, lint] of [
      ["publint --strict", runPublint(packed.tarball)],
      ["attw --profile esm-only", runAttw(packed.tarball)],
    ] as const)
      sections.push([name, lint.ok ? [] : [lint.output]]);
    const failed = sections.filter(([, problems]) => problems.length > 0);
    const head = `${manifest.name}@${manifest.version} (${pkg.folder}, ${packed.files.length} files, ${seconds(started)})`;
    if (failed.length === 0) {
      process.stdout.write(`ok   ${head}: ${sections.map(([name]) => name).join(", ")}\n`);
      continue;
    }
    failures += 1;
    process.stdout.write(`FAIL ${head}\n`);
    for (const [name, problems] of failed) {
      process.stdout.write(`  ${name}:\n`);
      for (const problem of problems) process.stdout.write(`${indent(`- ${problem}`)}\n`);
    }
  }

  const started = performance.now();
  const dryRun = changesetDryRun();
  if (dryRun.ok) {
    const bumps = dryRun.bumps.map(([name, from, to]) => `${name} ${from} → ${to}`).join(", ");
    process.stdout.write(
      `ok   changeset version (dry run, ${seconds(started)}): ${bumps || "no release pending"}\n`,
    );
    // Reported, not failed: how adapters follow core's releases is a release-policy decision.
    if (dryRun.unrequestedMajors.length > 0)
      process.stdout.write(
        `WARN a major release no changeset asks for (a peer dependency's minor or major release): ${dryRun.unrequestedMajors.join(", ")}\n`,
      );
  } else {
    failures += 1;
    process.stdout.write(`FAIL changeset version (dry run)\n${indent(dryRun.output)}\n`);
  }
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
process.stdout.write(failures === 0 ? "check-package: all good\n" : `check-package: ${failures} failed\n`);
process.exitCode = failures === 0 ? 0 : 1;
