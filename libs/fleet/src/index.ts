/**
 * @oxtail/fleet — one model of the agents of a project (or of every project): client, busy/idle,
 * state card, worktree, last activity, unread and pending counts, the ask graph with its cycles, the
 * message timeline with receipts, and attention flags; read from `@oxtail/core`'s stores and the
 * loaded adapters, and kept live from file-system events. `oxtail status`, `oxtail top` and the
 * dashboard render it.
 */

export type { AttentionContext } from "./attention.js";
export { attentionOf, stallDueAt } from "./attention.js";
export type { WaitEdge } from "./graph.js";
export { edgeInCycle, nodesInCycles } from "./graph.js";
export type {
  AttentionFlag,
  FleetAgent,
  FleetAsk,
  FleetMessage,
  FleetParty,
  FleetReceipt,
  FleetState,
} from "./model.js";
export { ATTENTION_FLAGS, FLEET_SCHEMA_VERSION } from "./model.js";
export type { FleetOptions, FleetReader } from "./read.js";
export { createFleetReader, DEFAULT_STALL_MS, TIMELINE_MAX } from "./read.js";
export type { FleetWatch, WatchFleetOptions } from "./watch.js";
export { DEFAULT_DEBOUNCE_MS, DEFAULT_SAFETY_MS, watchFleet } from "./watch.js";
