import fs from "node:fs/promises";
import { OxtailError } from "../errors.js";

/** Options for {@link readLinesBackward}. */
export interface TailOptions {
  /** Bytes read per step (default 64 KiB). */
  chunkBytes?: number;
}

/**
 * Yield a file's lines from the last to the first, reading it backwards in chunks, so
 * the cost depends on how much of the tail the caller consumes, not on the file's size.
 * Lines are split on `\n` bytes before decoding, so a multi-byte character is never cut.
 * The last line is yielded even without a final newline (it may be partial: callers that
 * parse it must tolerate that). Empty lines are skipped. A missing file is `no-transcript`.
 */
export async function* readLinesBackward(file: string, options: TailOptions = {}): AsyncGenerator<string> {
  const chunkBytes = options.chunkBytes ?? 64 * 1024;
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, "r");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new OxtailError(
      "no-transcript",
      `No transcript at ${file}${code === "ENOENT" ? "" : ` (${code})`}.`,
      {
        data: { path: file },
        cause: error,
      },
    );
  }
  try {
    const { size } = await handle.stat();
    let position = size;
    // Bytes of a line whose start lies in an earlier chunk.
    let carry: Buffer = Buffer.alloc(0);
    while (position > 0) {
      const length = Math.min(chunkBytes, position);
      position -= length;
      const chunk = Buffer.allocUnsafe(length);
      await handle.read(chunk, 0, length, position);
      let buffer = carry.length > 0 ? Buffer.concat([chunk, carry]) : chunk;
      let end = buffer.length;
      for (let i = buffer.length - 1; i >= 0; i--) {
        if (buffer[i] !== 0x0a) continue;
        if (end > i + 1) yield buffer.toString("utf8", i + 1, end);
        end = i;
      }
      // What precedes the first newline of this chunk continues into the previous chunk.
      carry = Buffer.from(buffer.subarray(0, end));
      buffer = Buffer.alloc(0);
    }
    if (carry.length > 0) yield carry.toString("utf8");
  } finally {
    await handle.close();
  }
}

/** Parse one JSONL line into an object, or null for malformed, partial or non-object lines. */
export function parseJsonLine(line: string): Record<string, unknown> | null {
  const trimmed = line.trim();
  if (!trimmed.startsWith("{")) return null;
  try {
    const value: unknown = JSON.parse(trimmed);
    return value && typeof value === "object" && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/** Shorten text to `max` characters, marking the cut. */
export function shorten(text: string, max: number): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length <= max ? flat : `${flat.slice(0, Math.max(0, max - 1))}…`;
}

/** Longest rendering of a tool call's arguments. */
export const TOOL_ARGS_MAX = 160;

/**
 * Render a tool call's arguments as short `key=value …` text. Takes an object, or a JSON
 * string of one (as some clients write them); anything else is shown as text.
 */
export function summarizeArguments(input: unknown): string {
  let value: unknown = input;
  if (typeof input === "string") {
    try {
      value = JSON.parse(input);
    } catch {
      return shorten(input, TOOL_ARGS_MAX);
    }
  }
  if (value === null || value === undefined) return "";
  if (typeof value !== "object") return shorten(String(value), TOOL_ARGS_MAX);
  const parts = Object.entries(value as Record<string, unknown>).map(
    ([k, v]) =>
      `${k}=${typeof v === "string" ? JSON.stringify(shorten(v, 80)) : shorten(JSON.stringify(v) ?? "", 80)}`,
  );
  return shorten(parts.join(" "), TOOL_ARGS_MAX);
}
