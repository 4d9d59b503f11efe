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

/** Longest rendering of a tool call's result. */
const RESULT_MAX = 240;

interface Block {
  type?: string;
  text?: string;
  name?: string;
  id?: string;
  input?: unknown;
  tool_use_id?: string;
  content?: unknown;
}

function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return (content as Block[])
    .filter((b) => b && b.type === "text" && typeof b.text === "string")
    .map((b) => b.text as string)
    .join("\n");
}

/** `<command-name>/compact</command-name><command-args>x</command-args>` → `/compact x`. */
function slashCommand(text: string): string | null {
  const name = /<command-name>([^<]*)<\/command-name>/.exec(text)?.[1];
  if (!name) return null;
  const args = /<command-args>([^<]*)<\/command-args>/.exec(text)?.[1]?.trim();
  return args ? `${name} ${args}` : name;
}

const CROSS_SESSION_RE = /^<cross-session-message\b([^>]*)>([\s\S]*?)(?:<\/cross-session-message>)?\s*$/;

/**
 * Claude Code's own messages between sessions arrive as user records whose text is
 * `<cross-session-message from="…" name="…">…</cross-session-message>` (some versions say `from-name`):
 * a peer's message, not the user's prompt. Returns the sender and the text inside, or null.
 */
export function crossSessionMessage(
  text: string,
): { from: { id: string | null; name: string | null }; text: string } | null {
  const match = CROSS_SESSION_RE.exec(text);
  if (!match) return null;
  const attrs = new Map<string, string>();
  for (const [, key, value] of (match[1] ?? "").matchAll(/([\w-]+)="([^"]*)"/g))
    if (key !== undefined && value !== undefined) attrs.set(key, value);
  return {
    from: { id: attrs.get("from") ?? null, name: attrs.get("name") ?? attrs.get("from-name") ?? null },
    text: (match[2] ?? "").trim(),
  };
}

/** A pending assistant message, built backwards from the records that share its `message.id`. */
interface AssistantGroup {
  id: string;
  blocks: Block[];
  timestamp: string | null;
  sidechain: boolean;
}

/**
 * Read the newest `limit` turns of a Claude Code transcript, reading the file backwards
 * only as far as needed. A turn is one user prompt or one API message of the assistant
 * (Claude writes one record per content block, sharing `message.id`: they are merged).
 * Tool results, which come back in user records, are paired with their calls. Thinking
 * is left out; sub-agent (sidechain) records are left out unless asked for; unknown
 * record types and malformed or partial lines are skipped.
 */
export async function readClaudeTranscript(
  file: string,
  options: ReadTranscriptOptions,
): Promise<TranscriptTail> {
  const limit = Math.max(1, options.limit);
  const turns: Turn[] = [];
  const results = new Map<string, string>();
  let group: AssistantGroup | null = null;
  let complete = true;

  const flush = (): void => {
    if (!group) return;
    // Whitespace-only text blocks (seen between tool calls) are not text.
    const text = group.blocks
      .filter((b) => b.type === "text" && typeof b.text === "string" && b.text.trim() !== "")
      .map((b) => b.text)
      .join("\n");
    const toolCalls: ToolCallSummary[] = group.blocks
      .filter((b) => b.type === "tool_use")
      .map((b) => ({
        name: String(b.name ?? "?"),
        summary: summarizeArguments(b.input),
        result: b.id && results.has(b.id) ? shorten(results.get(b.id) as string, RESULT_MAX) : null,
      }));
    if (text || toolCalls.length > 0) {
      turns.push({
        role: "assistant",
        text,
        timestamp: group.timestamp,
        toolCalls,
        ...(group.sidechain ? { sidechain: true } : {}),
      });
    }
    group = null;
  };
  const push = (turn: Turn): void => {
    flush();
    turns.push(turn);
  };

  for await (const line of readLinesBackward(file)) {
    if (turns.length > limit) {
      complete = false;
      break;
    }
    const record = parseJsonLine(line);
    if (!record) continue;
    const sidechain = record.isSidechain === true;
    if (sidechain && !options.includeSidechains) continue;
    const timestamp = typeof record.timestamp === "string" ? record.timestamp : null;
    const side = sidechain ? { sidechain: true } : {};
    const message = record.message as { id?: string; content?: unknown } | undefined;

    if (record.type === "assistant" && message && Array.isArray(message.content)) {
      const id = typeof message.id === "string" ? message.id : `record:${String(record.uuid)}`;
      if (group && group.id !== id) flush();
      if (!group) group = { id, blocks: [], timestamp, sidechain };
      group.blocks.unshift(...(message.content as Block[]));
      group.timestamp = timestamp ?? group.timestamp;
      continue;
    }
    if (record.type === "user" && message) {
      if (record.isMeta === true) continue;
      const content = message.content;
      if (Array.isArray(content)) {
        for (const block of content as Block[]) {
          if (block?.type === "tool_result" && typeof block.tool_use_id === "string") {
            results.set(
              block.tool_use_id,
              typeof block.content === "string" ? block.content : contentText(block.content),
            );
          }
        }
      }
      const text = contentText(content).trim();
      if (!text) continue;
      if (record.isCompactSummary === true) {
        push({
          role: "system",
          text: `Summary of the earlier conversation: ${shorten(text, 400)}`,
          timestamp,
          toolCalls: [],
          ...side,
        });
      } else if (text.startsWith("<local-command-stdout>") || text.startsWith("<local-command-stderr>")) {
        // output of a local slash command: not part of the conversation
      } else {
        const peer = crossSessionMessage(text);
        if (peer) push({ role: "peer", from: peer.from, text: peer.text, timestamp, toolCalls: [], ...side });
        else push({ role: "user", text: slashCommand(text) ?? text, timestamp, toolCalls: [], ...side });
      }
      continue;
    }
    if (record.type === "system" && record.subtype === "compact_boundary") {
      push({ role: "system", text: "Conversation compacted.", timestamp, toolCalls: [], ...side });
      continue;
    }
    if (record.type === "summary" && typeof record.summary === "string") {
      push({
        role: "system",
        text: `Summary: ${shorten(record.summary, 400)}`,
        timestamp,
        toolCalls: [],
        ...side,
      });
    }
  }
  if (complete) flush();
  const newestFirst = turns.slice(0, limit);
  return {
    turns: newestFirst.reverse(),
    truncated: turns.length > limit,
    totalTurns: complete ? turns.length : null,
  };
}
