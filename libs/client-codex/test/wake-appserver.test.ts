import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { type AgentRecord, type ClientAdapter, WAKE_LINE, type WakeTarget } from "@oxtail/core";
import { makeAgentRecord } from "@oxtail/core/testing";
import { afterEach, describe, expect, it } from "vitest";
import codexAdapter from "../src/index.ts";
import { codexAppServerWake, controlSocket } from "../src/wake-appserver.ts";
import { type Answer, type FakeDaemon, fakeDaemon } from "./fake-daemon.ts";

const THREAD = "019ab6a1-0000-7000-8000-000000000001";
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function codexHome(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-appserver-"));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function daemon(home: string, answer: Answer = "answer"): Promise<FakeDaemon> {
  const d = await fakeDaemon(home, answer);
  cleanups.push(() => d.close());
  return d;
}

const peer = (thread: string | null = THREAD): AgentRecord =>
  makeAgentRecord({ client: { type: "codex", name: "codex-mcp-client", session_id: thread } });
const target = (agent = peer(), adapter: ClientAdapter | null = null): WakeTarget => ({
  agent,
  adapter,
  options: {},
});
const until = async (what: string, check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!check()) throw new Error(`timed out waiting for ${what}`);
};

describe("codex-app-server: turn/start through the Codex daemon", () => {
  it("initializes, then starts a turn on the thread with oxtail's fixed line, and hangs up", async () => {
    const home = codexHome();
    const d = await daemon(home);
    const strategy = codexAppServerWake({ codexHome: () => home });
    expect(await strategy.readiness(target())).toEqual({
      ready: true,
      reason: `the Codex daemon's control socket is up; thread ${THREAD}`,
    });
    expect(await strategy.wake(target(), { attempt: "first" })).toEqual({
      attempted: true,
      strategy: "codex-app-server",
      outcome: "unverified",
      verifiedAfterMs: null,
      reason: `turn/start on thread ${THREAD} through the Codex daemon`,
    });
    expect(d.received).toEqual([
      {
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: { clientInfo: { name: "oxtail", version: "1" } },
      },
      { jsonrpc: "2.0", method: "initialized", params: {} },
      {
        jsonrpc: "2.0",
        id: 2,
        method: "turn/start",
        params: { threadId: THREAD, input: [{ type: "text", text: WAKE_LINE }] },
      },
    ]);
    await until("the connection to close", () => d.closed() === 1);
  });

  it("reports the daemon's error as a failed attempt", async () => {
    const home = codexHome();
    await daemon(home, "error");
    expect(await codexAppServerWake({ codexHome: () => home }).wake(target())).toMatchObject({
      attempted: true,
      outcome: "failed",
      reason: "turn/start: no such thread",
    });
  });

  it("stops waiting when the caller's deadline comes, and sends nothing after it", async () => {
    const home = codexHome();
    const d = await daemon(home, "silent");
    const stop = new AbortController();
    d.onMessage((m) => {
      if (m.method === "initialize") stop.abort();
    });
    const outcome = await codexAppServerWake({ codexHome: () => home }).wake(target(), {
      attempt: "first",
      deadline: Date.now() + 60_000,
      signal: stop.signal,
    });
    expect(outcome).toMatchObject({
      attempted: true,
      outcome: "failed",
      reason: "initialize: no answer from the Codex daemon: stopped at the caller's deadline",
    });
    expect(d.received.map((m) => m.method)).toEqual(["initialize"]);
    await until("the connection to close", () => d.closed() === 1);
  });

  it("is not retried, and connects to nothing once the deadline has passed", async () => {
    const home = codexHome();
    const d = await daemon(home);
    const strategy = codexAppServerWake({ codexHome: () => home });
    expect(await strategy.wake(target(), { attempt: "retry" })).toMatchObject({
      attempted: false,
      outcome: "skipped",
      reason: "turn/start is not retried: it either started a turn or failed",
    });
    expect(await strategy.wake(target(), { attempt: "first", signal: AbortSignal.abort() })).toMatchObject({
      attempted: false,
      outcome: "skipped",
    });
    // A deadline already passed, with no signal: it connected and reported a failed attempt before.
    expect(await strategy.wake(target(), { attempt: "first", deadline: Date.now() - 1 })).toMatchObject({
      attempted: false,
      outcome: "skipped",
      reason: "the deadline had passed: turn/start was not sent",
    });
    expect(d.connections()).toBe(0);
  });

  it("is not ready without a thread id, without the daemon's socket, or with a busy peer", async () => {
    const home = codexHome();
    const strategy = codexAppServerWake({ codexHome: () => home });
    expect(await strategy.readiness(target(peer(null)))).toEqual({
      ready: false,
      reason: "the Codex thread id is not known yet",
    });
    const noDaemon = {
      ready: false,
      reason: "no Codex daemon control socket (Codex runs --no-daemon, or no daemon is up)",
    };
    expect(await strategy.readiness(target())).toEqual(noDaemon);
    // A regular file where the socket should be is no daemon.
    fs.mkdirSync(path.dirname(controlSocket(home)), { recursive: true });
    fs.writeFileSync(controlSocket(home), "");
    expect(await strategy.readiness(target())).toEqual(noDaemon);
    fs.rmSync(controlSocket(home));
    await daemon(home);
    const busy = {
      ...codexAdapter({ codexHome: home }),
      liveness: async () => ({ state: "busy" as const, lastActivity: null, reason: "a task is running" }),
    } as ClientAdapter;
    expect(await strategy.wake(target(peer(), busy))).toMatchObject({
      attempted: false,
      outcome: "skipped",
      reason: "the peer is busy (a task is running)",
    });
  });
});
