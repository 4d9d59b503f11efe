import fs from "node:fs";
import {
  type AgentRecord,
  type Liveness,
  parseJsonLine,
  type ReadTranscriptOptions,
  readLinesBackward,
  type TranscriptTail,
  type Turn,
} from "@oxtail/core";

/**
 * Read the newest turns of a Plainlog transcript. Plainlog writes one JSON object per line:
 * `{"role": "user" | "assistant", "text", "ts"}` for a turn, `{"event": "turn_start" | "turn_end", "ts"}`
 * around each turn. The file is read from its end, only as far as `limit` turns (and one more, to
 * know whether older ones exist); markers, unknown records, garbage and a partial last line are skipped.
 * A missing file rejects with `no-transcript` (from `readLinesBackward`).
 */
export async function readPlainlogTranscript(
  file: string,
  { limit }: ReadTranscriptOptions,
): Promise<TranscriptTail> {
  const newestFirst: Turn[] = [];
  let complete = true;
  for await (const line of readLinesBackward(file)) {
    if (newestFirst.length > limit) {
      complete = false;
      break;
    }
    const record = parseJsonLine(line);
    if (!record || (record.role !== "user" && record.role !== "assistant") || typeof record.text !== "string")
      continue;
    newestFirst.push({
      role: record.role,
      text: record.text,
      timestamp: typeof record.ts === "string" ? record.ts : null,
      toolCalls: [],
    });
  }
  return {
    turns: newestFirst.slice(0, limit).reverse(),
    truncated: newestFirst.length > limit,
    // Counted only when the whole file was read anyway.
    totalTurns: complete ? newestFirst.length : null,
  };
}

/** Records read from the end before liveness gives up. */
const LIVENESS_SCAN = 200;

/**
 * Busy or idle, from the transcript's end: the last `turn_start` / `turn_end` marker decides; before
 * Plainlog wrote any marker, a user turn at the end means a turn runs and an assistant turn that it ended.
 */
export async function plainlogLiveness(agent: AgentRecord): Promise<Liveness> {
  const file = agent.client.transcript_path;
  if (!file || !fs.existsSync(file))
    return {
      state: "unknown",
      lastActivity: null,
      reason: "no transcript yet (Plainlog writes it at the first turn)",
    };
  let lastActivity: string | null = null;
  let scanned = 0;
  for await (const line of readLinesBackward(file)) {
    if (++scanned > LIVENESS_SCAN) break;
    const record = parseJsonLine(line);
    if (!record) continue;
    lastActivity ??= typeof record.ts === "string" ? record.ts : null;
    if (record.event === "turn_start")
      return { state: "busy", lastActivity, reason: "a turn started and has not ended" };
    if (record.event === "turn_end")
      return { state: "idle", lastActivity, reason: "the last turn has ended" };
    if (record.role === "user") return { state: "busy", lastActivity, reason: "the last turn is a prompt" };
    if (record.role === "assistant")
      return { state: "idle", lastActivity, reason: "the last turn is the assistant's answer" };
  }
  return { state: "unknown", lastActivity, reason: "no turn at the transcript's end" };
}
