import {
  type ReadTranscriptOptions,
  shorten,
  summarizeArguments,
  type ToolCallSummary,
  type TranscriptTail,
  type Turn,
} from "@oxtail/core";
import { type ChatMessage, isSessionContext, messagesBackward, partsText } from "./records.js";

/** Longest rendering of a tool call's result. */
const RESULT_MAX = 240;

interface ToolCall {
  name?: unknown;
  displayName?: unknown;
  args?: unknown;
  resultDisplay?: unknown;
  result?: unknown;
  status?: unknown;
}

/** A tool call's result as the user saw it (`resultDisplay`), else the text the model got. */
function resultText(call: ToolCall): string | null {
  if (typeof call.resultDisplay === "string" && call.resultDisplay) return call.resultDisplay;
  if (Array.isArray(call.result)) {
    const outputs = (call.result as { functionResponse?: { response?: { output?: unknown } } }[])
      .map((r) => r?.functionResponse?.response?.output)
      .filter((o): o is string => typeof o === "string");
    if (outputs.length > 0) return outputs.join("\n");
  }
  return call.status === "error" ? "(error)" : null;
}

/** One chat message as a clean turn, or null (UI notices, tool-result carriers, the session context). */
export function turnOf(message: ChatMessage): Turn | null {
  const r = message.record;
  const timestamp = message.timestamp;
  if (message.type === "user") {
    // What the model got, without the context hooks appended (`<hook_context>` parts). Not
    // `displayContent`: measured in 0.61.0, it can repeat an earlier prompt of the same turn.
    const text = (partsText(r.content, { withoutHookContext: true }) || partsText(r.displayContent)).trim();
    if (!text || isSessionContext(text)) return null;
    return { role: "user", text, timestamp, toolCalls: [] };
  }
  if (message.type === "gemini") {
    const text = partsText(r.content).trim();
    const calls = Array.isArray(r.toolCalls) ? (r.toolCalls as ToolCall[]) : [];
    const toolCalls: ToolCallSummary[] = calls
      .filter((c) => c && typeof c === "object")
      .map((c) => {
        const result = resultText(c);
        return {
          name: String(c.name ?? "?"),
          summary: summarizeArguments(c.args),
          result: result === null ? null : shorten(result, RESULT_MAX),
        };
      });
    if (!text && toolCalls.length === 0) return null;
    return { role: "assistant", text, timestamp, toolCalls };
  }
  if (message.type === "error") {
    const text = partsText(r.content).trim();
    return text ? { role: "system", text: `Error: ${text}`, timestamp, toolCalls: [] } : null;
  }
  return null; // info, warning: notices of the TUI, not the conversation
}

/**
 * Read the newest `limit` turns of a Gemini CLI chat (`~/.gemini/tmp/<project>/chats/session-*.jsonl`),
 * reading the file backwards only as far as needed: each message once (its newest version: a model
 * message is re-appended as its tool calls complete), rewound messages left out, a whole-history
 * `$set` honoured. Thoughts are left out; info and warning notices are not turns.
 */
export async function readGeminiChat(file: string, options: ReadTranscriptOptions): Promise<TranscriptTail> {
  const limit = Math.max(1, options.limit);
  const newestFirst: Turn[] = [];
  let complete = true;
  for await (const message of messagesBackward(file)) {
    if (newestFirst.length > limit) {
      complete = false;
      break;
    }
    const turn = turnOf(message);
    if (turn) newestFirst.push(turn);
  }
  return {
    turns: newestFirst.slice(0, limit).reverse(),
    truncated: newestFirst.length > limit,
    totalTurns: complete ? newestFirst.length : null,
  };
}
