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

/** A request to the session's server; resolves with the response, rejects on network error, time-out or abort. */
export async function serverRequest(
  state: StateLine,
  route: string,
  init: { method?: string; body?: unknown; deadline?: number; signal?: AbortSignal | undefined } = {},
): Promise<Response> {
  const { url, reason } = loopbackServer(state.serverUrl);
  if (!url) throw new Error(reason);
  const limit = Math.min(Date.now() + REQUEST_TIMEOUT_MS, init.deadline ?? Number.POSITIVE_INFINITY);
  const signals = [AbortSignal.timeout(Math.max(1, limit - Date.now()))];
  if (init.signal) signals.push(init.signal);
  return fetch(new URL(route, url), {
    method: init.method ?? "GET",
    headers: {
      accept: "application/json",
      ...(init.body !== undefined ? { "content-type": "application/json" } : {}),
      ...authHeader(state.pid),
    },
    body: init.body !== undefined ? JSON.stringify(init.body) : null,
    signal: AbortSignal.any(signals),
    redirect: "error",
  });
}
