import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { type AgentRecord, type ClientAdapter, processStartTime, type WakeTarget } from "@oxtail/core";
import { recordSleeperWake } from "@oxtail/core/runtime";
import { makeAgentRecord } from "@oxtail/core/testing";
import { afterEach, describe, expect, it } from "vitest";
import claudeAdapter from "../src/index.ts";
import { claudeRewakeWake, RECENT_REWAKE_MS } from "../src/wake-rewake.ts";

const SESSION = "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb";
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const peer = (session: string | null = SESSION): AgentRecord =>
  makeAgentRecord({ client: { type: "claude", name: "claude-code", session_id: session } });

/** A Claude adapter whose liveness answers `state`. */
const withLiveness = (state: "busy" | "idle"): ClientAdapter =>
  ({
    ...claudeAdapter({ claudeDir: "/nonexistent" }),
    liveness: async () => ({ state, lastActivity: null, reason: `the session file says ${state}` }),
  }) as ClientAdapter;

function setUp() {
  const home = tempDir("oxtail-rewake-");
  const strategy = claudeRewakeWake({ oxtailHome: () => home });
  const target = (agent = peer(), adapter: ClientAdapter | null = null): WakeTarget => ({
    agent,
    adapter,
    options: {},
  });
  /** A sleeper waiting for the session: its lock names this test process (as the sleeper writes it). */
  const sleeperWaits = () => {
    fs.mkdirSync(path.join(home, "sleepers"), { recursive: true, mode: 0o700 });
    const lock = path.join(home, "sleepers", `${SESSION}.json`);
    fs.writeFileSync(
      lock,
      JSON.stringify({ pid: process.pid, start_time: processStartTime(process.pid), since: Date.now() }),
      { mode: 0o600 },
    );
    cleanups.push(() => fs.rmSync(lock, { force: true }));
  };
  return { home, strategy, target, sleeperWaits };
}

describe("claude-rewake: the asyncRewake sleeper as a wake", () => {
  it("is ready when a sleeper waits for the session, and then relies on it without typing", async () => {
    const { strategy, target, sleeperWaits } = setUp();
    sleeperWaits();
    expect(await strategy.readiness(target())).toEqual({
      ready: true,
      reason: `oxtail's asyncRewake sleeper (pid ${process.pid}) waits on the session's mailbox`,
    });
    expect(await strategy.wake(target(), { attempt: "first" })).toEqual({
      attempted: true,
      strategy: "claude-rewake",
      outcome: "unverified",
      verifiedAfterMs: null,
      reason: `oxtail's asyncRewake sleeper (pid ${process.pid}) waits on the session's mailbox`,
    });
  });

  it("counts a sleeper that has just woken the session, but not one that woke it long ago", async () => {
    const { home, strategy, target } = setUp();
    recordSleeperWake(home, SESSION, ["m1"]);
    expect(await strategy.readiness(target())).toMatchObject({
      ready: true,
      reason: expect.stringMatching(
        /^oxtail's asyncRewake sleeper woke the session \d+ ms ago with 1 message\(s\)$/,
      ),
    });
    recordSleeperWake(home, SESSION, ["m1"], Date.now() - RECENT_REWAKE_MS - 1000);
    expect(await strategy.readiness(target())).toMatchObject({
      ready: false,
      reason: expect.stringContaining("no oxtail asyncRewake sleeper waits for this session"),
    });
  });

  it("skips, saying why: no session id, no sleeper, a busy peer", async () => {
    const { strategy, target, sleeperWaits } = setUp();
    expect(await strategy.wake(target(peer(null)))).toMatchObject({
      attempted: false,
      outcome: "skipped",
      reason: "the Claude Code session id is not known yet",
    });
    expect(await strategy.wake(target())).toMatchObject({
      attempted: false,
      outcome: "skipped",
      reason: expect.stringContaining("`oxtail setup --claude` installs it"),
    });
    sleeperWaits();
    expect(await strategy.wake(target(peer(), withLiveness("busy")))).toMatchObject({
      attempted: false,
      outcome: "skipped",
      reason: "the peer is busy (the session file says busy); its hooks deliver the mail",
    });
    expect(await strategy.readiness(target(peer(), withLiveness("idle")))).toMatchObject({ ready: true });
  });

  it("is never retried, and does nothing once the caller's deadline has passed", async () => {
    const { strategy, target, sleeperWaits } = setUp();
    sleeperWaits();
    expect(await strategy.wake(target(), { attempt: "retry" })).toMatchObject({
      attempted: false,
      outcome: "skipped",
      reason: "the sleeper is not retried: it fires once when the mail arrives",
    });
    expect(await strategy.wake(target(), { attempt: "first", signal: AbortSignal.abort() })).toMatchObject({
      attempted: false,
      outcome: "skipped",
    });
    // A deadline already passed, with no signal: nothing to count on either (it said "attempted" before).
    expect(await strategy.wake(target(), { attempt: "first", deadline: Date.now() - 1 })).toMatchObject({
      attempted: false,
      outcome: "skipped",
      reason: "the deadline came before the sleeper was checked",
    });
  });
});
