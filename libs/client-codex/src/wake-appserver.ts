import fs from "node:fs";
import path from "node:path";
import { defineWakeStrategy, WAKE_LINE, type WakeOutcome } from "@oxtail/core";
import type WebSocket from "ws";

/** The Codex daemon's control socket under a Codex home. */
export function controlSocket(codexHome: string): string {
  return path.join(codexHome, "app-server-control", "app-server-control.sock");
}

/** How long the whole JSON-RPC exchange with the daemon may take, ms. */
const RPC_TIMEOUT_MS = 5000;

/** Where an exchange must stop: a time limit (epoch ms) and the caller's signal. */
interface RpcLimits {
  deadline: number;
  signal?: AbortSignal | undefined;
}

/** Wait for `setUp` to resolve, or reject at the limit (`what` names what did not happen) or on abort. */
function bounded<T>(
  limits: RpcLimits,
  what: string,
  setUp: (resolve: (value: T) => void, reject: (error: Error) => void) => () => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let cleanUp = () => {};
    const done = () => {
      clearTimeout(timer);
      limits.signal?.removeEventListener("abort", onAbort);
      cleanUp();
    };
    const onAbort = () => {
      done();
      reject(new Error(`${what}: stopped at the caller's deadline`));
    };
    const timer = setTimeout(
      () => {
        done();
        reject(new Error(what));
      },
      Math.max(0, limits.deadline - Date.now()),
    );
    if (limits.signal?.aborted) return onAbort();
    limits.signal?.addEventListener("abort", onAbort, { once: true });
    cleanUp = setUp(
      (value) => {
        done();
        resolve(value);
      },
      (error) => {
        done();
        reject(error);
      },
    );
  });
}

/**
 * Send JSON-RPC requests over the daemon's WebSocket (on its unix control socket), in
 * order, and resolve with their results; any error, time-out or abort rejects. Every
 * exchange ends by `limits.deadline`.
 */
async function rpc(
  socket: string,
  calls: { method: string; params: unknown; notify?: boolean }[],
  limits: RpcLimits,
): Promise<unknown[]> {
  // Loaded only for a wake: a server that never wakes a Codex peer never pays for it.
  const { default: WebSocketClient } = await import("ws");
  const ws = new WebSocketClient(`ws+unix://${socket}:/`);
  // A failure after the caller stopped listening must not surface as an unhandled error event.
  ws.on("error", () => {});
  const results: unknown[] = [];
  try {
    await bounded<void>(limits, "the Codex daemon did not answer", (resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
      return () => {
        ws.off("open", resolve);
        ws.off("error", reject);
      };
    });
    let id = 0;
    for (const call of calls) {
      if (limits.signal?.aborted) throw new Error(`${call.method}: not sent, the caller's deadline came`);
      if (call.notify) {
        ws.send(JSON.stringify({ jsonrpc: "2.0", method: call.method, params: call.params }));
        continue;
      }
      const myId = ++id;
      results.push(
        await bounded(limits, `${call.method}: no answer from the Codex daemon`, (resolve, reject) => {
          const onMessage = (data: WebSocket.RawData) => {
            let message: { id?: number; result?: unknown; error?: { message?: string } };
            try {
              message = JSON.parse(String(data));
            } catch {
              return;
            }
            if (message.id !== myId) return;
            if (message.error) reject(new Error(`${call.method}: ${message.error.message ?? "error"}`));
            else resolve(message.result);
          };
          const onClose = () => reject(new Error(`${call.method}: the Codex daemon closed the connection`));
          ws.on("message", onMessage);
          ws.once("close", onClose);
          ws.send(JSON.stringify({ jsonrpc: "2.0", id: myId, method: call.method, params: call.params }));
          return () => {
            ws.off("message", onMessage);
            ws.off("close", onClose);
          };
        }),
      );
    }
    return results;
  } finally {
    ws.terminate();
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
    async wake(target, wakeOptions): Promise<WakeOutcome> {
      if (wakeOptions?.attempt === "retry") {
        return {
          attempted: false,
          strategy: "codex-app-server",
          outcome: "skipped",
          verifiedAfterMs: null,
          reason: "turn/start is not retried: it either started a turn or failed",
        };
      }
      // Past the deadline nothing is started: not even a connection to the daemon.
      if (wakeOptions?.deadline !== undefined && wakeOptions.deadline <= Date.now())
        return {
          attempted: false,
          strategy: "codex-app-server",
          outcome: "skipped",
          verifiedAfterMs: null,
          reason: "the deadline had passed: turn/start was not sent",
        };
      const readiness = await this.readiness(target);
      if (!readiness.ready)
        return {
          attempted: false,
          strategy: "codex-app-server",
          outcome: "skipped",
          verifiedAfterMs: null,
          reason: readiness.reason,
        };
      if (wakeOptions?.signal?.aborted)
        return {
          attempted: false,
          strategy: "codex-app-server",
          outcome: "skipped",
          verifiedAfterMs: null,
          reason: "the deadline came before turn/start was sent",
        };
      const threadId = target.agent.client.session_id as string;
      try {
        await rpc(
          socketPath(),
          [
            { method: "initialize", params: { clientInfo: { name: "oxtail", version: "1" } } },
            { method: "initialized", params: {}, notify: true },
            { method: "turn/start", params: { threadId, input: [{ type: "text", text: WAKE_LINE }] } },
          ],
          {
            deadline: Math.min(
              Date.now() + RPC_TIMEOUT_MS,
              wakeOptions?.deadline ?? Number.POSITIVE_INFINITY,
            ),
            signal: wakeOptions?.signal,
          },
        );
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
