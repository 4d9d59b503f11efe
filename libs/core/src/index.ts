/**
 * @oxtail/core — the contract an oxtail client adapter or wake strategy is written against: the
 * adapter and strategy shapes (`defineClientAdapter`, `defineWakeStrategy`, contract version 2:
 * detection, transcripts, liveness, hooks, onboarding, wake), coded errors, and the helpers an adapter
 * author needs (transcript tails, process ancestry, identity drops, hook command lines).
 *
 * Public API policy: everything exported here follows semver. oxtail's own machinery (registry,
 * mailbox, waker, data directory, tool contracts) is at `@oxtail/core/runtime`, for oxtail's packages
 * only, and may change in any release; the conformance kit is at `@oxtail/core/testing`.
 */

export type {
  ClientAdapterDefinition,
  ClientAdapterFactory,
  WakeStrategyDefinition,
  WakeStrategyFactory,
} from "./adapter/define.js";
export {
  checkClientAdapter,
  clientInfoVerdict,
  defineClientAdapter,
  defineWakeStrategy,
  isClientAdapter,
  isClientAdapterFactory,
  isWakeStrategy,
  isWakeStrategyFactory,
} from "./adapter/define.js";
export type {
  ClientHooks,
  HookAnswer,
  HookDelivery,
  HookEventSpec,
  HookIdentity,
  HookMode,
  HookRole,
} from "./adapter/hooks.js";
export { commandHookAnswer, HOOK_ROLES, hookCommandLine, hookMode, shellQuote } from "./adapter/hooks.js";
export type {
  ClientInstallation,
  ClientOnboarding,
  CommandLine,
  DoctorCheck,
  DoctorContext,
  FileChange,
  OnboardingContext,
  OnboardingOption,
} from "./adapter/onboarding.js";
export { lazyOnboarding } from "./adapter/onboarding.js";
export type {
  AdapterRequirements,
  ClientAdapter,
  ClientAdapterCapabilities,
  DetectedSession,
  DetectionContext,
  DetectionReport,
  Liveness,
  OtherAgent,
  ReadTranscriptOptions,
  StrategyVerdict,
  ToolCallSummary,
  TranscriptTail,
  Turn,
  WakeOptions,
  WakeOutcome,
  WakeOutcomeKind,
  WakeProfile,
  WakeReadiness,
  WakeRung,
  WakeStrategy,
  WakeStrategyCapabilities,
  WakeTarget,
} from "./adapter/types.js";
export { ADAPTER_API_VERSION, MIN_ADAPTER_API_VERSION, WAKE_OUTCOMES } from "./adapter/types.js";
export type { OxtailErrorCode, OxtailErrorOptions } from "./errors.js";
export { ERROR_CODES, isOxtailError, OxtailError } from "./errors.js";
export { resolveHome } from "./home/home.js";
export type { IdentityDrop, ReadIdentityDropsOptions } from "./identity/drop.js";
export { readIdentityDrops } from "./identity/drop.js";
export { isSessionId, parseSessionId } from "./ids.js";
export { isProcessAlive, processStartTime } from "./process/liveness.js";
export type { ProcessInfo } from "./process/proc.js";
export {
  openFiles,
  processAncestry,
  processEnvironment,
  processInfo,
  processStartedAt,
  tmuxSocketFromEnv,
} from "./process/proc.js";
export type { AgentRecord, ClientInfo, StateCard, TmuxLocation } from "./registry/types.js";
export { hasUnsafeChars, inertText, safeLabel } from "./text/visible.js";
export type { TailOptions } from "./transcript/tail.js";
export {
  parseJsonLine,
  readLinesBackward,
  shorten,
  summarizeArguments,
  TOOL_ARGS_MAX,
} from "./transcript/tail.js";
export { WAKE_LINE } from "./wake/lock.js";
export type { SleeperLock, SleeperState, SleeperWake } from "./wake/sleeper.js";
export { readSleeper } from "./wake/sleeper.js";
