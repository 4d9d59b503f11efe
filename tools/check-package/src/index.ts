/** The package checks, for `npm run check:packages` and the packed-tarball smoke test (tools/smoke). */

export { type ChangesetDryRun, changesetDryRun } from "./changeset-dry-run.ts";
export { type LintResult, runAttw, runPublint } from "./linters.ts";
export { checkManifest, exportEntries, SOURCE_CONDITION } from "./manifest.ts";
export { checkPackedFiles, importsOf, type PackedTree } from "./packed.ts";
export {
  listPublishable,
  listWorkspacePackages,
  npmEnv,
  type PackageManifest,
  type PackedPackage,
  packPackage,
  REPO_ROOT,
  unpack,
  type WorkspacePackage,
} from "./workspace.ts";
