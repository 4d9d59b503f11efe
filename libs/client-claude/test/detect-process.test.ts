import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { processStartTime } from "@oxtail/core";
import { afterEach, describe, expect, it } from "vitest";
import claudeAdapter from "../src/index.ts";

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) {
    try {
      cleanup();
    } catch {
      // already gone
    }
  }
});

function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe("Claude Code detection finds the client process", () => {
  it("records the claude ancestor's pid and start time, for the pane check of a wake", async () => {
    const dir = tempDir("oxtail-claude-proc-");
    const claude = path.join(dir, "claude");
    fs.symlinkSync("/bin/sh", claude);
    // `claude` (a link to sh) starts a child that stands in for oxtail's server, and prints its pid.
    const child = spawn(claude, ["-c", "sleep 30 & echo $!; wait"], {
      stdio: ["ignore", "pipe", "ignore"],
      detached: true, // its own process group: the cleanup ends it with its child
    });
    cleanups.push(() => process.kill(-(child.pid as number), "SIGKILL"));
    const serverPid = await new Promise<number>((resolve) =>
      child.stdout?.once("data", (chunk) => resolve(Number(String(chunk).trim()))),
    );
    const report = await claudeAdapter({ claudeDir: dir }).detect({
      env: {},
      clientInfo: null,
      pid: serverPid,
      cwd: dir,
      startedAt: Date.now(),
    });
    expect(report.matched).toBe(true);
    expect(report.session).toMatchObject({
      clientPid: child.pid,
      clientStartTime: processStartTime(child.pid as number),
    });
    expect(report.strategies.find((s) => s.strategy === "ancestry")).toMatchObject({ found: true });
  });
});
