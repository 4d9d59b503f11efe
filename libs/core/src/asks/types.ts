import { z } from "zod";
import { isMessageId } from "../ids.js";
import { isMailboxKey } from "../mailbox/types.js";

/** Current version of the on-disk pending-ask record (docs/protocol.md, "Pending asks"). */
export const ASK_SCHEMA_VERSION = 1;

/** Where an ask stands: its asker waits, gave up waiting, or got its answer. */
export const ASK_STATUSES = ["waiting", "timed-out", "answered"] as const;
/** One of {@link ASK_STATUSES}. */
export type AskStatus = (typeof ASK_STATUSES)[number];

const party = z.object({
  /** The party's mailbox key (its session id, lower case). */
  mailbox: z.string().refine((v): boolean => isMailboxKey(v), "not a mailbox key"),
  /** How peers name it (a label). */
  display_name: z.string().max(200),
});

/** One `ask_peer` question, as long as anyone may still care about it. */
export const PendingAskSchema = z.object({
  v: z.literal(ASK_SCHEMA_VERSION),
  /** The question's message id (also the record's name). */
  question_id: z.string().refine(isMessageId, "not a message id"),
  asker: party,
  target: party,
  /** Epoch ms when the question was asked. */
  created_at: z.number(),
  /** Epoch ms after which the asker no longer waits (a retry with the same key moves it). */
  deadline: z.number(),
  status: z.enum(ASK_STATUSES),
  /** Epoch ms of the last change. */
  updated_at: z.number(),
});
/** One `ask_peer` question, as stored. */
export type PendingAsk = z.infer<typeof PendingAskSchema>;

/**
 * Where pending asks live (SPEC §12: behind a store contract, so another transport can carry them).
 * The file-system store is the default. Every process of the machine sees the same asks: the
 * loop guard walks them, the replier's server finds a timed-out ask its reply answers.
 */
export interface AskStore {
  /** Record an ask (or replace the record of the same question); durable when the promise resolves. */
  put(ask: PendingAsk): Promise<void>;
  /** The ask of a question, or null. */
  get(questionId: string): Promise<PendingAsk | null>;
  /** Every ask still kept (records too old to matter are pruned). */
  list(): Promise<PendingAsk[]>;
  /** Forget an ask. */
  remove(questionId: string): Promise<void>;
}

/** How long an ask's record is kept after its deadline: a reply this late no longer counts as its answer. */
export const ASK_KEPT_MS = 24 * 60 * 60 * 1000;
