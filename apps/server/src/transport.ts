import process from "node:process";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import { type JSONRPCMessage, JSONRPCMessageSchema } from "@modelcontextprotocol/sdk/types.js";

/**
 * The largest JSON-RPC line the server reads, in bytes. A tool request carries at most an
 * 8 KiB body, so anything near this is a mistake or an attack; it is answered, not read.
 */
export const MAX_REQUEST_BYTES = 1024 * 1024;

/** How much of an oversized line is kept to find its request id and method. */
const HEAD_BYTES = 4096;

/** What a line that was too large to read looked like. */
export interface OversizedRequest {
  /** The JSON-RPC id found at the start of the line, if any. */
  id: string | number | null;
  /** The method found at the start of the line, if any. */
  method: string | null;
  /** How many bytes the line had. */
  bytes: number;
}

/** Options for {@link LineTransport}. */
export interface LineTransportOptions {
  input?: NodeJS.ReadableStream;
  output?: NodeJS.WritableStream;
  /** Longest line read, in bytes (default {@link MAX_REQUEST_BYTES}). */
  maxLineBytes?: number;
  /** Builds the answer to an oversized request; the default is a JSON-RPC error. */
  answerOversized?: (request: OversizedRequest) => JSONRPCMessage | null;
}

const ID_RE = /"id"\s*:\s*("(?:[^"\\]|\\.){0,200}"|-?\d{1,20})/;
const METHOD_RE = /"method"\s*:\s*"([^"\\]{1,100})"/;

/** Find the id and method in the first bytes of a JSON-RPC line that is too large to parse. */
export function sniffOversized(head: string, bytes: number): OversizedRequest {
  const rawId = ID_RE.exec(head)?.[1];
  let id: string | number | null = null;
  if (rawId !== undefined) {
    try {
      const parsed: unknown = JSON.parse(rawId);
      if (typeof parsed === "string" || (typeof parsed === "number" && Number.isSafeInteger(parsed)))
        id = parsed;
    } catch {
      // not a usable id
    }
  }
  return { id, method: METHOD_RE.exec(head)?.[1] ?? null, bytes };
}

/**
 * MCP over newline-delimited JSON on stdin/stdout that never gives up on its client: a line longer
 * than the limit is skipped as it streams in (never buffered whole) and answered; a line that is not
 * JSON, or not JSON-RPC, is answered with a JSON-RPC error. The SDK's own stdio transport closes the
 * connection when a line exceeds 10 MiB, which ends the server.
 */
export class LineTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  private readonly input: NodeJS.ReadableStream;
  private readonly output: NodeJS.WritableStream;
  private readonly maxLineBytes: number;
  private readonly answerOversized: (request: OversizedRequest) => JSONRPCMessage | null;
  private chunks: Buffer[] = [];
  private lineBytes = 0;
  /** Set while the rest of an oversized line is being skipped. */
  private skipping: { head: string; bytes: number } | null = null;
  private closed = false;

  constructor(options: LineTransportOptions = {}) {
    this.input = options.input ?? process.stdin;
    this.output = options.output ?? process.stdout;
    this.maxLineBytes = options.maxLineBytes ?? MAX_REQUEST_BYTES;
    this.answerOversized = options.answerOversized ?? defaultOversizedAnswer;
  }

  async start(): Promise<void> {
    this.input.on("data", this.onData);
    this.input.on("error", this.onInputError);
    this.input.on("end", this.onEnd);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.input.off("data", this.onData);
    this.input.off("error", this.onInputError);
    this.input.off("end", this.onEnd);
    this.chunks = [];
    this.onclose?.();
  }

  /** Write one message; resolves once the line is handed to the output (for a pipe: to the kernel). */
  send(message: JSONRPCMessage): Promise<void> {
    return new Promise((resolve, reject) => {
      this.output.write(`${JSON.stringify(message)}\n`, (error) => (error ? reject(error) : resolve()));
    });
  }

  private readonly onInputError = (error: Error) => this.onerror?.(error);
  private readonly onEnd = () => void this.close();

  private readonly onData = (data: Buffer | string) => {
    let chunk = typeof data === "string" ? Buffer.from(data) : data;
    while (chunk.length > 0) {
      const newline = chunk.indexOf(0x0a);
      const part = newline < 0 ? chunk : chunk.subarray(0, newline);
      this.take(part);
      if (newline < 0) return;
      this.endLine();
      chunk = chunk.subarray(newline + 1);
    }
  };

  /** Add bytes of the current line, switching to skipping once it is too long. */
  private take(part: Buffer): void {
    if (this.skipping) {
      this.skipping.bytes += part.length;
      return;
    }
    this.lineBytes += part.length;
    if (this.lineBytes <= this.maxLineBytes) {
      this.chunks.push(part);
      return;
    }
    const head = Buffer.concat([...this.chunks, part])
      .subarray(0, HEAD_BYTES)
      .toString("utf8");
    this.skipping = { head, bytes: this.lineBytes };
    this.chunks = [];
  }

  private endLine(): void {
    const skipped = this.skipping;
    const line = skipped ? null : Buffer.concat(this.chunks).toString("utf8");
    this.chunks = [];
    this.lineBytes = 0;
    this.skipping = null;
    if (skipped) {
      const answer = this.answerOversized(sniffOversized(skipped.head, skipped.bytes));
      if (answer) this.reply(answer);
      return;
    }
    const text = (line ?? "").replace(/\r$/, "");
    if (text.trim() === "") return;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      this.reply(rpcError(null, -32700, "Parse error: the line is not JSON."));
      return;
    }
    const parsed = JSONRPCMessageSchema.safeParse(json);
    if (!parsed.success) {
      const id = (json as { id?: unknown })?.id;
      this.reply(
        rpcError(
          typeof id === "string" || typeof id === "number" ? id : null,
          -32600,
          "Invalid request: not a JSON-RPC 2.0 message.",
        ),
      );
      return;
    }
    this.onmessage?.(parsed.data);
  }

  private reply(message: JSONRPCMessage): void {
    this.send(message).catch((error: Error) => this.onerror?.(error));
  }
}

function rpcError(id: string | number | null, code: number, message: string): JSONRPCMessage {
  // JSON-RPC answers an unreadable request with id null; the SDK's schema wants a string or number there.
  return { jsonrpc: "2.0", id: id as string | number, error: { code, message } };
}

function defaultOversizedAnswer(request: OversizedRequest): JSONRPCMessage {
  return rpcError(
    request.id,
    -32600,
    `Request too large: ${request.bytes} bytes; the limit is ${MAX_REQUEST_BYTES}.`,
  );
}
