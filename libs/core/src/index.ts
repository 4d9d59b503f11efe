/**
 * @oxtail/core — the contracts and shared machinery of oxtail: data directory,
 * registry, mailbox, scope, tool contracts and the adapter / wake-strategy contracts.
 * Everything exported here is public API; anything else is internal.
 */

export type {
  ClientAdapterDefinition,
  ClientAdapterFactory,
  WakeStrategyDefinition,
  WakeStrategyFactory,
} from "./adapter/define.js";
export {
  clientInfoVerdict,
  defineClientAdapter,
  defineWakeStrategy,
  isClientAdapter,
  isClientAdapterFactory,
  isWakeStrategy,
  isWakeStrategyFactory,
} from "./adapter/define.js";
export type { LoadAdapterOptions } from "./adapter/load.js";
export { loadClientAdapter, resolvePackage } from "./adapter/load.js";
export type {
  AdapterRequirements,
  ClientAdapter,
  ClientAdapterCapabilities,
  DetectedSession,
  DetectionContext,
  DetectionReport,
  Liveness,
  ReadTranscriptOptions,
  StrategyVerdict,
  ToolCallSummary,
  TranscriptTail,
  Turn,
  WakeOptions,
  WakeOutcome,
  WakeProfile,
  WakeReadiness,
  WakeRung,
  WakeStrategy,
  WakeStrategyCapabilities,
  WakeTarget,
} from "./adapter/types.js";
export { ADAPTER_API_VERSION } from "./adapter/types.js";
export type { OxtailErrorCode, OxtailErrorOptions } from "./errors.js";
export { ERROR_CODES, isOxtailError, OxtailError } from "./errors.js";
export {
  ensurePrivateDir,
  PRIVATE_DIR_MODE,
  PRIVATE_FILE_MODE,
  readPrivateFile,
  resolveHome,
  writePrivateFileAtomic,
} from "./home/home.js";
export type { IdentityDrop } from "./identity/drop.js";
export { IdentityDropSchema, readIdentityDrops, writeIdentityDrop } from "./identity/drop.js";
export { createMessageId, isMessageId, isSessionId, messageIdTime, parseSessionId } from "./ids.js";
export type { Mailbox, MailboxOptions, SendInput, WaitOptions } from "./mailbox/mailbox.js";
export { createMailbox } from "./mailbox/mailbox.js";
export type { FsMailboxStoreOptions } from "./mailbox/store-fs.js";
export { createFsMailboxStore, MAILBOX_POLL_MS } from "./mailbox/store-fs.js";
export type { Claim, MailboxKey, MailboxListener, MailboxStore, Message, Sender } from "./mailbox/types.js";
export {
  instanceMailboxKey,
  isMailboxKey,
  MAX_BODY_BYTES,
  MESSAGE_SCHEMA_VERSION,
  MessageSchema,
  SenderSchema,
  sessionMailboxKey,
} from "./mailbox/types.js";
export type { ProcessIdentity } from "./process/liveness.js";
export {
  isProcessAlive,
  isProcessTokenAlive,
  processStartTime,
  processToken,
  selfProcess,
} from "./process/liveness.js";
export type { ProcessInfo } from "./process/proc.js";
export {
  openFiles,
  processAncestry,
  processEnvironment,
  processInfo,
  processStartedAt,
  tmuxSocketFromEnv,
} from "./process/proc.js";
export type { Registry, RegistryOptions, RegistryScan } from "./registry/registry.js";
export { collapseBySession, createRegistry, findAgent, mailboxKeyOf } from "./registry/registry.js";
export { createStateCard } from "./registry/state.js";
export type { FsRegistryStoreOptions } from "./registry/store-fs.js";
export { createFsRegistryStore } from "./registry/store-fs.js";
export type {
  AgentRecord,
  ClientInfo,
  RegistryStore,
  SkippedEntry,
  StateCard,
  TmuxLocation,
} from "./registry/types.js";
export {
  AgentRecordSchema,
  ClientInfoSchema,
  MAX_PURPOSE_CHARS,
  RECORD_SCHEMA_VERSION,
  StateCardSchema,
  TmuxLocationSchema,
} from "./registry/types.js";
export type { ProjectScope } from "./scope/scope.js";
export { assertInScope, canonicalPath, findGitRoot, isWithin, resolveProjectScope } from "./scope/scope.js";
export type { ToolAnnotations, ToolContract, ToolError, ToolName } from "./tools/contracts.js";
export {
  DEFAULT_ASK_TIMEOUT_MS,
  TOOL_CONTRACTS,
  TOOL_NAMES,
  TOOL_SCHEMA_VERSION,
  ToolErrorSchema,
} from "./tools/contracts.js";
export type { TraceEvent, Tracer } from "./trace/trace.js";
export { createTracer, NULL_TRACER } from "./trace/trace.js";
export type { TailOptions } from "./transcript/tail.js";
export {
  parseJsonLine,
  readLinesBackward,
  shorten,
  summarizeArguments,
  TOOL_ARGS_MAX,
} from "./transcript/tail.js";
export { acquireWakeLock, WAKE_LINE, WAKE_LOCK_TTL_MS } from "./wake/lock.js";
export type { SleeperLock, SleeperState, SleeperWake } from "./wake/sleeper.js";
export { claimSleeper, readSleeper, recordSleeperWake } from "./wake/sleeper.js";
