import { z } from "zod";
import { ERROR_CODES } from "../errors.js";
import { MAX_BODY_BYTES } from "../mailbox/types.js";
import { StateCardSchema } from "../registry/types.js";

/** Version of every tool's structured output. */
export const TOOL_SCHEMA_VERSION = 1;
/** `ask_peer`'s default wait (SPEC §3), overridden by `OXTAIL_ASK_PEER_TIMEOUT_MS`. */
export const DEFAULT_ASK_TIMEOUT_MS = 45_000;

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

const target = z
  .string()
  .min(1)
  .max(512)
  .describe("A peer's tmux session name, or its client session id (UUID).");
const projectRoot = z
  .string()
  .max(4096)
  .optional()
  .describe("Project root to look in. Omit to use the nearest folder with .git above this server's cwd.");
const sessionId = z.string().max(128).describe("The client's session id: a UUID.");

const WakeReportSchema = z.object({
  attempted: z.boolean(),
  strategy: z.string().nullable(),
  outcome: z.string(),
  verified_after_ms: z.number().nullable(),
  reason: z.string(),
});

const LivenessSchema = z.object({
  state: z.enum(["busy", "idle", "unknown"]),
  last_activity: z.string().nullable(),
  reason: z.string(),
});

const SessionRowSchema = z.object({
  tmux_session: z.string().nullable(),
  window: z.string().nullable(),
  pane: z.string().nullable(),
  cwd: z.string().nullable(),
  attached: z.boolean().nullable(),
  client_type: z.string().nullable(),
  session_id: z.string().nullable(),
  state: StateCardSchema.nullable(),
  liveness: LivenessSchema.nullable(),
  last_activity: z.string().nullable(),
  is_me: z.boolean(),
});

const MessageOutSchema = z.object({
  id: z.string(),
  from: z.object({
    session_id: z.string().nullable(),
    client_type: z.string().nullable(),
    display_name: z.string(),
  }),
  body: z.string(),
  reply_to: z.string().nullable(),
  created_at: z.string(),
});

const TurnSchema = z.object({
  role: z.enum(["user", "assistant", "system"]),
  text: z.string(),
  timestamp: z.string().nullable(),
  tool_calls: z.array(
    z.object({ name: z.string(), summary: z.string(), result: z.string().nullable().optional() }),
  ),
});

const ok = { ok: z.literal(true), schema_version: z.literal(TOOL_SCHEMA_VERSION) };
const scopeOut = { project_root: z.string(), inferred: z.boolean() };

/** One tool's contract: name, description for the model, schemas and annotations. */
export interface ToolContract<I extends z.ZodObject = z.ZodObject, O extends z.ZodObject = z.ZodObject> {
  name: string;
  title: string;
  description: string;
  input: I;
  output: O;
  annotations: ToolAnnotations;
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

/** Every MCP tool of SPEC §3, by name. The server wires handlers to these. */
export const TOOL_CONTRACTS = {
  list_project_sessions: {
    name: "list_project_sessions",
    title: "List project sessions",
    description:
      "List the agents (Claude Code, Codex, …) and other tmux sessions working in this project root: one row per agent with its session id, client, tmux pane, state card and busy/idle. Use it first to find a peer to read, message or ask.",
    input: z.object({ project_root: projectRoot }),
    output: z.object({
      ...ok,
      ...scopeOut,
      rows: z.array(SessionRowSchema),
      error: z
        .string()
        .optional()
        .describe("Non-fatal: tmux is absent or has no server; registry rows still listed."),
    }),
    annotations: readOnly,
  },
  read_session: {
    name: "read_session",
    title: "Read a peer's session",
    description:
      "Read what a peer agent has been doing: its transcript as clean turns (newest `limit`), or the last lines of its tmux pane. `name` is a tmux session name or a session id. Read-only; it does not message the peer.",
    input: z.object({
      name: target,
      project_root: projectRoot,
      mode: z.enum(["auto", "transcript", "pane"]).default("auto"),
      limit: z.number().int().min(1).max(500).default(20),
      pane_lines: z.number().int().min(1).max(2000).default(80),
    }),
    output: z.object({
      ...ok,
      mode: z.enum(["transcript", "pane"]),
      session_id: z.string().nullable(),
      client_type: z.string().nullable(),
      turns: z.array(TurnSchema).optional(),
      truncated: z.boolean().optional(),
      total_messages: z.number().nullable().optional(),
      pane_text: z.string().optional(),
    }),
    annotations: readOnly,
  },
  claim_session: {
    name: "claim_session",
    title: "Claim my session id",
    description:
      "Tell this oxtail server which agent session it serves (Claude: $CLAUDE_CODE_SESSION_ID; Codex: $CODEX_THREAD_ID). Needed only when get_my_session shows no session id. Finds your transcript and moves any mail waiting for this server into your session's mailbox.",
    input: z.object({ session_id: sessionId }),
    output: z.object({ ...ok, session_id: z.string(), transcript_path: z.string().nullable() }),
    annotations: localWrite,
  },
  set_my_state: {
    name: "set_my_state",
    title: "Set my state card",
    description:
      "Post a one-line state card (≤ 200 chars) saying what you are working on, so peers see it in list_project_sessions without reading your transcript.",
    input: z.object({
      purpose: z.string().max(1000).describe("What you are doing, in one plain line (≤ 200 chars)."),
    }),
    output: z.object({ ...ok, state: StateCardSchema }),
    annotations: localWrite,
  },
  send_message: {
    name: "send_message",
    title: "Send a message to a peer",
    description: `Send a message to a peer agent in this project (by tmux name or session id). Fire-and-forget: it does NOT wait for an answer and does not wake the peer; use ask_peer to delegate and wait. Body ≤ ${MAX_BODY_BYTES} bytes. Set reply_to to answer a message you received.`,
    input: z.object({
      target,
      body: z.string().describe(`The message, plain text, ≤ ${MAX_BODY_BYTES} bytes.`),
      reply_to: z.string().max(64).optional().describe("Id of the message this answers."),
    }),
    output: z.object({ ...ok, message_id: z.string(), to_session_id: z.string().nullable() }),
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  },
  read_my_messages: {
    name: "read_my_messages",
    title: "Read my messages",
    description:
      "Return and consume the messages peers sent you, oldest first, each with its sender and id. Answer one with send_message(reply_to=id).",
    input: z.object({}),
    output: z.object({ ...ok, messages: z.array(MessageOutSchema) }),
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
  },
  ask_peer: {
    name: "ask_peer",
    title: "Ask a peer and wait",
    description:
      "Delegate to a peer agent and wait for its answer: sends the question, wakes the peer if it sits idle at its prompt, and returns the peer's reply. On timeout the question stays delivered and a late reply arrives through read_my_messages.",
    input: z.object({
      target,
      body: z.string().describe(`The question, plain text, ≤ ${MAX_BODY_BYTES} bytes.`),
      timeout_ms: z
        .number()
        .int()
        .min(1)
        .max(3_600_000)
        .optional()
        .describe("How long to wait (default 45 s)."),
    }),
    output: z.object({
      ...ok,
      question_id: z.string(),
      timed_out: z.boolean(),
      reply: MessageOutSchema.nullable(),
      wake: WakeReportSchema,
    }),
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  },
  register_my_session: {
    name: "register_my_session",
    title: "Register my session (debug)",
    description:
      "Pin this server's identity directly, for debugging. Prefer claim_session, which also finds the transcript.",
    input: z.object({ session_id: sessionId, client_type: z.string().max(64).optional() }),
    output: z.object({ ...ok, session_id: z.string(), client_type: z.string().nullable() }),
    annotations: localWrite,
  },
  get_my_session: {
    name: "get_my_session",
    title: "Get my session",
    description:
      "Show this server's registry record and how session detection went (each strategy, what it found, why one won). Use it to check that peers can see you.",
    input: z.object({}),
    output: z.object({
      ...ok,
      record: z.record(z.string(), z.unknown()),
      detection: z.array(
        z.object({ adapter: z.string(), strategy: z.string(), found: z.boolean(), reason: z.string() }),
      ),
      adapters: z.array(z.object({ name: z.string(), loaded: z.boolean(), error: z.string().optional() })),
    }),
    annotations: readOnly,
  },
  wake_status: {
    name: "wake_status",
    title: "Can a peer be woken",
    description:
      "Tell whether and how a peer can be woken now: its client, whether its tmux pane is reachable, busy or idle, and the wake strategy that would be used. Does not wake it.",
    input: z.object({ target }),
    output: z.object({
      ...ok,
      session_id: z.string().nullable(),
      client_type: z.string().nullable(),
      pane: z.string().nullable(),
      liveness: LivenessSchema.nullable(),
      strategy: z.string().nullable(),
      ready: z.boolean(),
      reason: z.string(),
      last_wake: WakeReportSchema.nullable(),
    }),
    annotations: readOnly,
  },
} as const satisfies Record<string, ToolContract>;

/** The name of a tool of SPEC §3. */
export type ToolName = keyof typeof TOOL_CONTRACTS;
/** The names of every tool, in SPEC order. */
export const TOOL_NAMES: readonly ToolName[] = Object.keys(TOOL_CONTRACTS) as ToolName[];
