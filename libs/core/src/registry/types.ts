import { z } from "zod";
import { isSessionId } from "../ids.js";

/** Current version of the registry record format (docs/protocol.md). */
export const RECORD_SCHEMA_VERSION = 1;
/** Longest state-card purpose, in characters. */
export const MAX_PURPOSE_CHARS = 200;

/** A state card: what an agent says it is doing. Versioned; fields may be added. */
export const StateCardSchema = z.object({
  v: z.literal(1),
  purpose: z.string().max(MAX_PURPOSE_CHARS),
  set_at: z.string(),
});
/** A state card. */
export type StateCard = z.infer<typeof StateCardSchema>;

/** The agent client a server instance serves, as far as it is known. */
export const ClientInfoSchema = z.object({
  /** Adapter name (a built-in's or a third-party one's), or null when not detected. */
  type: z.string().max(64).nullable(),
  /** The client's own name for itself (MCP clientInfo name). */
  name: z.string().max(200).nullable(),
  version: z.string().max(64).nullable(),
  session_id: z.string().refine(isSessionId, "not a session id").nullable(),
  transcript_path: z.string().max(4096).nullable(),
  cwd: z.string().max(4096).nullable(),
  /**
   * The client's own process, when detection found it (its pid and start time; records
   * written before this field existed have neither). A wake types only into a pane whose
   * process tree holds this process or the agent's oxtail server (the record's `pid`).
   */
  pid: z.number().int().positive().nullable().optional(),
  /** Start time of `pid` (opaque, as the record's own `start_time`): a reused pid is no proof. */
  start_time: z.string().max(64).nullable().optional(),
});
/** The agent client a server instance serves. */
export type ClientInfo = z.infer<typeof ClientInfoSchema>;

/** Where the agent runs in tmux. */
export const TmuxLocationSchema = z.object({
  /** Socket path of the tmux server. */
  socket: z.string().max(4096).nullable(),
  session: z.string().max(512).nullable(),
  window: z.string().max(64).nullable(),
  /** Pane id, e.g. `%3`. */
  pane: z.string().max(64).nullable(),
});
/** Where the agent runs in tmux. */
export type TmuxLocation = z.infer<typeof TmuxLocationSchema>;

/** One server instance in the registry (docs/protocol.md, "Registry record"). */
export const AgentRecordSchema = z.object({
  schema: z.literal(RECORD_SCHEMA_VERSION),
  /** `<pid>-<start time>`: unique per process, and the record's file name. */
  instance_id: z.string().regex(/^\d+-[A-Za-z0-9]+$/),
  pid: z.number().int().positive(),
  /** Opaque process start time; with the pid it tells a live process from a reused pid. */
  start_time: z.string().nullable(),
  started_at: z.string(),
  /** Last time the record was written; the freshest wins when records share a session id. */
  updated_at: z.string(),
  oxtail_version: z.string().max(64),
  /** The server process's working directory (its project scope). */
  cwd: z.string().max(4096),
  client: ClientInfoSchema,
  tmux: TmuxLocationSchema.nullable(),
  state: StateCardSchema.nullable(),
});
/** One server instance in the registry. */
export type AgentRecord = z.infer<typeof AgentRecordSchema>;

/** A registry entry that was not used, and why. */
export interface SkippedEntry {
  name: string;
  reason: string;
}

/** Where registry records live; the file-system store is the embedded default. */
export interface RegistryStore {
  /** Create or replace the record of `record.instance_id`, atomically. */
  put(record: AgentRecord): Promise<void>;
  /** Remove a record; a missing one is not an error. */
  remove(instanceId: string): Promise<void>;
  /** Every parsable record, plus what was skipped. */
  list(): Promise<{ records: AgentRecord[]; skipped: SkippedEntry[] }>;
}
