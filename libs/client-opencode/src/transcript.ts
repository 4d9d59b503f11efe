import {
  OxtailError,
  type ReadTranscriptOptions,
  shorten,
  summarizeArguments,
  type ToolCallSummary,
  type TranscriptTail,
  type Turn,
} from "@oxtail/core";
import { serverRequest } from "./server-api.js";
import { newestState } from "./state.js";

/** At most this many messages are asked of the server in one read (the server reads its store from the end). */
const MAX_MESSAGES = 1000;

type Part = {
  type?: unknown;
  text?: unknown;
  synthetic?: unknown;
  ignored?: unknown;
  tool?: unknown;
  state?: { status?: unknown; input?: unknown; output?: unknown };
};
type Message = { info?: { role?: unknown; time?: { created?: unknown } }; parts?: unknown };

/** One message of `GET /session/{id}/message` as a clean turn, or null when it holds nothing to show. */
export function messageTurn(message: Message): Turn | null {
  const role = message.info?.role;
  if (role !== "user" && role !== "assistant") return null;
  const parts = Array.isArray(message.parts) ? (message.parts as Part[]) : [];
  const texts: string[] = [];
  const toolCalls: ToolCallSummary[] = [];
  for (const part of parts) {
    if (!part || typeof part !== "object") continue;
    if (part.type === "text" && typeof part.text === "string" && !part.synthetic && !part.ignored)
      texts.push(part.text);
    if (part.type === "tool" && typeof part.tool === "string") {
      const output = part.state?.output;
      toolCalls.push({
        name: part.tool,
        summary: summarizeArguments(part.state?.input),
        ...(typeof output === "string" ? { result: shorten(output, 300) } : {}),
      });
    }
  }
  const text = texts.join("\n").trim();
  if (!text && toolCalls.length === 0) return null;
  const created = message.info?.time?.created;
  const timestamp =
    typeof created === "number" && Number.isFinite(created) ? new Date(created).toISOString() : null;
  return { role, text, timestamp, toolCalls };
}

/**
 * The tail of an OpenCode session. OpenCode keeps sessions in SQLite, which Node 20 cannot open
 * without a native module; so the adapter asks the session's own TUI server, which reads its store
 * newest-first: `GET /session/{id}/message?limit=N` (measured on 1.18.33). `file` is the session's
 * state log (src/state.ts), read from its end for the session id and server URL. A log that names no
 * session has no turns; a server that does not answer is `no-transcript`, saying why.
 */
export async function readOpenCodeTranscript(
  file: string,
  { limit }: ReadTranscriptOptions,
): Promise<TranscriptTail> {
  const state = await newestState(file);
  if (!state) return { turns: [], truncated: false, totalTurns: 0 };
  // Messages without text or tool calls (step markers) do not count: ask for more than `limit`.
  const asked = Math.min(MAX_MESSAGES, Math.max(2, limit * 2 + 1));
  let messages: Message[];
  try {
    const response = await serverRequest(
      state,
      `session/${encodeURIComponent(state.session)}/message?limit=${asked}`,
    );
    if (!response.ok) throw new Error(`it answered HTTP ${response.status}`);
    const body = (await response.json()) as unknown;
    if (!Array.isArray(body)) throw new Error("its answer is not a list of messages");
    messages = body as Message[];
  } catch (error) {
    throw new OxtailError(
      "no-transcript",
      `OpenCode session ${state.session}: its server (${state.serverUrl ?? "none"}) gave no messages: ${(error as Error).message}. OpenCode's store is SQLite and is read through the TUI's server: start OpenCode with --port, and it must be running.`,
      { origin: "client-opencode", data: { path: file }, cause: error },
    );
  }
  const turns = messages.map(messageTurn).filter((t): t is Turn => t !== null);
  const cut = turns.length > limit || messages.length >= asked;
  return {
    turns: turns.slice(-limit),
    truncated: cut,
    totalTurns: cut ? null : turns.length,
  };
}
