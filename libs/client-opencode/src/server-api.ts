import { processEnvironment } from "@oxtail/core";
import type { StateLine } from "./state.js";

/** How long one request to OpenCode's server may take, ms. */
export const REQUEST_TIMEOUT_MS = 5000;

/**
 * The TUI's server as a base URL, or null with why not. Only loopback http is used: the URL comes
 * from a file, and oxtail never sends a request (or a password) anywhere else.
 */
export function loopbackServer(serverUrl: string | null): { url: URL | null; reason: string } {
  if (!serverUrl) return { url: null, reason: "the plugin saw no server URL" };
  let url: URL;
  try {
    url = new URL(serverUrl);
  } catch {
    return { url: null, reason: `the server URL ${JSON.stringify(serverUrl)} does not parse` };
  }
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (url.protocol !== "http:" || !["127.0.0.1", "localhost", "::1"].includes(host) || url.username)
    return {
      url: null,
      reason: `${url.origin} is not a loopback http server: oxtail talks only to one on this machine`,
    };
  return { url: new URL("/", url), reason: `OpenCode's server at ${url.origin}` };
}

/**
 * The Authorization header for the server: basic auth with `OPENCODE_SERVER_PASSWORD` (user
 * `OPENCODE_SERVER_USERNAME`, default `opencode`) when the user set one. The password is read from
 * the OpenCode process's own environment (`/proc/<pid>/environ`, same user), never written anywhere.
 */
export function authHeader(pid: number | null): Record<string, string> {
  const env = pid ? processEnvironment(pid) : null;
  const password = env?.OPENCODE_SERVER_PASSWORD;
  if (!password) return {};
  const user = env?.OPENCODE_SERVER_USERNAME || "opencode";
  return { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}` };
}

/** What oxtail reads of an answer from OpenCode's server. */
export interface ServerAnswer {
  ok: boolean;
  status: number;
  /** The body as JSON (rejects when it is not). */
  json(): Promise<unknown>;
}

/** Most bytes of an answer oxtail reads (a bounded `?limit=` of messages stays far below). */
export const MAX_ANSWER_BYTES = 64 * 1024 * 1024;

/**
 * A request to the session's server; resolves with its answer, rejects on network error, time-out,
 * abort or an answer over {@link MAX_ANSWER_BYTES}. Through `node:http`, not `fetch`: loading
 * `fetch`'s HTTP stack costs an oxtail server about 20 MB of memory for good (measured on Node 20),
 * and a loopback request needs none of it. Redirects are not followed.
 */
export async function serverRequest(
  state: StateLine,
  route: string,
  init: { method?: string; body?: unknown; deadline?: number; signal?: AbortSignal | undefined } = {},
): Promise<ServerAnswer> {
  const { url, reason } = loopbackServer(state.serverUrl);
  if (!url) throw new Error(reason);
  // Loaded on first use: every oxtail server loads this adapter, and node:http's modules stay resident
  // in each one (docs/benchmarks.md, footprint).
  const { default: http } = await import("node:http");
  const limit = Math.min(Date.now() + REQUEST_TIMEOUT_MS, init.deadline ?? Number.POSITIVE_INFINITY);
  const signals = [AbortSignal.timeout(Math.max(1, limit - Date.now()))];
  if (init.signal) signals.push(init.signal);
  const payload = init.body !== undefined ? JSON.stringify(init.body) : null;
  return new Promise((resolve, reject) => {
    const request = http.request(
      new URL(route, url),
      {
        method: init.method ?? "GET",
        headers: {
          accept: "application/json",
          ...(payload !== null
            ? { "content-type": "application/json", "content-length": Buffer.byteLength(payload) }
            : {}),
          ...authHeader(state.pid),
        },
        signal: AbortSignal.any(signals),
      },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_ANSWER_BYTES) {
            response.destroy(new Error(`its answer is over ${MAX_ANSWER_BYTES} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        response.on("error", reject);
        response.on("end", () => {
          const status = response.statusCode ?? 0;
          resolve({
            ok: status >= 200 && status < 300,
            status,
            json: async () => JSON.parse(Buffer.concat(chunks).toString("utf8")),
          });
        });
      },
    );
    request.on("error", reject);
    request.end(payload ?? undefined);
  });
}
