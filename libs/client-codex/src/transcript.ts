import {
  parseJsonLine,
  type ReadTranscriptOptions,
  readLinesBackward,
  shorten,
  summarizeArguments,
  type ToolCallSummary,
  type TranscriptTail,
  type Turn,
} from "@oxtail/core";

const RESULT_MAX = 240;

/** User-role messages Codex writes for itself (context, instructions), not typed by a person. */
const HARNESS_PREFIXES = [
  "<environment_context>",
  "<user_instructions>",
  "<skills_instructions>",
  "<permissions",
  "# AGENTS.md",
  "<turn_aborted>",
];

interface Part {
  type?: string;
  text?: string;
}

function partsText(content: unknown, kind: "input_text" | "output_text"): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return (content as Part[])
    .filter((p) => p && (p.type === kind || p.type === "text") && typeof p.text === "string")
    .map((p) => p.text as string)
    .join("\n");
}

function outputText(output: unknown): string {
  if (typeof output === "string") return output;
  if (Array.isArray(output)) return partsText(output, "input_text");
  if (output && typeof output === "object" && typeof (output as { content?: unknown }).content === "string") {
    return (output as { content: string }).content;
  }
  return JSON.stringify(output ?? "");
}

interface Group {
  text: string | null;
  timestamp: string | null;
  calls: { name: string; summary: string; callId: string | null }[];
}

/**
 * Read the newest `limit` turns of a Codex rollout, reading it backwards only as far as
 * needed. A user turn is a message the person typed (Codex's own context messages and
 * developer instructions are left out); an assistant turn is one assistant message
 * together with the tool calls that led to it, each paired with its output. Reasoning
 * is left out; unknown records and malformed or partial lines are skipped.
 */
export async function readCodexRollout(
  file: string,
  options: ReadTranscriptOptions,
): Promise<TranscriptTail> {
  const limit = Math.max(1, options.limit);
  const turns: Turn[] = [];
  const outputs = new Map<string, string>();
  let group: Group | null = null;
  let complete = true;

  const flush = (): void => {
    if (!group) return;
    const toolCalls: ToolCallSummary[] = group.calls.map((c) => ({
      name: c.name,
      summary: c.summary,
      result: c.callId && outputs.has(c.callId) ? shorten(outputs.get(c.callId) as string, RESULT_MAX) : null,
    }));
    turns.push({ role: "assistant", text: group.text ?? "", timestamp: group.timestamp, toolCalls });
    group = null;
  };

  for await (const line of readLinesBackward(file)) {
    if (turns.length > limit) {
      complete = false;
      break;
    }
    const record = parseJsonLine(line);
    if (!record) continue;
    const timestamp = typeof record.timestamp === "string" ? record.timestamp : null;
    const payload = record.payload as Record<string, unknown> | undefined;
    if (record.type === "compacted") {
      flush();
      const summary =
        typeof payload?.message === "string" && payload.message
          ? ` Summary: ${shorten(payload.message, 400)}`
          : "";
      turns.push({ role: "system", text: `Conversation compacted.${summary}`, timestamp, toolCalls: [] });
      continue;
    }
    if (record.type !== "response_item" || !payload) continue;

    switch (payload.type) {
      case "message": {
        if (payload.role === "assistant") {
          const text = partsText(payload.content, "output_text");
          // Read backwards, a group is closed by the message that ends it. Calls gathered with no
          // message yet came after this one (the rollout ends, or the turn was aborted, right after
          // them): they are a turn of their own, not this message's.
          if (group) flush();
          if (!group) group = { text: null, timestamp, calls: [] };
          group.text = text;
          group.timestamp = timestamp;
        } else if (payload.role === "user") {
          const text = partsText(payload.content, "input_text").trim();
          if (!text || HARNESS_PREFIXES.some((p) => text.startsWith(p))) continue;
          flush();
          turns.push({ role: "user", text, timestamp, toolCalls: [] });
        }
        break;
      }
      case "function_call":
      case "custom_tool_call": {
        const name = String(payload.name ?? "?");
        const namespace = typeof payload.namespace === "string" ? payload.namespace : null;
        if (!group) group = { text: null, timestamp, calls: [] };
        group.calls.unshift({
          name: namespace ? `${namespace}__${name}` : name,
          summary: summarizeArguments(payload.type === "function_call" ? payload.arguments : payload.input),
          callId: typeof payload.call_id === "string" ? payload.call_id : null,
        });
        if (group.text === null) group.timestamp = timestamp;
        break;
      }
      case "function_call_output":
      case "custom_tool_call_output":
        if (typeof payload.call_id === "string") outputs.set(payload.call_id, outputText(payload.output));
        break;
      default:
        break;
    }
  }
  if (complete) flush();
  return {
    turns: turns.slice(0, limit).reverse(),
    truncated: turns.length > limit,
    totalTurns: complete ? turns.length : null,
  };
}
