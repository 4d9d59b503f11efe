import fs from "node:fs";
import path from "node:path";
import { defineWakeStrategy, WAKE_LINE, type WakeOutcome } from "@oxtail/core";
import WebSocket from "ws";

/** The Codex daemon's control socket under a Codex home. */
export function controlSocket(codexHome: string): string {
  return path.join(codexHome, "app-server-control", "app-server-control.sock");
}

/** How long one JSON-RPC exchange with the daemon may take, ms. */
const RPC_TIMEOUT_MS = 5000;

/**
 * Send JSON-RPC requests over the daemon's WebSocket (on its unix control socket), in
 * order, and resolve with their results; any error or time-out rejects.
 */
async function rpc(
  socket: string,
  calls: { method: string; params: unknown; notify?: boolean }[],
): Promise<unknown[]> {
  const ws = new WebSocket(`ws+unix://${socket}:/`);
  const results: unknown[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("the Codex daemon did not answer")), RPC_TIMEOUT_MS);
      ws.once("open", () => {
        clearTimeout(timer);
        resolve();
      });
      ws.once("error", (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
    let id = 0;
    for (const call of calls) {
      if (call.notify) {
        ws.send(JSON.stringify({ jsonrpc: "2.0", method: call.method, params: call.params }));
        continue;
      }
      const myId = ++id;
      results.push(
        await new Promise((resolve, reject) => {
          const timer = setTimeout(
            () => reject(new Error(`${call.method}: no answer from the Codex daemon`)),
            RPC_TIMEOUT_MS,
          );
          const onMessage = (data: WebSocket.RawData) => {
            let message: { id?: number; result?: unknown; error?: { message?: string } };
            try {
              message = JSON.parse(String(data));
            } catch {
              return;
            }
            if (message.id !== myId) return;
            clearTimeout(timer);
            ws.off("message", onMessage);
            if (message.error) reject(new Error(`${call.method}: ${message.error.message ?? "error"}`));
            else resolve(message.result);
          };
          ws.on("message", onMessage);
          ws.send(JSON.stringify({ jsonrpc: "2.0", id: myId, method: call.method, params: call.params }));
        }),
      );
    }
    return results;
  } finally {
    ws.close();
  }
}

/** Options of the app-server wake: where Codex keeps its state. */
export interface AppServerWakeOptions {
  codexHome: () => string;
}

/**
 * Wake an idle Codex thread without typing: JSON-RPC over WebSocket on the shared
 * daemon's control socket — `initialize`, then `turn/start {threadId, input: [{type:
 * "text", text}]}` with oxtail's fixed wake line (measured on Codex 0.169.0: the idle TUI
 * shows and runs the turn). Needs the daemon (not `--no-daemon`) and the thread id.
 */
export const codexAppServerWake = defineWakeStrategy<AppServerWakeOptions>((options) => {
  const socketPath = () => controlSocket(options?.codexHome() ?? "");
  return {
    name: "codex-app-server",
    capabilities: { verify: false },
    requirements: { binaries: ["codex"] },
    async readiness(target) {
      const thread = target.agent.client.session_id;
      if (!thread) return { ready: false, reason: "the Codex thread id is not known yet" };
      let isSocket = false;
      try {
        isSocket = fs.statSync(socketPath()).isSocket();
      } catch {
        // no daemon
      }
      if (!isSocket)
        return {
          ready: false,
          reason: "no Codex daemon control socket (Codex runs --no-daemon, or no daemon is up)",
        };
      const live = target.adapter?.liveness
        ? await target.adapter.liveness(target.agent).catch(() => null)
        : null;
      if (live?.state === "busy") return { ready: false, reason: `the peer is busy (${live.reason})` };
      return { ready: true, reason: `the Codex daemon's control socket is up; thread ${thread}` };
    },
    async wake(target): Promise<WakeOutcome> {
      const readiness = await this.readiness(target);
      if (!readiness.ready)
        return {
          attempted: false,
          strategy: "codex-app-server",
          outcome: "skipped",
          verifiedAfterMs: null,
          reason: readiness.reason,
        };
      if (target.options.retry) {
        return {
          attempted: false,
          strategy: "codex-app-server",
          outcome: "skipped",
          verifiedAfterMs: null,
          reason: "turn/start is not retried: it either started a turn or failed",
        };
      }
      const threadId = target.agent.client.session_id as string;
      try {
        await rpc(socketPath(), [
          { method: "initialize", params: { clientInfo: { name: "oxtail", version: "1" } } },
          { method: "initialized", params: {}, notify: true },
          { method: "turn/start", params: { threadId, input: [{ type: "text", text: WAKE_LINE }] } },
        ]);
        return {
          attempted: true,
          strategy: "codex-app-server",
          outcome: "unverified",
          verifiedAfterMs: null,
          reason: `turn/start on thread ${threadId} through the Codex daemon`,
        };
      } catch (error) {
        return {
          attempted: true,
          strategy: "codex-app-server",
          outcome: "failed",
          verifiedAfterMs: null,
          reason: (error as Error).message,
        };
      }
    },
  };
});
