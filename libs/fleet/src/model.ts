// The fleet model: what `oxtail status --json` prints (docs/fleet.md documents it), what `oxtail top`
// and the dashboard render. Every string a peer chose (names, cards, bodies) is data: the model keeps
// it as the peer wrote it, minus control and format characters in one-line fields; whoever renders it
// makes it inert for its medium.

/** The version of {@link FleetState}'s shape. A field's meaning never changes within a version. */
export const FLEET_SCHEMA_VERSION = 1;

/** Why an agent may need the person at the keyboard. */
export const ATTENTION_FLAGS = ["waiting-on-human", "stalled", "unread-while-idle", "ask-cycle"] as const;
/** One of {@link ATTENTION_FLAGS}. */
export type AttentionFlag = (typeof ATTENTION_FLAGS)[number];

/** One registered agent. */
export interface FleetAgent {
  /** Its session id, or its server instance id before it told one. */
  id: string;
  /** Its mailbox key (what asks and messages name). */
  mailbox: string;
  /** The tmux session it sits in (a label), or null. */
  name: string | null;
  /** Its client type, as its adapter names itself; null when unknown. */
  client: string | null;
  session_id: string | null;
  /** busy (in a turn), idle (at its prompt), or unknown (its adapter cannot tell). */
  state: "busy" | "idle" | "unknown";
  /** How busy/idle was decided. */
  state_reason: string;
  /** The host id of the machine it runs on when that is another machine (a transport joins them); else null. */
  machine: string | null;
  card: { purpose: string; set_at: string } | null;
  /** The agent's project (the realpath of its repository's common git dir, or its folder). */
  project: string;
  /** The top folder of the worktree it works in. */
  worktree: string;
  /** ISO time of its last activity seen (its adapter's, else its record's last change). */
  last_activity: string | null;
  /** ISO time its transcript last grew (its mtime), or null without one. */
  transcript_grew_at: string | null;
  /** Messages waiting in its mailbox. */
  unread: number;
  /** Asks it waits on (it asked, no answer yet). */
  waiting_on: number;
  /** Asks waiting on it (others asked it). */
  asked_by: number;
  tmux: { session: string | null; pane: string | null } | null;
  attention: AttentionFlag[];
}

/** One party of an ask or a message: its mailbox and a label. */
export interface FleetParty {
  mailbox: string;
  name: string;
}

/** An edge of the ask graph: `asker` waits for `target`'s answer. */
export interface FleetAsk {
  question_id: string;
  asker: FleetParty;
  target: FleetParty;
  created_at: string;
  deadline: string;
  /** True when this edge is part of a cycle of waiting asks (nobody in it can answer). */
  in_cycle: boolean;
}

/** What became of a message (SPEC §10), when its receipt was found. */
export interface FleetReceipt {
  state: "queued" | "delivered" | "replied" | "expired";
  delivered_at: string | null;
  via: string | null;
  replied_at: string | null;
  reply_id: string | null;
  expired_at: string | null;
}

/** One message of the timeline. */
export interface FleetMessage {
  id: string;
  created_at: string;
  from: FleetParty & { session_id: string | null; client: string | null };
  to: FleetParty & { session_id: string | null };
  origin: "agent" | "operator";
  reply_to: string | null;
  /** The body while it was seen (a message leaves its mailbox once delivered). */
  body: string;
  receipt: FleetReceipt | null;
}

/** The whole view. */
export interface FleetState {
  v: typeof FLEET_SCHEMA_VERSION;
  generated_at: string;
  scope: { all: boolean; project: string | null; worktree: string | null };
  agents: FleetAgent[];
  asks: FleetAsk[];
  timeline: FleetMessage[];
}
