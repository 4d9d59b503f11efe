/**
 * @oxtail/onboarding — the toolkit adapters build their setup plans with, and the one that applies
 * and undoes them: JSON / JSONC edits that keep comments and layout, command hooks in JSON settings
 * files (the `hooks` format several clients share), marked TOML blocks, atomic writes through
 * symlinks, and the setup manifest that makes `oxtail uninstall` exact.
 */

export type { AppliedChange, ApplyOptions, OnboardingScope, UninstallPlan } from "./apply.js";
export { applySetup, applyUninstall, planUninstall, setupAdapters } from "./apply.js";
export type { CommandHook, CommandHookGroup, CommandMatcher } from "./command-hooks.js";
export {
  commandLine,
  findCommandHooks,
  hookCommandMatcher,
  removeCommandHooks,
  setCommandHooks,
} from "./command-hooks.js";
export { renderDiff } from "./diff.js";
export { commandText, probeHookCheck, probeServerCheck } from "./doctor.js";
export type { ClientDetection } from "./files.js";
export { detectClient, fileChange, findExecutable, readConfigText } from "./files.js";
export type { JsonPath, JsonStyle } from "./jsonc.js";
export {
  appendJsonArrayItem,
  DEFAULT_JSON_STYLE,
  detectJsonStyle,
  isBlankConfig,
  parseJsonc,
  removeJsonArrayItem,
  removeJsonValue,
  setJsonValue,
} from "./jsonc.js";
export type { SetupFileRecord, SetupManifest } from "./manifest.js";
export { readSetupManifest, SETUP_MANIFEST_VERSION, setupManifestPath } from "./manifest.js";
export type { TomlBlock, TomlBlockMarkers } from "./toml-block.js";
export { findTomlBlock, parseToml, removeTomlBlock, setTomlBlock } from "./toml-block.js";
