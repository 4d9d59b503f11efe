import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { processStartedAt, processStartTime } from "@oxtail/core";
import { afterEach, describe, expect, it } from "vitest";
import codexAdapter from "../src/index.ts";

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

function tempDir(): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-codex-proc-")));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A program named `codex` (a link to sh) running `script` with `args`; resolves its first output line. */
async function codexProcess(dir: string, script: string, args: string[] = [], cwd = dir) {
  const codex = path.join(dir, "codex");
  if (!fs.existsSync(codex)) fs.symlinkSync("/bin/sh", codex);
  // Its own process group, so that the cleanup ends it with everything it started.
  const child = spawn(codex, ["-c", script, "codex", ...args], {
    cwd,
    stdio: ["pipe", "pipe", "ignore"],
    detached: true,
  });
  cleanups.push(() => process.kill(-(child.pid as number), "SIGKILL"));
  const line = await new Promise<string>((resolve) =>
    child.stdout?.once("data", (chunk) => resolve(String(chunk))),
  );
  return { pid: child.pid as number, line: line.trim() };
}

/** A UUIDv7 whose creation time is `ms`. */
function uuidV7(ms: number): string {
  const hex = ms.toString(16).padStart(12, "0");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7000-8000-000000000001`;
}

describe("Codex detection finds the client process", () => {
  it("records the TUI ancestor (--no-daemon) with its start time", async () => {
    const dir = tempDir();
    // The TUI starts a child standing in for oxtail's server, and prints its pid.
    const tui = await codexProcess(dir, "sleep 30 & echo $!; wait");
    const serverPid = Number(tui.line);
    const report = await codexAdapter({ codexHome: dir }).detect({
      env: {},
      clientInfo: null,
      pid: serverPid,
      cwd: dir,
      startedAt: Date.now(),
    });
    expect(report.session).toMatchObject({ clientPid: tui.pid, clientStartTime: processStartTime(tui.pid) });
  });

  it("under the shared daemon, records the one TUI of this folder that started just before the thread", async () => {
    const dir = tempDir();
    const project = fs.realpathSync(fs.mkdtempSync(path.join(dir, "project-")));
    // It waits on a builtin (read), forking nothing that could pass for a second TUI.
    const tui = await codexProcess(dir, "echo up; read line", [], project);
    const daemon = await codexProcess(dir, "sleep 30 & echo $!; wait", ["app-server"]);
    const serverPid = Number(daemon.line);
    const thread = uuidV7((processStartedAt(tui.pid) as number) + 500);
    const report = await codexAdapter({ codexHome: dir }).detect({
      env: { CODEX_THREAD_ID: thread },
      clientInfo: null,
      pid: serverPid,
      cwd: project,
      startedAt: Date.now(),
    });
    expect(report.strategies.find((s) => s.strategy === "ancestry")?.reason).toContain(
      "shared app-server daemon",
    );
    expect(report.session).toMatchObject({
      sessionId: thread,
      clientPid: tui.pid,
      clientStartTime: processStartTime(tui.pid),
    });
    // The daemon is not the client: it serves every TUI.
    expect(report.session?.clientPid).not.toBe(daemon.pid);
  });

  it("two TUIs of one folder started close together: the one another live agent holds with another thread is not this thread's", async () => {
    const dir = tempDir();
    const project = fs.realpathSync(fs.mkdtempSync(path.join(dir, "project-")));
    const first = await codexProcess(dir, "echo up; read line", [], project);
    const second = await codexProcess(dir, "echo up; read line", [], project);
    const daemon = await codexProcess(dir, "sleep 30 & echo $!; wait", ["app-server"]);
    const thread = uuidV7((processStartedAt(second.pid) as number) + 500);
    const detect = (
      otherAgents: { sessionId: string; clientPid: number; clientStartTime: string | null }[],
    ) =>
      codexAdapter({ codexHome: dir }).detect({
        env: { CODEX_THREAD_ID: thread },
        clientInfo: null,
        pid: Number(daemon.line),
        cwd: project,
        startedAt: Date.now(),
        otherAgents: otherAgents.map((a) => ({ ...a, tmuxPane: null })),
      });
    // Alone, the two are ambiguous: no client, no pane.
    const alone = await detect([]);
    expect(alone.session?.clientPid).toBeUndefined();
    expect(alone.strategies.find((s) => s.strategy === "tui-by-thread-time")?.reason).toContain("ambiguous");
    // The first TUI's own server registered it with its thread: the second is this thread's.
    const other = uuidV7((processStartedAt(first.pid) as number) + 100);
    const held = await detect([
      { sessionId: other, clientPid: first.pid, clientStartTime: processStartTime(first.pid) },
    ]);
    expect(held.session).toMatchObject({
      clientPid: second.pid,
      clientStartTime: processStartTime(second.pid),
    });
    // A record naming a reused pid (another start time) proves nothing: still ambiguous.
    const stale = await detect([{ sessionId: other, clientPid: first.pid, clientStartTime: "1" }]);
    expect(stale.session?.clientPid).toBeUndefined();
  });
});
