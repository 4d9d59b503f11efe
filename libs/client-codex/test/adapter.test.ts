import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { AgentRecord } from "@oxtail/core";
import { writeIdentityDrop } from "@oxtail/core/runtime";
import { makeAgentRecord } from "@oxtail/core/testing";
import { afterEach, describe, expect, it } from "vitest";
import codexAdapter from "../src/index.ts";
import { findRollout, threadIdOfRollout, uuidV7Time } from "../src/paths.ts";
import { CODEX_HOME, FIXTURES, recordedRollout } from "./fixtures.ts";

const { file, threadId } = recordedRollout();
const make = () => codexAdapter({ codexHome: CODEX_HOME });
const context = (over: Record<string, unknown> = {}) => ({
  env: {},
  clientInfo: null,
  pid: process.pid,
  cwd: "/tmp",
  startedAt: Date.now(),
  ...over,
});

const agentRecord = (client: Partial<AgentRecord["client"]>): AgentRecord =>
  makeAgentRecord({ client: { type: "codex", name: "codex-mcp-client", ...client } });

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
function tempHome(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-codex-test-"));
  dirs.push(d);
  return d;
}

describe("Codex adapter: paths", () => {
  it("reads the creation time of a UUIDv7 thread id, and finds its rollout by date", () => {
    // The rollout's name carries the thread's creation time (local time; UTC on the recording machine).
    expect(new Date(uuidV7Time(threadId) as number).toISOString().slice(0, 19)).toBe("2026-11-24T15:48:12");
    expect(path.basename(file)).toContain("2026-11-24T15-48-12");
    expect(uuidV7Time("3f2504e0-4f89-41d3-9a0c-0305e82c3301")).toBeNull();
    expect(findRollout(CODEX_HOME, threadId.toUpperCase())).toBe(file);
    expect(findRollout(CODEX_HOME, "01a20e3e-0000-7000-8000-000000000000")).toBeNull();
    expect(threadIdOfRollout(file)).toBe(threadId);
  });
});

describe("Codex adapter: detection", () => {
  it("recognises Codex by clientInfo and explains what is missing", async () => {
    const report = await make().detect(
      context({ clientInfo: { name: "codex-mcp-client", version: "0.169.0" } }),
    );
    expect(report.matched).toBe(true);
    expect(report.strategies.map((s) => s.strategy)).toEqual([
      "clientInfo",
      "env",
      "ancestry",
      "hook-drop",
      "thread-time",
      "tui-by-thread-time",
    ]);
    expect(report.strategies.find((s) => s.strategy === "env")?.reason).toContain("no CODEX_THREAD_ID");
  });

  it("finds the thread whose UUIDv7 creation is near the server's start, in the same folder", async () => {
    const born = uuidV7Time(threadId) as number;
    const near = await make().detect(
      context({
        clientInfo: { name: "codex-mcp-client" },
        cwd: "/tmp/oxtail-fixture-proj-y5cfaY",
        startedAt: born + 500,
      }),
    );
    const cwdOfFixture = JSON.parse(fs.readFileSync(file, "utf8").split("\n")[0] as string).payload
      .cwd as string;
    const hit = await make().detect(
      context({ clientInfo: { name: "codex-mcp-client" }, cwd: cwdOfFixture, startedAt: born + 500 }),
    );
    expect(hit.session).toMatchObject({ sessionId: threadId, transcriptPath: file });
    expect(hit.strategies.find((s) => s.strategy === "thread-time")?.found).toBe(true);
    // Same time, another folder: not ours. Right folder, an hour later: not ours either.
    expect(near.strategies.find((s) => s.strategy === "thread-time")?.found).toBe(false);
    const late = await make().detect(
      context({ clientInfo: { name: "codex-mcp-client" }, cwd: cwdOfFixture, startedAt: born + 3_600_000 }),
    );
    expect(late.session?.sessionId).toBeUndefined();
  });

  it("takes the thread id from a hook's drop when it names this server's Codex process", async () => {
    const home = tempHome();
    const drop = {
      v: 1 as const,
      client_type: "codex",
      session_id: threadId,
      transcript_path: file,
      cwd: "/proj",
      ancestor_pids: [999_999],
      tmux_pane: "%4",
      tmux_socket: null,
      event: "UserPromptSubmit",
      at: new Date().toISOString(),
    };
    writeIdentityDrop(home, drop);
    // Our ancestry has no Codex process, so a drop can only be matched by a known thread id.
    const unmatched = await make().detect(
      context({ clientInfo: { name: "codex-mcp-client" }, oxtailHome: home, cwd: "/proj" }),
    );
    expect(unmatched.strategies.find((s) => s.strategy === "hook-drop")?.found).toBe(false);
    const matched = await make().detect(
      context({
        clientInfo: { name: "codex-mcp-client" },
        oxtailHome: home,
        env: { CODEX_THREAD_ID: threadId },
      }),
    );
    expect(matched.strategies.find((s) => s.strategy === "hook-drop")?.found).toBe(true);
    expect(matched.session).toMatchObject({ sessionId: threadId, transcriptPath: file, tmuxPane: "%4" });
  });
});

describe("Codex adapter: liveness", () => {
  it("is idle after task_complete, busy after an unfinished task_started, unknown without a rollout", async () => {
    const adapter = make();
    expect(await adapter.liveness?.(agentRecord({ transcript_path: file }))).toMatchObject({ state: "idle" });
    expect(
      await adapter.liveness?.(
        agentRecord({ transcript_path: path.join(FIXTURES, "edge", "ends-mid-turn.jsonl") }),
      ),
    ).toMatchObject({
      state: "busy",
    });
    expect(await adapter.liveness?.(agentRecord({}))).toMatchObject({ state: "unknown" });
  });
});

describe("Codex adapter: identity from a tool call's _meta", () => {
  // The _meta Codex 0.169.0 sent on a tools/call (measured, both daemon and --no-daemon modes).
  const meta = {
    callId: "call_1",
    "x-codex-turn-metadata": {
      session_id: threadId,
      thread_id: threadId,
      turn_id: "01a20e4c-7da6-7460-ab9e-adc50c11d2b1",
      codex_version: "0.169.0",
    },
    threadId: threadId.toUpperCase(),
    sessionId: threadId,
    windowId: `${threadId}:0`,
    progressToken: 1,
  };

  it("reads the thread id and finds its rollout", () => {
    expect(make().identityFromRequestMeta?.(meta)).toEqual({ sessionId: threadId, transcriptPath: file });
  });

  it("falls back to the turn metadata, and ignores a _meta without a valid thread id", () => {
    const adapter = make();
    expect(
      adapter.identityFromRequestMeta?.({ "x-codex-turn-metadata": { thread_id: threadId } })?.sessionId,
    ).toBe(threadId);
    expect(adapter.identityFromRequestMeta?.({ threadId: "../../etc" })).toBeNull();
    expect(adapter.identityFromRequestMeta?.({ progressToken: 3 })).toBeNull();
  });
});
