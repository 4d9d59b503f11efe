import { z } from "zod";
import { WAKE_OUTCOMES } from "../adapter/types.js";
import { ERROR_CODES, type OxtailErrorCode } from "../errors.js";
import { MAX_IDEMPOTENCY_KEY_CHARS } from "../mailbox/idempotency.js";
import { MAX_BODY_BYTES } from "../mailbox/types.js";
import { DELIVERY_VIAS, EXPIRY_REASONS, RECEIPT_STATES } from "../receipts/types.js";
import { MAX_PURPOSE_CHARS, StateCardSchema } from "../registry/types.js";

/**
 * Version of every tool's structured output. 2: shaped for the model that reads it (clients pass
 * `structuredContent` to their model, docs/tokens.md): no nulls or defaults, short session ids,
 * relative ages.
 */
export const TOOL_SCHEMA_VERSION = 2;
/** `ask_peer`'s default wait (SPEC §3), overridden by `OXTAIL_ASK_PEER_TIMEOUT_MS`. */
export const DEFAULT_ASK_TIMEOUT_MS = 45_000;
/** How many messages `read_my_messages` returns at most by default. */
export const DEFAULT_READ_MAX_MESSAGES = 50;
/** How many bytes of messages `read_my_messages` returns at most by default (well under any transport limit). */
export const DEFAULT_READ_MAX_BYTES = 64 * 1024;
/** The most `read_my_messages` may be asked for in one answer, in bytes. */
export const MAX_READ_BYTES = 1024 * 1024;
/** The most peers one `send_message` may name (a list, or the peers `"*"` finds). */
export const MAX_BROADCAST_TARGETS = 32;
/** The most ids one `message_status` call may ask about. */
export const MAX_STATUS_IDS = 100;
/** What a client type looks like (an adapter name). */
export const CLIENT_TYPE_RE: RegExp = /^[a-z][a-z0-9-]{0,39}$/;

/** MCP tool annotations (hints to the client about side effects). */
export interface ToolAnnotations {
  readOnlyHint: boolean;
  destructiveHint: boolean;
  idempotentHint: boolean;
  openWorldHint: boolean;
}

/** The error result every tool returns for a problem the caller can act on. */
export const ToolErrorSchema = z.object({
  ok: z.literal(false),
  error: z.enum(ERROR_CODES),
  message: z.string(),
  data: z.record(z.string(), z.unknown()).optional(),
});
/** The error result of a tool. */
export type ToolError = z.infer<typeof ToolErrorSchema>;

const target = () => z.string().min(1).max(512).describe("Peer's tmux name or session id");
/** ask_peer's target: one peer, said plainly when a list or `"*"` is given. */
const askTarget = () =>
  z
    .string({
      error: (issue) =>
        Array.isArray(issue.input)
          ? 'ask_peer asks exactly one peer; to reach several, use send_message with a list of targets or "*"'
          : undefined,
    })
    .min(1)
    .max(512)
    .refine((t) => t !== "*", {
      message: 'ask_peer asks exactly one peer; to reach every peer, use send_message with target "*"',
    })
    .describe("One peer's tmux name or session id");
const sendTarget = () =>
  z
    .union([target(), z.array(target()).min(1).max(1000)])
    .describe(`A peer, a list of peers (at most ${MAX_BROADCAST_TARGETS}), or "*" for all`);
const projectRoot = () => z.string().max(4096).optional().describe("Omit: inferred from your cwd");
const sessionId = () => z.string().max(128).describe("Your client's session id (UUID)");
const body = (what: string) =>
  z
    .string()
    .min(1)
    .max(MAX_BODY_BYTES)
    .refine((b) => Buffer.byteLength(b, "utf8") <= MAX_BODY_BYTES, `at most ${MAX_BODY_BYTES} bytes in UTF-8`)
    .describe(`${what}: plain text, at most ${MAX_BODY_BYTES / 1024} KiB`);
const idempotencyKey = () =>
  z
    .string()
    .min(1)
    .max(MAX_IDEMPOTENCY_KEY_CHARS)
    .optional()
    .describe("A retry with the same key sends nothing new");

/** A wake as `ask_peer` and `wake_status` report it. */
export const WakeReportSchema = z.object({
  /** True when a strategy acted (typed, called the client, relied on a sleeper). */
  attempted: z.boolean(),
  /** The strategy reported on, or null when none applied. */
  strategy: z.string().nullable(),
  outcome: z.enum(WAKE_OUTCOMES),
  /** Time from the attempt to the verified new turn, when verified. */
  verified_after_ms: z.number().nullable(),
  reason: z.string(),
  /** True when the caller's deadline (ask_peer's `timeout_ms`) cut the wake or its verification short. */
  deadline_reached: z.boolean(),
});
/** A wake as `ask_peer` and `wake_status` report it. */
export type WakeReport = z.infer<typeof WakeReportSchema>;

/** The ways a message can reach a peer's model, as a delivery outlook names them. */
export const OUTLOOK_PATHS = [
  "hook-mid-turn",
  "hook-end-of-turn",
  "wake",
  "next-prompt",
  "read_my_messages-only",
] as const;

/** When the peer will see a message, judged at send time from what is true now (SPEC §10). */
export const DeliveryOutlookSchema = z.object({
  path: z
    .enum(OUTLOOK_PATHS)
    .describe(
      "hook-mid-turn: the peer is in a turn and its hook hands the message over before its next tool call (else when the turn ends); hook-end-of-turn: at the end of its current turn; wake: it is idle and a wake (wake_strategy) starts a turn with it; next-prompt: it gets it with its next prompt (from its user or a wake); read_my_messages-only: nothing hands it over, it waits until the peer calls read_my_messages.",
    ),
  wake_strategy: z.string().optional().describe("The wake strategy that would run (path wake)."),
  busy: z.boolean().optional().describe("True in a turn, false idle, absent when unknown."),
  hooks: z
    .enum(["active", "configured", "not-set-up", "unsupported"])
    .describe(
      "oxtail's hooks for the peer's client: active (seen running for this session), configured (set up in this user's config, not seen running yet), not-set-up, or unsupported (its client has none, or its session id is unknown).",
    ),
  reason: z.string().describe("Why, in one sentence, with the fix when there is one."),
});
/** A delivery outlook. */
export type DeliveryOutlook = z.infer<typeof DeliveryOutlookSchema>;

/** A message's receipt as `message_status` returns it. */
const ReceiptOutSchema = () =>
  z.object({
    id: z.string(),
    state: z.enum(RECEIPT_STATES),
    to_session_id: z.string().optional(),
    reply_to: z.string().optional(),
    queued_at: z.string(),
    delivered: z
      .object({ at: z.string(), via: z.enum(DELIVERY_VIAS).optional() })
      .optional()
      .describe("When and how it was put in front of the peer's model."),
    replied: z
      .object({ at: z.string(), reply_id: z.string() })
      .optional()
      .describe("The peer's first message with reply_to = this id."),
    expired: z
      .object({ at: z.string(), reason: z.enum(EXPIRY_REASONS) })
      .optional()
      .describe(
        "Given up on: recipient-gone (its server ended before it had a session id), undelivered (24 h unread with no live recipient).",
      ),
  });

const StatusErrorSchema = () =>
  z.object({
    id: z.string(),
    error: z.enum(["not-found", "out-of-scope", "invalid-input"]),
    message: z.string(),
  });

const BroadcastEntrySchema = () =>
  z.object({
    target: z.string().describe('The target as given (for "*": the peer\'s session id, else its tmux name).'),
    message_id: z.string().nullable(),
    to_session_id: z
      .string()
      .optional()
      .describe("The peer's session id, when the target is not already it."),
    delivery_outlook: DeliveryOutlookSchema.optional(),
    error: z.string().optional().describe("Why this copy was not sent (a storage failure); the others were."),
    message: z.string().optional(),
  });

const LivenessSchema = () =>
  z.object({
    state: z.enum(["busy", "idle", "unknown"]),
    last_activity: z.string().nullable(),
    reason: z.string(),
  });

/** A relative age, e.g. `12s`, `5m`, `3h`, `2d`. */
const age = () => z.string().regex(/^\d+[smhd]$/);

/** One row of list_project_sessions: fields that do not apply are absent. */
const SessionRowSchema = () =>
  z.object({
    name: z.string().optional().describe("tmux session name."),
    id: z.string().optional().describe("Session id, short (a unique prefix works as a target)."),
    client: z.string().optional(),
    machine: z.string().optional().describe("The machine it runs on, when not yours (a NATS transport)."),
    busy: z.boolean().optional().describe("Absent when unknown."),
    card: z.string().optional().describe("The agent's state card."),
    active: age().optional().describe("Time since its last activity."),
    worktree: z.string().optional().describe("Its worktree, when not yours: a path relative to yours."),
    me: z.literal(true).optional(),
  });

/** A message as tools hand it to the model. */
const MessageOutSchema = () =>
  z.object({
    id: z.string(),
    from: z.string().describe("The sender: its short session id (a target), or its name when it has none."),
    body: z.string(),
    re: z.string().optional().describe("The id of the message this one answers."),
    age: age(),
    origin: z
      .literal("operator")
      .optional()
      .describe("Present when the user sent it (the oxtail command line): the user's own request."),
    redelivered: z
      .literal(true)
      .optional()
      .describe("Handed out before by a reader that stopped before it was confirmed: you may have seen it."),
  });

/**
 * One turn of a transcript: its text under its role (`{ "user": "…" }`), the tool calls it made as
 * `name: arguments → result` lines.
 */
const TurnSchema = () =>
  z.object({
    user: z.string().optional(),
    assistant: z.string().optional(),
    system: z.string().optional(),
    peer: z
      .string()
      .optional()
      .describe("Another agent's message that reached the session through the client's own messaging."),
    from: z.string().optional().describe("For a peer turn: the sender, as the client names it."),
    tools: z.array(z.string()).optional(),
  });

const ok = () => ({ ok: z.literal(true), schema_version: z.literal(TOOL_SCHEMA_VERSION) });
const scopeOut = () => ({
  project_root: z
    .string()
    .describe("The worktree that named the project: yours, or the one project_root is in."),
  project_id: z
    .string()
    .describe("The project: the repository's common git dir (shared by its worktrees), or a plain folder."),
  inferred: z
    .boolean()
    .describe("True when the project was inferred from your cwd, false when project_root named it."),
});

/** One tool's contract: name, description for the model, schemas and annotations. */
export interface ToolContract<I extends z.ZodObject = z.ZodObject, O extends z.ZodObject = z.ZodObject> {
  name: string;
  title: string;
  description: string;
  input: I;
  output: O;
  annotations: ToolAnnotations;
  /**
   * The error code for a value over one field's limit, when SPEC names a more precise one than
   * `invalid-input` (a body over the limit is `body-too-large`).
   */
  fieldErrors?: Readonly<Record<string, OxtailErrorCode>>;
}

const readOnly: ToolAnnotations = {
  readOnlyHint: true,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: false,
};
const localWrite: ToolAnnotations = {
  readOnlyHint: false,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: false,
};

/**
 * Builds an object whose every property is built on first read, once: `builders[name]()`. Tool
 * contracts are built this way because a server calls few of its tools, and their zod schemas, built
 * at import, stayed resident in every server (docs/benchmarks.md, footprint).
 */
function builtOnFirstRead<T extends Record<string, () => unknown>>(
  builders: T,
): { readonly [K in keyof T]: ReturnType<T[K]> } {
  const built = {} as { [K in keyof T]: ReturnType<T[K]> };
  for (const name of Object.keys(builders) as (keyof T & string)[]) {
    Object.defineProperty(built, name, {
      enumerable: true,
      configurable: true,
      get() {
        const value = builders[name]?.();
        Object.defineProperty(built, name, { value, enumerable: true });
        return value;
      },
    });
  }
  return built;
}

const TOOL_CONTRACT_BUILDERS = {
  list_project_sessions: () => ({
    name: "list_project_sessions",
    title: "List project sessions",
    description:
      "List the agents in this project (all worktrees) with id, client, busy/idle and state card. Start here.",
    input: z.object({ project_root: projectRoot() }),
    output: z.object({
      ...ok(),
      ...scopeOut(),
      rows: z.array(SessionRowSchema()),
      error: z
        .string()
        .optional()
        .describe("Non-fatal: tmux is absent or has no server; registry rows still listed."),
    }),
    annotations: readOnly,
  }),
  read_session: () => ({
    name: "read_session",
    title: "Read a peer's session",
    description: "Read a peer's latest turns, or its terminal screen (mode pane). Does not message it.",
    input: z.object({
      name: target(),
      project_root: projectRoot(),
      mode: z.enum(["auto", "transcript", "pane"]).default("auto"),
      limit: z.number().int().min(1).max(500).default(20),
      pane_lines: z.number().int().min(1).max(2000).default(80),
    }),
    output: z.object({
      ...ok(),
      mode: z.enum(["transcript", "pane"]),
      id: z.string().optional().describe("The peer's short session id."),
      client: z.string().optional(),
      machine: z.string().optional().describe("The machine the peer runs on, when not yours."),
      worktree: z.string().optional().describe("The peer's worktree, when not yours: relative to yours."),
      turns: z.array(TurnSchema()).optional().describe("Oldest first."),
      newest: age().optional().describe("Age of the newest turn."),
      truncated: z.literal(true).optional().describe("Older turns exist."),
      total_turns: z.number().optional(),
      pane_text: z.string().optional(),
    }),
    annotations: readOnly,
  }),
  claim_session: () => ({
    name: "claim_session",
    title: "Claim my session id",
    description:
      "Tell oxtail your session id, only when get_my_session shows none (its hint says where to find it).",
    input: z.object({ session_id: sessionId() }),
    output: z.object({ ...ok(), session_id: z.string(), transcript_path: z.string().nullable() }),
    annotations: localWrite,
    fieldErrors: { session_id: "invalid-session-id" },
  }),
  set_my_state: () => ({
    name: "set_my_state",
    title: "Set my state card",
    description: "Post a one-line card saying what you are working on; peers see it in the list.",
    input: z.object({
      purpose: z.string().max(MAX_PURPOSE_CHARS).describe(`At most ${MAX_PURPOSE_CHARS} characters`),
    }),
    output: z.object({ ...ok(), state: StateCardSchema }),
    annotations: localWrite,
    fieldErrors: { purpose: "invalid-state" },
  }),
  send_message: () => ({
    name: "send_message",
    title: "Send a message to a peer",
    description: 'Message one peer, a list, or "*" (all); does NOT wait for an answer (ask_peer does).',
    input: z.object({
      target: sendTarget(),
      body: body("The message"),
      reply_to: z.string().max(64).optional(),
      idempotency_key: idempotencyKey(),
    }),
    output: z.object({
      ...ok(),
      message_id: z.string().optional().describe("One target: the message's id."),
      to_session_id: z.string().nullable().optional(),
      delivery_outlook: DeliveryOutlookSchema.optional(),
      messages: z
        .array(BroadcastEntrySchema())
        .optional()
        .describe('A list or "*": one entry per peer, each with its own id, receipt and outlook.'),
      replayed: z.literal(true).optional(),
    }),
    fieldErrors: { body: "body-too-large" },
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  }),
  read_my_messages: () => ({
    name: "read_my_messages",
    title: "Read my messages",
    description: "Take the messages peers sent you, oldest first. Answer with send_message(reply_to=id).",
    input: z.object({
      max_messages: z
        .number()
        .int()
        .min(1)
        .max(500)
        .optional()
        .describe(`Default ${DEFAULT_READ_MAX_MESSAGES}`),
      max_bytes: z
        .number()
        .int()
        .min(1024)
        .max(MAX_READ_BYTES)
        .optional()
        .describe(`Default ${DEFAULT_READ_MAX_BYTES}`),
    }),
    output: z.object({
      ...ok(),
      messages: z.array(MessageOutSchema()),
      remaining: z.number().int(),
      note: z.string().optional().describe("How to take these messages (from peers or from the user)."),
    }),
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
  }),
  ask_peer: () => ({
    name: "ask_peer",
    title: "Ask a peer and wait",
    description:
      "Ask a peer and wait for its reply, waking it if idle. After a timeout the reply comes as a message.",
    input: z.object({
      target: askTarget(),
      body: body("The question"),
      idempotency_key: idempotencyKey(),
      timeout_ms: z.number().int().min(1).max(3_600_000).optional().describe("Default 45000"),
    }),
    output: z.object({
      ...ok(),
      question_id: z.string(),
      replayed: z.literal(true).optional(),
      delivery_outlook: DeliveryOutlookSchema.describe(
        "How the question was expected to reach the peer, at send time.",
      ),
      timed_out: z.boolean(),
      reply: MessageOutSchema().nullable(),
      note: z.string().optional().describe("How to take the reply."),
      wake: WakeReportSchema,
    }),
    fieldErrors: { body: "body-too-large" },
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  }),
  register_my_session: () => ({
    name: "register_my_session",
    title: "Register my session (debug)",
    description: "Debugging only: pin your session id and client type. Prefer claim_session.",
    input: z.object({
      session_id: sessionId(),
      client_type: z
        .string()
        .regex(CLIENT_TYPE_RE, "a client type: an adapter's name (lower-case letters, digits and -)")
        .optional(),
    }),
    output: z.object({ ...ok(), session_id: z.string(), client_type: z.string().nullable() }),
    annotations: localWrite,
    fieldErrors: { session_id: "invalid-session-id" },
  }),
  get_my_session: () => ({
    name: "get_my_session",
    title: "Get my session",
    description: "Show your own record as peers see it, and how oxtail detected your session.",
    input: z.object({}),
    output: z.object({
      ...ok(),
      record: z.record(z.string(), z.unknown()),
      session_id_hint: z
        .string()
        .optional()
        .describe("Where your client keeps its session id, when oxtail knows your client."),
      detection: z.array(
        z.object({ adapter: z.string(), strategy: z.string(), found: z.boolean(), reason: z.string() }),
      ),
      adapters: z.array(z.object({ name: z.string(), loaded: z.boolean(), error: z.string().optional() })),
      /** Where the registry and mailboxes live (SPEC §12): `name` (`fs`, `nats`) and its settings, no secrets. */
      transport: z.record(z.string(), z.unknown()).optional(),
    }),
    annotations: readOnly,
  }),
  wake_status: () => ({
    name: "wake_status",
    title: "Can a peer be woken",
    description: "Tell whether and how a peer could be woken now, without waking it.",
    input: z.object({ target: target() }),
    output: z.object({
      ...ok(),
      session_id: z.string().nullable(),
      client_type: z.string().nullable(),
      pane: z.string().nullable(),
      liveness: LivenessSchema().nullable(),
      strategy: z.string().nullable(),
      ready: z.boolean(),
      /** When not ready: what a wake now would report (`pane-unverified`: nothing would be typed). */
      outcome: z.enum(["skipped", "pane-unverified"]).nullable(),
      reason: z.string(),
      last_wake: WakeReportSchema.nullable(),
    }),
    annotations: readOnly,
  }),
  message_status: () => ({
    name: "message_status",
    title: "Message status",
    description: "What became of messages you sent: queued, delivered (when, how), replied or expired.",
    input: z
      .object({
        id: z.string().max(64).optional().describe("A message id"),
        ids: z
          .array(z.string().max(64))
          .min(1)
          .max(MAX_STATUS_IDS)
          .optional()
          .describe(`At most ${MAX_STATUS_IDS} ids`),
      })
      .refine((a) => (a.id === undefined) !== (a.ids === undefined), "give either id or ids"),
    output: z.object({
      ...ok(),
      receipts: z
        .array(z.union([ReceiptOutSchema(), StatusErrorSchema()]))
        .describe(
          "One entry per id asked, in order: the receipt, or why there is none (not-found, out-of-scope).",
        ),
    }),
    annotations: readOnly,
  }),
} satisfies Record<string, () => ToolContract>;

/** Every MCP tool of SPEC §3, by name, each built on first use. The server wires handlers to these. */
export const TOOL_CONTRACTS = builtOnFirstRead(TOOL_CONTRACT_BUILDERS);

/** The name of a tool of SPEC §3. */
export type ToolName = keyof typeof TOOL_CONTRACTS;
/** The names of every tool, in SPEC order. */
export const TOOL_NAMES: readonly ToolName[] = Object.keys(TOOL_CONTRACTS) as ToolName[];
