import type { AgentRecord, OxtailErrorCode, ToolCallSummary, TranscriptTail, Turn } from "@oxtail/core";
import { ERROR_CODES, isOxtailError, OxtailError } from "@oxtail/core";
import type { WakeHandlers } from "@oxtail/core/runtime";

/** How long reading an agent's turns or pane waits for its machine, ms. */
export const REMOTE_READ_MS = 5000;
/**
 * The most an answer to a read may weigh, bytes: well under the 1 MiB a nats-server carries by default
 * (`max_payload`). The oldest turns go first, then the start of a turn's text or of the pane.
 */
export const MAX_READ_ANSWER_BYTES = 512 * 1024;

const MAX_TURNS = 500;
const MAX_PANE_LINES = 2000;

/** What a server answers to a read of its agent's session. */
type ReadAnswer =
  | { ok: true; tail: TranscriptTail }
  | { ok: true; pane: string }
  | { ok: false; error: OxtailErrorCode; message: string };

/** A count from a request: a whole number within 1..max (anything else: `fallback`). */
function countOf(value: unknown, max: number, fallback: number): number {
  return typeof value === "number" && Number.isInteger(value) && value >= 1 ? Math.min(value, max) : fallback;
}

const bytesOf = (value: unknown) => Buffer.byteLength(JSON.stringify(value));

/** The end of `text` that fits in `bytes` (UTF-8), cut at a character. */
function tailOf(text: string, bytes: number): string {
  const buffer = Buffer.from(text);
  if (buffer.length <= bytes) return text;
  return buffer
    .subarray(buffer.length - bytes)
    .toString("utf8")
    .replace(/^\uFFFD+/, "");
}

/** A transcript tail that fits {@link MAX_READ_ANSWER_BYTES}: the oldest turns dropped first. */
function fitTail(tail: TranscriptTail): TranscriptTail {
  const turns = tail.turns.slice(-MAX_TURNS);
  let truncated = tail.truncated || turns.length < tail.turns.length;
  while (turns.length > 1 && bytesOf(turns) > MAX_READ_ANSWER_BYTES) {
    turns.shift();
    truncated = true;
  }
  const only = turns[0];
  if (turns.length === 1 && only && bytesOf(turns) > MAX_READ_ANSWER_BYTES)
    turns[0] = { ...only, text: tailOf(only.text, MAX_READ_ANSWER_BYTES / 2), toolCalls: [] };
  return { turns, truncated, totalTurns: tail.totalTurns };
}

/**
 * Answer another machine's read of this server's agent (`op` "turns" or "pane"), through the server's
 * own handlers; null when the op is no read or the server cannot serve it.
 */
export function answerRead(
  handlers: WakeHandlers,
  request: { op: string; limit?: unknown; lines?: unknown },
): Promise<ReadAnswer> | null {
  const failed = (error: unknown): ReadAnswer =>
    isOxtailError(error)
      ? { ok: false, error: error.code, message: error.detail.slice(0, 500) }
      : { ok: false, error: "internal-error", message: "its server could not read its session" };
  if (request.op === "turns" && handlers.turns)
    return handlers
      .turns(countOf(request.limit, MAX_TURNS, 20))
      .then((tail): ReadAnswer => ({ ok: true, tail: fitTail(tail) }), failed);
  if (request.op === "pane" && handlers.pane)
    return handlers
      .pane(countOf(request.lines, MAX_PANE_LINES, 80))
      .then((text): ReadAnswer => ({ ok: true, pane: tailOf(text, MAX_READ_ANSWER_BYTES) }), failed);
  return null;
}

const isString = (value: unknown): value is string => typeof value === "string";
const ROLES: readonly string[] = ["user", "assistant", "system", "peer"];

/** A turn another machine sent, checked field by field (it is that machine's data); null when malformed. */
function turnOf(raw: unknown): Turn | null {
  if (!raw || typeof raw !== "object") return null;
  const t = raw as Record<string, unknown>;
  if (!isString(t.role) || !ROLES.includes(t.role) || !isString(t.text)) return null;
  if (!(t.timestamp === null || isString(t.timestamp)) || !Array.isArray(t.toolCalls)) return null;
  const toolCalls: ToolCallSummary[] = [];
  for (const call of t.toolCalls as unknown[]) {
    const c = (call ?? {}) as Record<string, unknown>;
    if (!isString(c.name) || !isString(c.summary)) return null;
    toolCalls.push({
      name: c.name,
      summary: c.summary,
      ...(isString(c.result) || c.result === null ? { result: c.result } : {}),
    });
  }
  const from = t.from as Record<string, unknown> | undefined;
  const fromOf = (value: unknown) => (isString(value) ? value : null);
  return {
    role: t.role as Turn["role"],
    text: t.text,
    timestamp: t.timestamp,
    toolCalls,
    ...(from && typeof from === "object" ? { from: { id: fromOf(from.id), name: fromOf(from.name) } } : {}),
    ...(t.sidechain === true ? { sidechain: true } : {}),
  };
}

/** The answer of another machine's server to a read, or the error it stands for. */
function answerOf(got: unknown): ReadAnswer {
  // A server that knows no such request (an older oxtail there) answers null.
  if (got === null)
    return {
      ok: false,
      error: "internal-error",
      message: "its oxtail cannot read its session for other machines: update oxtail there",
    };
  const answer = (got ?? {}) as Record<string, unknown>;
  if (
    answer.ok === false &&
    isString(answer.error) &&
    (ERROR_CODES as readonly string[]).includes(answer.error)
  )
    return {
      ok: false,
      error: answer.error as OxtailErrorCode,
      message: isString(answer.message) ? answer.message.slice(0, 500) : "",
    };
  if (answer.ok === true && isString(answer.pane)) return { ok: true, pane: answer.pane };
  const tail = answer.ok === true ? (answer.tail as Record<string, unknown> | undefined) : undefined;
  if (tail && Array.isArray(tail.turns) && typeof tail.truncated === "boolean") {
    const turns = (tail.turns as unknown[]).slice(-MAX_TURNS).map(turnOf);
    const total = tail.totalTurns;
    if (turns.every((t) => t !== null))
      return {
        ok: true,
        tail: {
          turns: turns as Turn[],
          truncated: tail.truncated,
          totalTurns: typeof total === "number" && Number.isInteger(total) && total >= 0 ? total : null,
        },
      };
  }
  return { ok: false, error: "internal-error", message: "its server sent an answer oxtail cannot read" };
}

/** Sends one request to an agent's server on its own machine and resolves to its JSON answer. */
export type AskServer = (
  agent: AgentRecord,
  request: { op: "turns" | "pane"; deadline: number; limit?: number; lines?: number },
) => Promise<unknown>;

/** Ask an agent's own machine, and turn what comes back (or the silence) into a value or an `OxtailError`. */
async function read(
  ask: AskServer,
  agent: AgentRecord,
  request: Parameters<AskServer>[1],
): Promise<ReadAnswer> {
  let got: unknown;
  try {
    got = await ask(agent, request);
  } catch (error) {
    throw new OxtailError(
      "timeout",
      `The peer's machine did not answer within ${REMOTE_READ_MS / 1000} s (${(error as Error).message}): it may be offline.`,
    );
  }
  const answer = answerOf(got);
  if (!answer.ok) throw new OxtailError(answer.error, `On the peer's machine: ${answer.message}`);
  return answer;
}

/** An agent of another machine's newest turns, read there by its own server; null for this machine's agents. */
export function remoteTurns(
  ask: AskServer,
  isRemote: (agent: AgentRecord) => boolean,
): (agent: AgentRecord, limit: number) => Promise<TranscriptTail> | null {
  return (agent, limit) => {
    if (!isRemote(agent)) return null;
    return read(ask, agent, { op: "turns", limit, deadline: Date.now() + REMOTE_READ_MS }).then((answer) =>
      "tail" in answer
        ? answer.tail
        : Promise.reject(new OxtailError("internal-error", "no turns came back")),
    );
  };
}

/** An agent of another machine's tmux pane, read there by its own server; null for this machine's agents. */
export function remotePane(
  ask: AskServer,
  isRemote: (agent: AgentRecord) => boolean,
): (agent: AgentRecord, lines: number) => Promise<string> | null {
  return (agent, lines) => {
    if (!isRemote(agent)) return null;
    return read(ask, agent, { op: "pane", lines, deadline: Date.now() + REMOTE_READ_MS }).then((answer) =>
      "pane" in answer ? answer.pane : Promise.reject(new OxtailError("internal-error", "no pane came back")),
    );
  };
}
