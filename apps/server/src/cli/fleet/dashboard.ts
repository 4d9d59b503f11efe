// `oxtail dashboard`: the fleet as a local web page, live over server-sent events. node:http only
// (four routes do not need a framework). Locked to this user's browser: 127.0.0.1, a random token in
// the printed URL, Host and Origin checked, a strict content-security policy (no inline script: the
// page's code is its own file), and the page renders every peer string with textContent.
import { randomBytes, timingSafeEqual } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { type ClientAdapter, isOxtailError, safeLabel } from "@oxtail/core";
import { createTracer, MAX_BODY_BYTES, operatorSend } from "@oxtail/core/runtime";
import { type FleetWatch, watchFleet } from "@oxtail/fleet";
import { configuredTransport } from "../../transport-config.js";
import { operatorOptions } from "../operator.js";
import { stallMsFrom } from "./stall.js";

/** What `oxtail dashboard` needs. */
export interface DashboardContext {
  adapters: readonly ClientAdapter[];
  oxtailHome: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  all: boolean;
  /** 0 (the default): a free port. */
  port?: number;
  out(text: string): void;
}

/** A running dashboard. */
export interface Dashboard {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** The page's files (apps/server/assets/dashboard, shipped in the package), from src/ and dist/ alike. */
const PACKAGE_DIR =
  path.basename(import.meta.dirname) === "dist"
    ? path.resolve(import.meta.dirname, "..")
    : path.resolve(import.meta.dirname, "..", "..", "..");
const ASSETS = path.join(PACKAGE_DIR, "assets", "dashboard");
const FILES: Record<string, { file: string; type: string }> = {
  "/": { file: "index.html", type: "text/html; charset=utf-8" },
  "/app.js": { file: "app.js", type: "text/javascript; charset=utf-8" },
  "/style.css": { file: "style.css", type: "text/css; charset=utf-8" },
};

/** The content-security policy: only this origin's own script, style and connections; nothing inline. */
export const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const SECURITY_HEADERS = {
  "Content-Security-Policy": CSP,
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "Cache-Control": "no-store",
  "Cross-Origin-Resource-Policy": "same-origin",
  "X-Frame-Options": "DENY",
};

/** The largest request body accepted (a message and its target, as JSON). */
const MAX_REQUEST_BYTES = MAX_BODY_BYTES * 2 + 1024;

function sameToken(given: string | null, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Start the dashboard; resolves once it listens. */
export async function startDashboard(context: DashboardContext): Promise<Dashboard> {
  const stall = stallMsFrom(context.env);
  const token = randomBytes(24).toString("base64url");
  const tracer = createTracer(context.env.MCP_TRACE_FILE);
  // The transport the environment selects (`OXTAIL_TRANSPORT`): with NATS, other machines' agents too.
  const transport = await configuredTransport(context.env, context.oxtailHome, context.cwd, tracer);
  const streams = new Set<http.ServerResponse>();
  const assets = new Map(
    Object.entries(FILES).map(([route, f]) => [
      route,
      { body: fs.readFileSync(path.join(ASSETS, f.file)), type: f.type },
    ]),
  );
  let port = 0;
  let fleet: FleetWatch | null = null;
  const hosts = () => new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  const origins = () => new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`]);

  const sendAsOperator = (target: string, text: string) =>
    operatorSend(
      operatorOptions({
        adapters: context.adapters,
        oxtailHome: context.oxtailHome,
        cwd: context.cwd,
        tracer,
        transport,
      }),
      target,
      text,
    );

  function answer(res: http.ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { ...SECURITY_HEADERS, "Content-Type": "application/json; charset=utf-8" });
    res.end(JSON.stringify(body));
  }

  function readBody(req: http.IncomingMessage): Promise<string> {
    return new Promise((resolve, reject) => {
      let size = 0;
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => {
        size += c.length;
        if (size > MAX_REQUEST_BYTES) {
          reject(new Error("body-too-large"));
          req.destroy();
        } else chunks.push(c);
      });
      req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
      req.on("error", reject);
    });
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    // DNS rebinding: only this address by name; cross-site requests: only this origin.
    if (!hosts().has(req.headers.host ?? "")) return answer(res, 421, { ok: false, error: "wrong-host" });
    const origin = req.headers.origin;
    if (origin !== undefined && !origins().has(origin))
      return answer(res, 403, { ok: false, error: "wrong-origin" });
    const url = new URL(req.url ?? "/", `http://${req.headers.host}`);
    const given =
      url.searchParams.get("token") ?? (req.headers["x-oxtail-token"] as string | undefined) ?? null;
    const asset = assets.get(url.pathname);
    // The page's script and style are the same for everyone: only the page and the data need the token.
    const open = req.method === "GET" && asset && url.pathname !== "/";
    if (!open && !sameToken(given, token)) return answer(res, 401, { ok: false, error: "bad-token" });

    if (req.method === "GET" && asset) {
      res.writeHead(200, { ...SECURITY_HEADERS, "Content-Type": asset.type });
      res.end(asset.body);
      return;
    }
    if (req.method === "GET" && url.pathname === "/events") {
      res.writeHead(200, {
        ...SECURITY_HEADERS,
        "Content-Type": "text/event-stream; charset=utf-8",
        Connection: "keep-alive",
      });
      streams.add(res);
      req.on("close", () => streams.delete(res));
      if (fleet) res.write(`event: state\ndata: ${JSON.stringify(fleet.current())}\n\n`);
      return;
    }
    if (req.method === "GET" && url.pathname === "/api/turns") {
      const agent = url.searchParams.get("agent") ?? "";
      const turns = fleet ? await fleet.reader.recentTurns(agent, 30) : null;
      return answer(res, 200, { ok: true, agent, turns });
    }
    if (req.method === "POST" && url.pathname === "/api/send") {
      // A browser always says where a POST comes from; one that does not is not this page.
      if (origin === undefined) return answer(res, 403, { ok: false, error: "wrong-origin" });
      if (!(req.headers["content-type"] ?? "").startsWith("application/json"))
        return answer(res, 415, { ok: false, error: "invalid-input", message: "Send JSON." });
      let input: { target?: unknown; text?: unknown };
      try {
        input = JSON.parse(await readBody(req)) as typeof input;
      } catch (error) {
        const large = (error as Error).message === "body-too-large";
        return answer(res, large ? 413 : 400, {
          ok: false,
          error: large ? "body-too-large" : "invalid-input",
          message: large ? "The message is too large." : "Not JSON.",
        });
      }
      if (typeof input.target !== "string" || typeof input.text !== "string" || !input.text.trim())
        return answer(res, 400, { ok: false, error: "invalid-input", message: "Give a target and a text." });
      try {
        const sent = await sendAsOperator(input.target, input.text);
        void fleet?.refresh();
        return answer(res, 200, { ok: true, messages: sent });
      } catch (error) {
        if (!isOxtailError(error)) throw error;
        return answer(res, 400, { ok: false, error: error.code, message: error.detail });
      }
    }
    answer(res, 404, { ok: false, error: "not-found" });
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((error: Error) => {
      if (!res.headersSent)
        answer(res, 500, { ok: false, error: "internal", message: safeLabel(error.message) });
      else res.end();
    });
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(context.port ?? 0, "127.0.0.1", () => resolve());
    });
    port = (server.address() as AddressInfo).port;
    fleet = await watchFleet({
      home: context.oxtailHome,
      cwd: context.cwd,
      all: context.all,
      adapters: context.adapters,
      ...stall,
      tracer,
      transport,
      onChange: (state) => {
        const event = `event: state\ndata: ${JSON.stringify(state)}\n\n`;
        for (const res of streams) res.write(event);
      },
    });
  } catch (error) {
    server.close();
    await transport.close().catch(() => {});
    throw error;
  }
  const url = `http://127.0.0.1:${port}/?token=${token}`;
  return {
    url,
    port,
    async close() {
      fleet?.close();
      for (const res of streams) res.end();
      streams.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await transport.close().catch(() => {});
    },
  };
}

/** `oxtail dashboard`: serve until SIGINT/SIGTERM; prints the URL to open. */
export async function runDashboard(context: DashboardContext): Promise<number> {
  const dashboard = await startDashboard(context);
  context.out(`oxtail dashboard: ${dashboard.url}\n(open it in this machine's browser; Ctrl-C stops it)\n`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
  await dashboard.close();
  return 0;
}
