/**
 * @oxtail/core/runtime — oxtail's own machinery, shared by its server, hook program, CLI and tools:
 * the data directory, registry, mailbox and delivery, the waker and its locks, idempotency, project
 * scope, the tool contracts and the tracer. Not for adapters (their API is `@oxtail/core`): it may
 * change in any release.
 */

export type { LoadedAdapter } from "./adapter/config.js";
export { builtinAdapters, configuredAdapters, loadAdapterNamed, loadAdapters } from "./adapter/config.js";
export type { LoadAdapterOptions } from "./adapter/load.js";
export { loadClientAdapter, resolvePackage } from "./adapter/load.js";
export type { ChainLink } from "./asks/chain.js";
export { assertNoAskCycle, findAskCycle, findLateAsk, isWaiting } from "./asks/chain.js";
export type { FsAskStoreOptions } from "./asks/store-fs.js";
export { createFsAskStore } from "./asks/store-fs.js";
export type { AskStatus, AskStore, PendingAsk } from "./asks/types.js";
export { ASK_KEPT_MS, ASK_SCHEMA_VERSION, ASK_STATUSES, PendingAskSchema } from "./asks/types.js";
export { deliveryIntro, messageFraming, REPLY_HINT, toolMessagesNote } from "./delivery/framing.js";
export type { HandOver } from "./delivery/hand-over.js";
export {
  DEFAULT_DELIVERY_CHARS,
  formatDelivery,
  MAX_DELIVERY_MESSAGES,
  takeHandOver,
} from "./delivery/hand-over.js";
export type { LoopGuardConfig, RateLimit } from "./guard/config.js";
export { DEFAULT_LOOP_GUARD, isHumanPrompt, loopGuardConfig } from "./guard/config.js";
export type { FsRateStoreOptions, RateBudgetStore, RateSpend } from "./guard/rate.js";
export { createFsRateStore } from "./guard/rate.js";
export type { PrivateDirListing } from "./home/home.js";
export {
  checkPrivateDir,
  ensurePrivateDir,
  ensurePrivatePath,
  listPrivateDir,
  PRIVATE_DIR_MODE,
  PRIVATE_FILE_MODE,
  untrustedReason,
  verifyPrivatePath,
} from "./home/home.js";
export type { ReadPrivateFileOptions } from "./home/private-file.js";
export {
  PRIVATE_FILE_MAX_BYTES,
  readPrivateFile,
  removePrivateFile,
  writePrivateFileAtomic,
} from "./home/private-file.js";
export { IdentityDropSchema, readIdentityDrop, writeIdentityDrop } from "./identity/drop.js";
export {
  createMessageId,
  isMessageId,
  isSessionIdPrefix,
  messageIdTime,
  SHORT_ID_CHARS,
  shortSessionId,
} from "./ids.js";
export type { ArrivalHintOptions } from "./mailbox/arrival-hint.js";
export {
  ARRIVAL_HINT_POLL_MS,
  arrivalHintPath,
  clearArrivalHint,
  keepArrivalHints,
  readSessionTransport,
} from "./mailbox/arrival-hint.js";
export type { IdempotencyStore, OnceResult } from "./mailbox/idempotency.js";
export {
  createFsIdempotencyStore,
  IDEMPOTENCY_TTL_MS,
  MAX_IDEMPOTENCY_KEY_CHARS,
} from "./mailbox/idempotency.js";
export type { DeliveryOptions, Mailbox, MailboxOptions, SendInput, WaitOptions } from "./mailbox/mailbox.js";
export { createMailbox } from "./mailbox/mailbox.js";
export { REDELIVERED_DIR } from "./mailbox/redelivery.js";
export type { FsMailboxStoreOptions } from "./mailbox/store-fs.js";
export { createFsMailboxStore, MAILBOX_POLL_MS } from "./mailbox/store-fs.js";
export type {
  Claim,
  ClaimedMessage,
  ClaimLimits,
  MailboxKey,
  MailboxListener,
  MailboxStore,
  Message,
  MessageOrigin,
  Sender,
} from "./mailbox/types.js";
export {
  DEFAULT_CLAIM_LIMITS,
  instanceMailboxKey,
  isMailboxKey,
  MAX_BODY_BYTES,
  MESSAGE_ORIGINS,
  MESSAGE_SCHEMA_VERSION,
  MessageSchema,
  originOf,
  SenderSchema,
  sessionMailboxKey,
} from "./mailbox/types.js";
export type { OperatorAnswer, OperatorDelivery, OperatorOptions } from "./operator/operator.js";
export { OPERATOR_CLIENT_TYPE, OPERATOR_WAKE_MS, operatorAsk, operatorSend } from "./operator/operator.js";
export type { ProcessIdentity } from "./process/liveness.js";
export { isProcessTokenAlive, processToken, selfProcess } from "./process/liveness.js";
export type { Receipts, ReceiptsOptions } from "./receipts/receipts.js";
export {
  createReceipts,
  expiryOf,
  RECEIPT_EXPIRY_MS,
  RECEIPT_RETENTION_MS,
  receiptOf,
} from "./receipts/receipts.js";
export type { FsReceiptStoreOptions } from "./receipts/store-fs.js";
export { createFsReceiptStore } from "./receipts/store-fs.js";
export type {
  DeliveryVia,
  ExpiryReason,
  Receipt,
  ReceiptEvent,
  ReceiptEventName,
  ReceiptState,
  ReceiptStore,
} from "./receipts/types.js";
export {
  DELIVERY_VIAS,
  EXPIRY_REASONS,
  HOOK_ROLE_VIA,
  RECEIPT_SCHEMA_VERSION,
  RECEIPT_STATES,
  ReceiptEventSchema,
} from "./receipts/types.js";
export type { Registry, RegistryOptions, RegistryScan } from "./registry/registry.js";
export {
  collapseBySession,
  createRegistry,
  findAgent,
  isRecordAlive,
  mailboxKeyOf,
  UNVERIFIED_RECORD_TTL_MS,
} from "./registry/registry.js";
export { createStateCard } from "./registry/state.js";
export type { FsRegistryStoreOptions } from "./registry/store-fs.js";
export { createFsRegistryStore } from "./registry/store-fs.js";
export type { RegistryStore, SkippedEntry } from "./registry/types.js";
export {
  AgentRecordSchema,
  ClientInfoSchema,
  MAX_PURPOSE_CHARS,
  RECORD_SCHEMA_VERSION,
  StateCardSchema,
  TmuxLocationSchema,
} from "./registry/types.js";
export type {
  Project,
  ProjectKind,
  ProjectResolver,
  ProjectResolverOptions,
  ProjectScope,
} from "./scope/project.js";
export { assertSameProject, canonicalPath, createProjectResolver } from "./scope/project.js";
export { ageOf } from "./text/age.js";
export { UNSAFE_CHARS_RE } from "./text/visible.js";
export type {
  DeliveryOutlook,
  ToolAnnotations,
  ToolContract,
  ToolError,
  ToolName,
  WakeReport,
} from "./tools/contracts.js";
export {
  CLIENT_TYPE_RE,
  DEFAULT_ASK_TIMEOUT_MS,
  DEFAULT_READ_MAX_BYTES,
  DEFAULT_READ_MAX_MESSAGES,
  DeliveryOutlookSchema,
  MAX_BROADCAST_TARGETS,
  MAX_READ_BYTES,
  MAX_STATUS_IDS,
  OUTLOOK_PATHS,
  TOOL_CONTRACTS,
  TOOL_NAMES,
  TOOL_SCHEMA_VERSION,
  ToolErrorSchema,
  WakeReportSchema,
} from "./tools/contracts.js";
export type { TraceEvent, Tracer } from "./trace/trace.js";
export { createTracer, NULL_TRACER } from "./trace/trace.js";
export type { FsTransportOptions, Transport, TransportName, WakeHandlers } from "./transport/transport.js";
export {
  createFsTransport,
  onArrivalUnavailable,
  TRANSPORT_NAMES,
  transportNameOf,
} from "./transport/transport.js";
export { acquireWakeLock, WAKE_LOCK_TTL_MS } from "./wake/lock.js";
export { recordSleeperWake, ringSleeper } from "./wake/sleeper.js";
export type { TurnSignal, TurnSignalReader } from "./wake/turn-signal.js";
export type { PeerWakeOptions, Waker, WakerOptions, WakeStatus } from "./wake/waker.js";
export { createWaker, WAKE_VERIFY_MS } from "./wake/waker.js";
