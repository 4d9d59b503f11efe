import { spawnSync } from "node:child_process";
import path from "node:path";
import { REPO_ROOT } from "./workspace.ts";

/** What a linter said about a tarball. */
export interface LintResult {
  ok: boolean;
  /** Its output, stdout then stderr. */
  output: string;
}

function run(bin: string, args: string[]): LintResult {
  const result = spawnSync(path.join(REPO_ROOT, "node_modules", ".bin", bin), args, {
    cwd: REPO_ROOT,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" },
  });
  const output = `${result.stdout ?? ""}${result.stderr ?? ""}${result.error ? String(result.error) : ""}`;
  return { ok: result.status === 0, output: output.trim() };
}

/** `publint --strict` on the packed tarball: warnings fail too. */
export function runPublint(tarball: string): LintResult {
  return run("publint", ["--strict", tarball]);
}

/**
 * `attw` (Are the Types Wrong?) on the packed tarball. The packages are ESM only, so the
 * `esm-only` profile leaves out the CommonJS resolutions (node10, node16 from CJS).
 */
export function runAttw(tarball: string): LintResult {
  return run("attw", ["--profile", "esm-only", "--format", "ascii", "--no-color", "--no-emoji", tarball]);
}
