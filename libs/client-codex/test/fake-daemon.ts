import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { WebSocketServer } from "ws";
import { controlSocket } from "../src/wake-appserver.ts";

/** A JSON-RPC message the stand-in daemon received. */
export type Rpc = { id?: number; method: string; params?: unknown };
/** How the stand-in answers: as the daemon does, with an error to `turn/start`, or not at all. */
export type Answer = "answer" | "error" | "silent";

/** A stand-in for Codex's daemon, listening on the control socket of a Codex home. */
export interface FakeDaemon {
  received: Rpc[];
  connections(): number;
  closed(): number;
  onMessage(listener: (message: Rpc) => void): void;
  close(): Promise<void>;
}

/**
 * A stand-in for Codex's daemon: a WebSocket server on the control socket under `home`, logging
 * every JSON-RPC message, answering `initialize` and `turn/start` as told.
 */
export async function fakeDaemon(home: string, answer: Answer = "answer"): Promise<FakeDaemon> {
  const socket = controlSocket(home);
  fs.mkdirSync(path.dirname(socket), { recursive: true });
  const server = http.createServer();
  const wss = new WebSocketServer({ server });
  const received: Rpc[] = [];
  let connections = 0;
  let closed = 0;
  const listeners: ((message: Rpc) => void)[] = [];
  wss.on("connection", (ws) => {
    connections += 1;
    ws.on("close", () => {
      closed += 1;
    });
    ws.on("message", (data) => {
      const message = JSON.parse(String(data)) as Rpc;
      received.push(message);
      for (const listener of listeners) listener(message);
      if (message.id === undefined || answer === "silent") return;
      if (answer === "error" && message.method === "turn/start")
        ws.send(
          JSON.stringify({
            jsonrpc: "2.0",
            id: message.id,
            error: { code: -32600, message: "no such thread" },
          }),
        );
      else
        ws.send(
          JSON.stringify({
            jsonrpc: "2.0",
            id: message.id,
            result: message.method === "turn/start" ? { turn: { id: "t1", status: "inProgress" } } : {},
          }),
        );
    });
  });
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  return {
    received,
    connections: () => connections,
    closed: () => closed,
    onMessage: (listener) => listeners.push(listener),
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close();
        server.close(() => resolve());
      }),
  };
}
