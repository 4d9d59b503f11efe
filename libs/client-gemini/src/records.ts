import { parseJsonLine, readLinesBackward } from "@oxtail/core";

/**
 * One message of a Gemini CLI chat file (`type` user, gemini, info, error or warning). The file is
 * append-only JSONL: a metadata line, then messages and `{"$set": {...}}` updates; a message that
 * changes (a model message gaining its tool calls and their results, its token counts) is appended
 * again in full with the same `id`; `{"$set": {"messages": [...]}}` replaces the whole history;
 * `{"$rewindTo": "<id>"}` drops that message and every later one.
 */
export interface ChatMessage {
  id: string;
  type: string;
  timestamp: string | null;
  record: Record<string, unknown>;
}

/** How far {@link messagesBackward} reads. */
export interface BackwardOptions {
  /** Most lines to read from the end (default: no limit). */
  maxLines?: number;
}

/**
 * The chat's messages, newest first, each once (its newest version), reading the file backwards:
 * re-appended versions are de-duplicated by id, rewound messages left out, and a whole-history
 * `$set` ends the walk (nothing before it counts). Malformed and partial lines are skipped.
 */
export async function* messagesBackward(
  file: string,
  options: BackwardOptions = {},
): AsyncGenerator<ChatMessage> {
  const seen = new Set<string>();
  /** Ids whose rewind line was read and whose own record (the start of what was dropped) was not. */
  const rewound = new Set<string>();
  let lines = 0;
  const take = (record: Record<string, unknown>): ChatMessage | null => {
    const id = record.id;
    if (typeof id !== "string" || id.length > 200) return null;
    if (rewound.size > 0) {
      // Everything from the rewound message on was dropped: skip back to (and including) it.
      if (rewound.has(id)) rewound.delete(id);
      seen.add(id);
      return null;
    }
    if (seen.has(id)) return null;
    seen.add(id);
    return {
      id,
      type: typeof record.type === "string" ? record.type : "",
      timestamp: typeof record.timestamp === "string" ? record.timestamp : null,
      record,
    };
  };
  for await (const line of readLinesBackward(file)) {
    if (options.maxLines !== undefined && ++lines > options.maxLines) return;
    const record = parseJsonLine(line);
    if (!record) continue;
    if (typeof record.$rewindTo === "string") {
      rewound.add(record.$rewindTo);
      continue;
    }
    const set = record.$set;
    if (set && typeof set === "object" && !Array.isArray(set)) {
      const messages = (set as { messages?: unknown }).messages;
      if (!Array.isArray(messages)) continue;
      for (let i = messages.length - 1; i >= 0; i--) {
        const m = messages[i];
        const message = m && typeof m === "object" ? take(m as Record<string, unknown>) : null;
        if (message) yield message;
      }
      return; // the history as of this line: nothing older counts
    }
    if (typeof record.id !== "string") {
      // The metadata line (`sessionId`, `projectHash`, …) opens the file; it may also carry messages.
      if (typeof record.sessionId === "string") {
        const messages = Array.isArray(record.messages) ? record.messages : [];
        for (let i = messages.length - 1; i >= 0; i--) {
          const m = messages[i];
          const message = m && typeof m === "object" ? take(m as Record<string, unknown>) : null;
          if (message) yield message;
        }
        return;
      }
      continue;
    }
    const message = take(record);
    if (message) yield message;
  }
}

interface Part {
  text?: unknown;
  functionResponse?: { response?: { output?: unknown } };
  thought?: unknown;
}

/** A part that is context a hook appended (`<hook_context>…</hook_context>`), not the prompt itself. */
const isHookContext = (text: string) => /^<hook_context>[\s\S]*<\/hook_context>$/.test(text.trim());

/**
 * The text parts of a message's content (a string, a part, or a list of parts); thoughts left out, and
 * with `withoutHookContext` the parts hooks appended.
 */
export function partsText(content: unknown, options: { withoutHookContext?: boolean } = {}): string {
  if (typeof content === "string") return content;
  const parts = Array.isArray(content) ? content : content && typeof content === "object" ? [content] : [];
  return (parts as Part[])
    .filter((p) => p && typeof p.text === "string" && p.thought !== true)
    .filter((p) => !(options.withoutHookContext && isHookContext(p.text as string)))
    .map((p) => p.text as string)
    .join("\n");
}

/** True when the content carries a tool result (`functionResponse` parts). */
export function hasFunctionResponse(content: unknown): boolean {
  return (
    Array.isArray(content) &&
    (content as Part[]).some((p) => p && typeof p === "object" && "functionResponse" in p)
  );
}

/** The context Gemini CLI sets up as the first user message of every session: not a prompt. */
export function isSessionContext(text: string): boolean {
  return text.trimStart().startsWith("<session_context>");
}
