import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { AgentRecord } from "@oxtail/core";
import { writeIdentityDrop } from "@oxtail/core/runtime";
import { makeAgentRecord } from "@oxtail/core/testing";
import { afterEach, describe, expect, it } from "vitest";
import claudeAdapter from "../src/index.ts";
import { CLAUDE_HOME, FIXTURES, recordedSession } from "./fixtures.ts";

const { file, sessionId } = recordedSession();
const make = () => claudeAdapter({ claudeDir: CLAUDE_HOME });
const context = (over: Partial<Parameters<ReturnType<typeof make>["detect"]>[0]> = {}) => ({
  env: {},
  clientInfo: null,
  pid: process.pid,
  cwd: "/tmp",
  startedAt: Date.now(),
  ...over,
});

const agentRecord = (client: Partial<AgentRecord["client"]>): AgentRecord =>
  makeAgentRecord({ client: { type: "claude", name: "claude-code", ...client } });

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe("Claude Code adapter: detection", () => {
  it("takes session id, project dir, pane and socket from the environment, and finds the transcript", async () => {
    const report = await make().detect(
      context({
        env: {
          CLAUDECODE: "1",
          CLAUDE_CODE_SESSION_ID: sessionId.toUpperCase(),
          CLAUDE_PROJECT_DIR: "/proj",
          TMUX: "/tmp/tmux-0/s,12,0",
          TMUX_PANE: "%7",
        },
      }),
    );
    expect(report.matched).toBe(true);
    expect(report.session).toMatchObject({
      sessionId,
      cwd: "/proj",
      tmuxPane: "%7",
      tmuxSocket: "/tmp/tmux-0/s",
      transcriptPath: file,
    });
    expect(report.strategies.map((s) => s.strategy)).toEqual([
      "clientInfo",
      "env",
      "ancestry",
      "hook-drop",
      "transcript-birth",
    ]);
    expect(report.strategies.find((s) => s.strategy === "env")?.found).toBe(true);
  });

  it("refuses a malformed session id in the environment", async () => {
    const report = await make().detect(
      context({ env: { CLAUDECODE: "1", CLAUDE_CODE_SESSION_ID: "../../etc/passwd" } }),
    );
    expect(report.matched).toBe(true);
    expect(report.session?.sessionId).toBeUndefined();
    expect(report.strategies.find((s) => s.strategy === "env")?.reason).toContain(
      "no CLAUDE_CODE_SESSION_ID",
    );
  });

  it("says why each strategy found nothing outside Claude Code", async () => {
    const report = await make().detect(context());
    expect(report.matched).toBe(false);
    expect(report.strategies.every((s) => !s.found && s.reason.length > 0)).toBe(true);
  });

  it("uses a hook's identity drop for the transcript path and pane", async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-drop-"));
    dirs.push(home);
    writeIdentityDrop(home, {
      v: 1,
      client_type: "claude",
      session_id: sessionId,
      transcript_path: "/elsewhere/t.jsonl",
      cwd: "/proj",
      ancestor_pids: [process.ppid],
      tmux_pane: "%9",
      tmux_socket: null,
      event: "SessionStart",
      at: new Date().toISOString(),
    });
    const report = await make().detect(
      context({ env: { CLAUDE_CODE_SESSION_ID: sessionId }, oxtailHome: home }),
    );
    expect(report.strategies.find((s) => s.strategy === "hook-drop")).toMatchObject({ found: true });
    expect(report.session).toMatchObject({ transcriptPath: "/elsewhere/t.jsonl", tmuxPane: "%9" });
  });
});

describe("Claude Code adapter: transcripts and liveness", () => {
  it("finds a transcript by session id, with or without the right cwd", async () => {
    expect(await make().findTranscript?.(sessionId, { cwd: "/tmp/oxtail-fixture-proj-c4J1fn" })).toBe(file);
    expect(await make().findTranscript?.(sessionId, { cwd: "/some/other/place" })).toBe(file);
    expect(await make().findTranscript?.("00000000-0000-4000-8000-000000000000", { cwd: null })).toBeNull();
  });

  it("is idle after a finished turn and busy when the transcript ends mid-turn", async () => {
    const adapter = make();
    const idle = await adapter.liveness?.(agentRecord({ session_id: sessionId, transcript_path: file }));
    expect(idle).toMatchObject({ state: "idle" });
    const busy = await adapter.liveness?.(
      agentRecord({ transcript_path: path.join(FIXTURES, "edge", "ends-mid-turn.jsonl") }),
    );
    expect(busy).toMatchObject({ state: "busy" });
    expect(busy?.lastActivity).not.toBeNull();
    const unknown = await adapter.liveness?.(agentRecord({}));
    expect(unknown).toMatchObject({ state: "unknown" });
  });

  it("trusts Claude Code's own session file over the transcript", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-claude-dir-"));
    dirs.push(dir);
    fs.mkdirSync(path.join(dir, "sessions"));
    fs.writeFileSync(
      path.join(dir, "sessions", `${process.pid}.json`),
      JSON.stringify({
        pid: process.pid,
        sessionId,
        cwd: "/p",
        status: "busy",
        updatedAt: Date.now(),
        version: "2.1.197",
      }),
    );
    const live = await claudeAdapter({ claudeDir: dir }).liveness?.(
      agentRecord({ session_id: sessionId, transcript_path: file }),
    );
    expect(live).toMatchObject({ state: "busy" });
    expect(live?.reason).toContain("session file");
  });
});

describe("Claude Code's submitted prompts (the loop guard's human turn)", () => {
  it("returns the typed prompt, and null for Claude Code's own cross-session messages", () => {
    const hooks = claudeAdapter().hooks;
    expect(hooks?.prompt?.({ prompt: "carry on" })).toBe("carry on");
    expect(
      hooks?.prompt?.({ prompt: '<cross-session-message from="x" name="y">do it</cross-session-message>' }),
    ).toBeNull();
    expect(hooks?.prompt?.({})).toBeNull();
  });
});
