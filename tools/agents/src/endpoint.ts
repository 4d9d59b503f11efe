import http from "node:http";
import type { AddressInfo } from "node:net";
import { type Action, resolveStep, type Script, ScriptCursor } from "./script.ts";

/**
 * Which wire format: Claude Code speaks the Anthropic Messages API, Codex the OpenAI Responses API,
 * Gemini CLI the Gemini API (`POST /v1beta/models/<model>:streamGenerateContent?alt=sse`), OpenCode
 * (through `@ai-sdk/openai-compatible`) OpenAI Chat Completions.
 */
export type WireFormat = "anthropic" | "openai" | "gemini" | "chat";

/** One request the endpoint received. */
export interface RecordedRequest {
  at: number;
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: unknown;
  /** True for the agent loop's own requests (those that consume script steps). */
  main: boolean;
  /** What the endpoint answered, for main requests. */
  action?: Action;
}

/** A scripted model endpoint on loopback. */
export interface ScriptedEndpoint {
  /** The base URL to give the client (`ANTHROPIC_BASE_URL`, or a provider `base_url`). */
  readonly baseUrl: string;
  /** Every request, in order. */
  readonly requests: readonly RecordedRequest[];
  /** The main (agent-loop) requests, in order. */
  mainRequests(): RecordedRequest[];
  /** Steps of the script not used yet. */
  readonly remaining: number;
  /** Resolves once `count` main requests have been answered. */
  waitForMainRequests(count: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** Text of every tool result in a request's conversation, oldest first. */
export function toolResultsOf(format: WireFormat, body: unknown): string[] {
  const out: string[] = [];
  const text = (content: unknown): string =>
    typeof content === "string"
      ? content
      : Array.isArray(content)
        ? content.map((c) => (typeof c === "string" ? c : ((c as { text?: string }).text ?? ""))).join("")
        : JSON.stringify(content ?? "");
  if (format === "gemini") {
    type Parts = { parts?: { functionResponse?: { response?: { output?: unknown } } }[] }[];
    for (const content of (body as { contents?: Parts }).contents ?? []) {
      for (const part of content.parts ?? []) {
        const response = part?.functionResponse?.response;
        if (response)
          out.push(typeof response.output === "string" ? response.output : JSON.stringify(response));
      }
    }
    return out;
  }
  if (format === "anthropic") {
    for (const message of (body as { messages?: { role: string; content: unknown }[] }).messages ?? []) {
      if (message.role !== "user" || !Array.isArray(message.content)) continue;
      for (const block of message.content as { type: string; content?: unknown }[]) {
        if (block.type === "tool_result") out.push(text(block.content));
      }
    }
  } else if (format === "chat") {
    for (const message of (body as { messages?: { role: string; content: unknown }[] }).messages ?? []) {
      if (message.role === "tool") out.push(text(message.content));
    }
  } else {
    for (const item of (body as { input?: { type: string; output?: unknown }[] }).input ?? []) {
      if (item.type === "function_call_output" || item.type === "custom_tool_call_output")
        out.push(text(item.output));
    }
  }
  return out;
}

/** Every tool name a request offers, flattening Responses-API namespaces to `<namespace>__<tool>`. */
export function offeredTools(format: WireFormat, body: unknown): string[] {
  if (format === "gemini") {
    const tools = (body as { tools?: { functionDeclarations?: { name?: string }[] }[] }).tools ?? [];
    return tools.flatMap((t) => (t.functionDeclarations ?? []).flatMap((f) => (f.name ? [f.name] : [])));
  }
  const tools =
    (
      body as {
        tools?: { name?: string; type?: string; tools?: { name?: string }[]; function?: { name?: string } }[];
      }
    ).tools ?? [];
  const names: string[] = [];
  for (const tool of tools) {
    if (format === "chat") {
      if (tool.function?.name) names.push(tool.function.name);
    } else if (format === "openai" && tool.type === "namespace") {
      for (const inner of tool.tools ?? []) if (inner.name) names.push(`${tool.name}__${inner.name}`);
    } else if (tool.name) {
      names.push(tool.name);
    }
  }
  return names;
}

function isMainRequest(format: WireFormat, path: string, body: unknown): boolean {
  const b = body as { tools?: unknown[]; text?: { format?: { type?: string } } } | null;
  if (format === "gemini") return path.includes(":streamGenerateContent") && Boolean(b?.tools?.length);
  if (format === "anthropic")
    return path.startsWith("/v1/messages") && !path.includes("count_tokens") && Boolean(b?.tools?.length);
  // OpenCode's title request has no tools.
  if (format === "chat") return path.endsWith("/chat/completions") && Boolean(b?.tools?.length);
  return (
    path.startsWith("/v1/responses") && Boolean(b?.tools?.length) && b?.text?.format?.type !== "json_schema"
  );
}

/**
 * Start an endpoint that answers a client's model requests from `script`. Requests that
 * are not the agent loop's (title generation, token counting, probes) get a neutral
 * answer and consume no step.
 */
export async function startScriptedEndpoint(format: WireFormat, script: Script): Promise<ScriptedEndpoint> {
  const cursor = new ScriptCursor(script);
  const requests: RecordedRequest[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  let callCounter = 0;

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      let body: unknown = null;
      try {
        body = raw ? JSON.parse(raw) : null;
      } catch {
        body = raw;
      }
      const path = req.url ?? "/";
      const record: RecordedRequest = {
        at: Date.now(),
        method: req.method ?? "GET",
        path,
        headers: req.headers,
        body,
        main: req.method === "POST" && isMainRequest(format, path, body),
      };
      requests.push(record);
      if (record.main) {
        const results = toolResultsOf(format, body);
        record.action = resolveStep(cursor.next(), offeredTools(format, body), results.at(-1) ?? null, raw);
        callCounter += 1;
        const action = record.action;
        const n = callCounter;
        const answer = () => {
          if (format === "anthropic") streamAnthropic(res, action, n, body);
          else if (format === "gemini") streamGemini(res, action);
          else if (format === "chat") streamChat(res, action, n);
          else streamOpenAi(res, action, n);
        };
        if (action.delayMs) setTimeout(answer, action.delayMs);
        else answer();
        const mainCount = requests.filter((r) => r.main).length;
        for (const w of waiters.filter((w) => mainCount >= w.count)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve();
        }
        return;
      }
      answerAuxiliary(format, req.method ?? "GET", path, body, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: format === "openai" ? `http://127.0.0.1:${port}/v1` : `http://127.0.0.1:${port}`,
    requests,
    mainRequests: () => requests.filter((r) => r.main),
    get remaining() {
      return cursor.remaining;
    },
    waitForMainRequests(count, timeoutMs = 120_000) {
      if (requests.filter((r) => r.main).length >= count) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`endpoint: ${count} main requests not reached in ${timeoutMs} ms`)),
          timeoutMs,
        );
        waiters.push({
          count,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function sse(res: http.ServerResponse, events: { event: string; data: unknown }[]): void {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  for (const e of events) res.write(`event: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`);
  res.end();
}

function streamAnthropic(res: http.ServerResponse, action: Action, n: number, body: unknown): void {
  const model = (body as { model?: string })?.model ?? "scripted";
  const events: { event: string; data: unknown }[] = [];
  const ev = (type: string, data: Record<string, unknown>) =>
    events.push({ event: type, data: { type, ...data } });
  ev("message_start", {
    message: {
      id: `msg_scripted_${n}`,
      type: "message",
      role: "assistant",
      model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: 10, output_tokens: 1 },
    },
  });
  let index = 0;
  if (action.think) {
    ev("content_block_start", { index, content_block: { type: "thinking", thinking: "", signature: "" } });
    ev("content_block_delta", { index, delta: { type: "thinking_delta", thinking: action.think } });
    ev("content_block_delta", {
      index,
      delta: { type: "signature_delta", signature: `scripted-signature-${n}` },
    });
    ev("content_block_stop", { index });
    index += 1;
  }
  const text = action.text;
  if (text) {
    ev("content_block_start", { index, content_block: { type: "text", text: "" } });
    ev("content_block_delta", { index, delta: { type: "text_delta", text } });
    ev("content_block_stop", { index });
    index += 1;
  }
  if (action.kind === "tool") {
    ev("content_block_start", {
      index,
      content_block: { type: "tool_use", id: `toolu_scripted_${n}`, name: action.name, input: {} },
    });
    ev("content_block_delta", {
      index,
      delta: { type: "input_json_delta", partial_json: JSON.stringify(action.args) },
    });
    ev("content_block_stop", { index });
  }
  ev("message_delta", {
    delta: { stop_reason: action.kind === "tool" ? "tool_use" : "end_turn", stop_sequence: null },
    usage: { output_tokens: 5 },
  });
  ev("message_stop", {});
  sse(res, events);
}

function streamOpenAi(res: http.ServerResponse, action: Action, n: number): void {
  const events: { event: string; data: unknown }[] = [];
  const ev = (type: string, data: Record<string, unknown>) =>
    events.push({ event: type, data: { type, ...data } });
  const output: Record<string, unknown>[] = [];
  ev("response.created", {
    response: { id: `resp_${n}`, object: "response", status: "in_progress", output: [] },
  });
  if (action.text) {
    const item = {
      type: "message",
      id: `msg_${n}`,
      role: "assistant",
      status: "completed",
      content: [{ type: "output_text", text: action.text, annotations: [] }],
    };
    ev("response.output_item.added", {
      output_index: output.length,
      item: { ...item, status: "in_progress", content: [] },
    });
    ev("response.output_text.delta", {
      item_id: item.id,
      output_index: output.length,
      content_index: 0,
      delta: action.text,
    });
    ev("response.output_item.done", { output_index: output.length, item });
    output.push(item);
  }
  if (action.kind === "tool") {
    const [namespace, name] = splitNamespace(action.name);
    const item = {
      type: "function_call",
      id: `fc_${n}`,
      call_id: `call_scripted_${n}`,
      name,
      ...(namespace ? { namespace } : {}),
      arguments: JSON.stringify(action.args),
      status: "completed",
    };
    ev("response.output_item.added", {
      output_index: output.length,
      item: { ...item, arguments: "", status: "in_progress" },
    });
    ev("response.function_call_arguments.done", {
      item_id: item.id,
      output_index: output.length,
      arguments: item.arguments,
    });
    ev("response.output_item.done", { output_index: output.length, item });
    output.push(item);
  }
  ev("response.completed", {
    response: {
      id: `resp_${n}`,
      object: "response",
      status: "completed",
      output,
      usage: {
        input_tokens: 10,
        input_tokens_details: { cached_tokens: 0 },
        output_tokens: 5,
        output_tokens_details: { reasoning_tokens: 0 },
        total_tokens: 15,
      },
    },
  });
  sse(res, events);
}

/**
 * Gemini API streaming: each SSE event is `data: <GenerateContentResponse>` (candidates with
 * `content.parts`: text, `thought: true` text, or `functionCall {name, args}`; `finishReason`;
 * `usageMetadata`). The client sends tool results back as `functionResponse` parts.
 */
function streamGemini(res: http.ServerResponse, action: Action): void {
  const parts: Record<string, unknown>[] = [];
  if (action.think) parts.push({ text: action.think, thought: true });
  if (action.text) parts.push({ text: action.text });
  if (action.kind === "tool") parts.push({ functionCall: { name: action.name, args: action.args } });
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  res.write(`data: ${JSON.stringify(geminiResponse(parts))}\r\n\r\n`);
  res.end();
}

function geminiResponse(parts: Record<string, unknown>[]): Record<string, unknown> {
  return {
    candidates: [{ content: { role: "model", parts }, finishReason: "STOP", index: 0 }],
    usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 5, totalTokenCount: 15 },
    modelVersion: "scripted",
  };
}

/** A value that fits a Gemini response schema (the client's own side requests: routing, summaries). */
function fromSchema(schema: unknown): unknown {
  const s = (schema ?? {}) as {
    type?: string;
    properties?: Record<string, unknown>;
    items?: unknown;
    enum?: unknown[];
  };
  const type = (s.type ?? "").toLowerCase();
  if (s.enum?.length) return s.enum[0];
  if (type === "object" || s.properties)
    return Object.fromEntries(Object.entries(s.properties ?? {}).map(([k, v]) => [k, fromSchema(v)]));
  if (type === "array") return [];
  if (type === "integer" || type === "number") return 5;
  if (type === "boolean") return false;
  return "oxtail";
}

/**
 * An OpenAI Chat Completions stream (`chat.completion.chunk` data lines, then `[DONE]`): text as
 * `delta.content`, a tool call as `delta.tool_calls`, finish reason `tool_calls` or `stop`.
 */
function streamChat(res: http.ServerResponse, action: Action, n: number): void {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  const chunk = (choice: Record<string, unknown>) =>
    res.write(
      `data: ${JSON.stringify({ id: `chatcmpl-${n}`, object: "chat.completion.chunk", created: 1, model: "scripted-model", choices: [{ index: 0, ...choice }] })}\n\n`,
    );
  chunk({ delta: { role: "assistant", content: action.text ?? "" } });
  if (action.kind === "tool")
    chunk({
      delta: {
        tool_calls: [
          {
            index: 0,
            id: `call_scripted_${n}`,
            type: "function",
            function: { name: action.name, arguments: JSON.stringify(action.args) },
          },
        ],
      },
    });
  chunk({ delta: {}, finish_reason: action.kind === "tool" ? "tool_calls" : "stop" });
  res.write("data: [DONE]\n\n");
  res.end();
}

/** `mcp__server__tool` → [`mcp__server`, `tool`]; a plain name has no namespace. */
function splitNamespace(name: string): [string | null, string] {
  const at = name.lastIndexOf("__");
  return at > 0 && name.startsWith("mcp__") ? [name.slice(0, at), name.slice(at + 2)] : [null, name];
}

function answerAuxiliary(
  format: WireFormat,
  method: string,
  path: string,
  body: unknown,
  res: http.ServerResponse,
): void {
  if (format === "anthropic" && method === "POST" && path.startsWith("/v1/messages")) {
    if (path.includes("count_tokens")) {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ input_tokens: 10 }));
      return;
    }
    streamAnthropic(res, { kind: "text", text: "oxtail agent" }, 0, body);
    return;
  }
  if (format === "chat" && method === "POST" && path.endsWith("/chat/completions")) {
    streamChat(res, { kind: "text", text: "oxtail agent" }, 0);
    return;
  }
  if (format === "openai" && method === "POST" && path.startsWith("/v1/responses")) {
    const wantsJson =
      (body as { text?: { format?: { type?: string } } })?.text?.format?.type === "json_schema";
    streamOpenAi(
      res,
      { kind: "text", text: wantsJson ? JSON.stringify({ title: "oxtail agent" }) : "ok" },
      0,
    );
    return;
  }
  if (format === "gemini" && method === "POST") {
    const config = (body as { generationConfig?: { responseJsonSchema?: unknown; responseSchema?: unknown } })
      ?.generationConfig;
    const schema = config?.responseJsonSchema ?? config?.responseSchema;
    if (path.includes(":countTokens")) {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ totalTokens: 10 }));
      return;
    }
    const text = schema ? JSON.stringify(fromSchema(schema)) : "ok";
    if (path.includes(":streamGenerateContent")) {
      streamGemini(res, { kind: "text", text });
      return;
    }
    if (path.includes(":generateContent")) {
      res
        .writeHead(200, { "content-type": "application/json" })
        .end(JSON.stringify(geminiResponse([{ text }])));
      return;
    }
  }
  if (method === "HEAD" || (method === "GET" && path === "/")) {
    res.writeHead(200).end();
    return;
  }
  res
    .writeHead(404, { "content-type": "application/json" })
    .end(JSON.stringify({ error: { type: "not_found", message: "scripted endpoint" } }));
}
