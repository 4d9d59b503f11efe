// Issue: a server instance learns its session id, transcript and pane with no action by the agent.
// A real Claude Code and a real Codex each start fixtures/detect-probe.ts (the adapters' detection
// ladders) from their MCP config; the verdicts are compared with what the clients really wrote.

import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import type { DetectionReport } from "@oxtail/core";
import { afterEach, describe, expect, it } from "vitest";
import { Agent, until } from "../src/agent.ts";
import type { McpServerConfig } from "../src/homes.ts";
import { removeTempDirs, tempDir } from "../src/temp.ts";
import { readJsonLines } from "../src/transcripts.ts";

const PROBE = path.join(import.meta.dirname, "..", "fixtures", "detect-probe.ts");
const TSX = createRequire(import.meta.url).resolve("tsx");
const running: Agent[] = [];
afterEach(async () => {
  for (const agent of running.splice(0)) await agent.stop();
  removeTempDirs();
});

interface Verdict {
  trigger: string;
  reports: { claude: DetectionReport; codex: DetectionReport };
}

function setup() {
  const dir = tempDir("oxtail-detect-proj");
  fs.mkdirSync(path.join(dir, ".git"));
  const log = path.join(dir, "detect.log");
  const probe: McpServerConfig = {
    command: process.execPath,
    args: ["--conditions=@oxtail/source", "--import", TSX, PROBE],
    env: { DETECT_LOG: log },
    envVars: ["TMUX", "TMUX_PANE"],
  };
  return {
    dir,
    log,
    probe,
    verdicts: () => (fs.existsSync(log) ? (readJsonLines(log) as unknown as Verdict[]) : []),
  };
}

describe("detection inside the real clients", () => {
  it("Claude Code: at start-up the server knows its session id, transcript path and pane", async () => {
    const { dir, probe, verdicts } = setup();
    const agent = await Agent.start({
      kind: "claude",
      projectDir: dir,
      mcpServers: { probe },
      script: [[{ say: "ok" }]],
    });
    running.push(agent);
    const first = await until("the probe's start-up verdict", 30_000, () =>
      verdicts().find((v) => v.trigger === "initialized"),
    );
    const report = first.reports.claude;
    expect(report.matched).toBe(true);
    expect(first.reports.codex.matched).toBe(false);
    // The truth: Claude's own session file, and the pane tmux says the client runs in.
    const own = agent.claudeSessionId();
    expect(own).toMatch(/^[0-9a-f-]{36}$/);
    expect(report.session?.sessionId).toBe(own);
    expect(report.session?.tmuxPane).toBe(agent.tmux.pane(agent.session).id);
    expect(report.strategies.filter((s) => s.found).map((s) => s.strategy)).toEqual(
      expect.arrayContaining(["clientInfo", "env", "ancestry"]),
    );
    // The transcript does not exist before the first prompt; the path it names is where it appears.
    await agent.prompt("hello");
    expect(agent.transcriptPath(), JSON.stringify(report, null, 1)).toBe(report.session?.transcriptPath);
  });

  for (const daemon of [false, true]) {
    it(`Codex (${daemon ? "shared daemon" : "--no-daemon"}): after the first prompt the server knows its thread, rollout and pane`, async () => {
      const { dir, probe, verdicts } = setup();
      const agent = await Agent.start({
        kind: "codex",
        projectDir: dir,
        daemon,
        mcpServers: { probe },
        script: [[{ tool: "detect", server: "probe", args: {} }, { say: "detected" }]],
      });
      running.push(agent);
      await agent.prompt("Who am I?");
      const rollout = agent.transcriptPath() as string;
      const threadId = (readJsonLines(rollout)[0]?.payload as { id: string } | undefined)?.id;
      const verdict = verdicts().find((v) => v.trigger === "tool");
      expect(verdict, JSON.stringify(verdicts())).toBeDefined();
      const report = (verdict as Verdict).reports.codex;
      expect(report.matched).toBe(true);
      expect((verdict as Verdict).reports.claude.matched).toBe(false);
      expect(report.session?.sessionId, JSON.stringify(report.strategies, null, 1)).toBe(threadId);
      expect(report.session?.transcriptPath).toBe(rollout);
      expect(report.session?.tmuxPane, JSON.stringify(report.strategies, null, 1)).toBe(
        agent.tmux.pane(agent.session).id,
      );
      console.log(
        `[codex ${daemon ? "daemon" : "no-daemon"}] found by: ${report.strategies
          .filter((s) => s.found)
          .map((s) => `${s.strategy} (${s.reason})`)
          .join("; ")}`,
      );
    });
  }

  it("Codex (shared daemon, two TUIs in one folder): each server finds its own thread and pane", async () => {
    const { dir, probe, verdicts } = setup();
    const first = await Agent.start({
      kind: "codex",
      projectDir: dir,
      daemon: true,
      name: "codex-a",
      mcpServers: { probe },
      script: [
        [{ tool: "detect", server: "probe", args: {} }, { say: "a detected" }],
        [{ tool: "detect", server: "probe", args: {} }, { say: "b detected" }],
      ],
    });
    running.push(first);
    await first.prompt("Who am I? (a)");
    // The second TUI starts well after the first thread was created, on the first TUI's daemon.
    await new Promise((r) => setTimeout(r, 6000));
    const second = await Agent.start({ kind: "codex", projectDir: dir, shareWith: first, name: "codex-b" });
    running.unshift(second);
    const before = verdicts().length;
    await second.prompt("Who am I? (b)");
    const mine = verdicts()
      .slice(before)
      .find((v) => v.trigger === "tool");
    expect(mine, JSON.stringify(verdicts())).toBeDefined();
    const report = (mine as Verdict).reports.codex;
    const rollouts = [first.transcriptPath(), second.transcriptPath()];
    const newest = rollouts.find(
      (f) => f && readJsonLines(f).some((r) => JSON.stringify(r).includes("Who am I? (b)")),
    ) as string;
    const threadB = (readJsonLines(newest)[0]?.payload as { id: string } | undefined)?.id;
    expect(report.session?.sessionId, JSON.stringify(report.strategies, null, 1)).toBe(threadB);
    expect(report.session?.tmuxPane, JSON.stringify(report.strategies, null, 1)).toBe(
      second.tmux.pane(second.session).id,
    );
    expect(report.session?.tmuxPane).not.toBe(first.tmux.pane(first.session).id);
    console.log(
      `[codex shared daemon, 2nd TUI] found by: ${report.strategies
        .filter((s) => s.found)
        .map((s) => `${s.strategy} (${s.reason})`)
        .join("; ")}`,
    );
  });
});
