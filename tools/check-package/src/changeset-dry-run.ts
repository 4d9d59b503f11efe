import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { listWorkspacePackages, REPO_ROOT } from "./workspace.ts";

/** What `changeset version` would do. */
export interface ChangesetDryRun {
  ok: boolean;
  /** The command's output. */
  output: string;
  /** Each package whose version would change: `[name, from, to]`. */
  bumps: [string, string, string][];
  /** Major releases no changeset asked for (changesets makes every peer dependent of a minor release major). */
  unrequestedMajors: string[];
}

const majorOf = (version: string) => Number(version.split(".")[0]);

/** The packages the pending changesets ask a major release for, fixed groups included. */
function requestedMajors(changesetDir: string): Set<string> {
  const majors = new Set<string>();
  for (const file of fs.readdirSync(changesetDir)) {
    if (!file.endsWith(".md") || file === "README.md") continue;
    const front = /^---\n([\s\S]*?)\n?---/.exec(fs.readFileSync(path.join(changesetDir, file), "utf8"))?.[1];
    for (const line of (front ?? "").split("\n")) {
      const match = /^\s*["']?([^"':]+)["']?\s*:\s*major\s*$/.exec(line);
      if (match?.[1]) majors.add(match[1]);
    }
  }
  const config = JSON.parse(fs.readFileSync(path.join(changesetDir, "config.json"), "utf8")) as {
    fixed?: string[][];
  };
  for (const group of config.fixed ?? [])
    if (group.some((name) => majors.has(name))) for (const name of group) majors.add(name);
  return majors;
}

/**
 * Run `changeset version` on a copy of `.changeset/` and every package.json in a temp folder, so
 * the pending changesets are proven to apply (parse, fixed group, internal ranges) without touching
 * the real tree. The copy uses this repository's node_modules (changesets and its changelog plugin).
 */
export function changesetDryRun(root: string = REPO_ROOT): ChangesetDryRun {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-changeset-"));
  try {
    fs.cpSync(path.join(root, ".changeset"), path.join(tmp, ".changeset"), { recursive: true });
    fs.copyFileSync(path.join(root, "package.json"), path.join(tmp, "package.json"));
    const packages = listWorkspacePackages(root);
    for (const pkg of packages) {
      fs.mkdirSync(path.join(tmp, pkg.folder), { recursive: true });
      fs.copyFileSync(path.join(pkg.dir, "package.json"), path.join(tmp, pkg.folder, "package.json"));
    }
    fs.symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(tmp, "node_modules"));
    const result = spawnSync(path.join(REPO_ROOT, "node_modules", ".bin", "changeset"), ["version"], {
      cwd: tmp,
      encoding: "utf8",
      env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" },
    });
    const output =
      `${result.stdout ?? ""}${result.stderr ?? ""}${result.error ? String(result.error) : ""}`.trim();
    const bumps: [string, string, string][] = [];
    for (const { folder, manifest } of packages) {
      const after = JSON.parse(fs.readFileSync(path.join(tmp, folder, "package.json"), "utf8")) as {
        version: string;
      };
      if (after.version !== manifest.version) bumps.push([manifest.name, manifest.version, after.version]);
    }
    const asked = requestedMajors(path.join(root, ".changeset"));
    const unrequestedMajors = bumps
      .filter(([name, from, to]) => majorOf(to) > majorOf(from) && !asked.has(name))
      .map(([name, from, to]) => `${name} ${from} → ${to}`);
    return { ok: result.status === 0, output, bumps, unrequestedMajors };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
