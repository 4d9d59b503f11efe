// A stand-in for OpenCode's TUI server: the two routes the adapter uses, answering from a recorded
// `GET /session/{id}/message` answer (fixtures/session-messages.json).
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";

export const RECORDED_SESSION = "ses_dc97637b2ffeEBoSjWb9wzcF6W";
const MESSAGES = JSON.parse(
  fs.readFileSync(path.join(import.meta.dirname, "fixtures", "session-messages.json"), "utf8"),
) as unknown[];

export interface StandInServer {
  url: string;
  prompts: { session: string; body: unknown; authorization: string | undefined }[];
  close(): Promise<void>;
}

export async function standInServer(options: { password?: string } = {}): Promise<StandInServer> {
  const prompts: StandInServer["prompts"] = [];
  const server = http.createServer((req, res) => {
    let raw = "";
    req.on("data", (c) => {
      raw += c;
    });
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://x");
      const expected = options.password
        ? `Basic ${Buffer.from(`opencode:${options.password}`).toString("base64")}`
        : undefined;
      if (expected && req.headers.authorization !== expected) return res.writeHead(401).end();
      const m = /^\/session\/([^/]+)\/(message|prompt_async)$/.exec(url.pathname);
      if (!m || m[1] !== RECORDED_SESSION) return res.writeHead(404).end("{}");
      if (m[2] === "message" && req.method === "GET") {
        const limit = Number(url.searchParams.get("limit") ?? MESSAGES.length);
        res.writeHead(200, { "content-type": "application/json" });
        return res.end(JSON.stringify(MESSAGES.slice(-limit)));
      }
      if (m[2] === "prompt_async" && req.method === "POST") {
        prompts.push({
          session: m[1],
          body: JSON.parse(raw || "null"),
          authorization: req.headers.authorization,
        });
        return res.writeHead(204).end();
      }
      res.writeHead(405).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    prompts,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A state log line, as the plugin writes it. */
export function stateLine(fields: {
  status: "busy" | "idle";
  serverUrl: string;
  pid?: number;
  session?: string;
}): string {
  return `${JSON.stringify({
    v: 1,
    session: fields.session ?? RECORDED_SESSION,
    status: fields.status,
    event: "session.status",
    server_url: fields.serverUrl,
    pid: fields.pid ?? process.pid,
    cwd: "/tmp/oc-exp/proj",
    at: "2026-12-02T11:40:00.000Z",
  })}\n`;
}
