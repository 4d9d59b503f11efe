import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { AgentRecord } from "@oxtail/core";
import { processStartTime, tmuxSocketFromEnv as socketFromTmuxEnv } from "@oxtail/core";
import { afterEach, describe, expect, it } from "vitest";
import { createTmux } from "../src/tmux.ts";
import tmuxWake, { WAKE_TEXT } from "../src/wake.ts";

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) {
    try {
      execFileSync("tmux", ["-S", path.join(dir, "sock"), "kill-server"], { stdio: "ignore" });
    } catch {
      // not running
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

/** A private tmux server on its own socket, with one session whose pane records what is typed. */
function privateServer() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-wake-tmux-"));
  made.push(dir);
  const socket = path.join(dir, "sock");
  const typed = path.join(dir, "typed.txt");
  execFileSync(
    "tmux",
    [
      "-S",
      socket,
      "new-session",
      "-d",
      "-s",
      "work",
      "-c",
      dir,
      `sh -c 'while IFS= read -r l; do printf "%s\\n" "$l" >> ${typed}; done'`,
    ],
    {
      env: { PATH: process.env.PATH },
    },
  );
  const [pane = "", pid = "0"] = execFileSync(
    "tmux",
    ["-S", socket, "display-message", "-p", "-t", "work", "#{pane_id} #{pane_pid}"],
    {
      encoding: "utf8",
    },
  )
    .trim()
    .split(" ");
  return { dir, socket, typed, pane, panePid: Number(pid) };
}

const waitFor = async (check: () => boolean) => {
  for (let i = 0; i < 100 && !check(); i++) await new Promise((r) => setTimeout(r, 50));
};

describe("tmux access", () => {
  it("lists sessions and panes of a private server, even with no locale in the environment", async () => {
    const { socket, pane, dir } = privateServer();
    const tmux = createTmux({ socketPath: socket, env: { PATH: process.env.PATH } });
    expect(await tmux.listSessions()).toEqual([{ name: "work", attached: false, windows: 1 }]);
    // A pane just created may not have entered its folder yet (tmux reads the process's cwd).
    for (let i = 0; i < 100 && (await tmux.listPanes())[0]?.cwd !== fs.realpathSync(dir); i++)
      await new Promise((r) => setTimeout(r, 20));
    expect(await tmux.listPanes()).toEqual([
      {
        session: "work",
        window: "0",
        pane,
        pid: expect.any(Number),
        attached: false,
        socket,
        cwd: fs.realpathSync(dir),
      },
    ]);
    expect(await tmux.hasPane(pane)).toBe(true);
    expect(await tmux.hasPane("%999")).toBe(false);
  });

  it("answers empty lists when no server runs, and tmux-unavailable when tmux is missing", async () => {
    const none = createTmux({ socketPath: path.join(os.tmpdir(), `oxtail-no-server-${process.pid}`) });
    expect(await none.listPanes()).toEqual([]);
    const missing = createTmux({ env: { PATH: "/nonexistent" } });
    await expect(missing.listSessions()).rejects.toMatchObject({ code: "tmux-unavailable" });
    expect(await missing.available()).toBe(false);
  });

  it("refuses anything but pane ids and key names before it reaches tmux", async () => {
    const calls: string[][] = [];
    const tmux = createTmux({
      exec: async (args) => {
        calls.push(args);
        return "";
      },
    });
    await expect(tmux.capture("work; rm -rf /", 10)).rejects.toMatchObject({ code: "invalid-input" });
    await expect(tmux.sendKeys("%1", ["Enter", "C-c; ls"])).rejects.toMatchObject({ code: "invalid-input" });
    await expect(tmux.paste("-t%1", "x")).rejects.toMatchObject({ code: "invalid-input" });
    expect(calls).toEqual([]);
  });

  it("pastes text as data: a bracketed paste of a buffer, never send-keys", async () => {
    const calls: string[][] = [];
    const tmux = createTmux({
      exec: async (args) => {
        calls.push(args);
        return "";
      },
    });
    await tmux.paste("%3", "C-c Enter $(reboot)");
    expect(calls.map((c) => c[0])).toEqual(["set-buffer", "paste-buffer"]);
    expect(calls[0]?.slice(-2)).toEqual(["--", "C-c Enter $(reboot)"]);
    expect(calls[1]).toContain("-p");
  });

  it("reads the socket from $TMUX", () => {
    expect(socketFromTmuxEnv("/tmp/tmux-0/default,123,0")).toBe("/tmp/tmux-0/default");
    expect(socketFromTmuxEnv(undefined)).toBeNull();
  });
});

describe("tmux wake", () => {
  // The pane's own shell stands in for the peer's oxtail server (checked by pid and start time).
  const agent = (socket: string, pane: string | null, pid = process.pid): AgentRecord => ({
    schema: 1,
    instance_id: "1-1",
    pid,
    start_time: processStartTime(pid),
    started_at: "",
    updated_at: "",
    oxtail_version: "t",
    cwd: "/",
    client: { type: null, name: null, version: null, session_id: null, transcript_path: null, cwd: null },
    tmux: pane ? { socket, session: "work", window: "0", pane } : null,
    state: null,
  });

  it("types oxtail's fixed line and submits it with a separate Enter", async () => {
    const { socket, pane, typed, panePid } = privateServer();
    const outcome = await tmuxWake().wake({
      agent: agent(socket, pane, panePid),
      adapter: null,
      options: {},
    });
    expect(outcome).toMatchObject({ attempted: true, strategy: "tmux", outcome: "unverified" });
    // The shell's `>>` creates the file before it writes the line: wait for the whole line.
    await waitFor(() => fs.existsSync(typed) && fs.readFileSync(typed, "utf8").endsWith("\n"));
    expect(fs.readFileSync(typed, "utf8")).toBe(`${WAKE_TEXT}\n`);
  });

  it("never types into a pane that does not run the peer", async () => {
    const { socket, pane, typed } = privateServer();
    // The peer is this test process: alive, but in no pane.
    const outcome = await tmuxWake().wake({
      agent: agent(socket, pane),
      adapter: null,
      options: {},
    });
    expect(outcome).toMatchObject({
      attempted: false,
      outcome: "pane-unverified",
      reason: `pane ${pane} is not the peer's; no tmux pane holds the peer's own processes (oxtail server pid ${process.pid}): not typing into any pane`,
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(fs.existsSync(typed)).toBe(false);
  });

  it("re-resolves a stale pane id to the pane the peer runs in", async () => {
    const { socket, pane, typed, panePid } = privateServer();
    expect(
      await tmuxWake().readiness({ agent: agent(socket, "%77", panePid), adapter: null, options: {} }),
    ).toMatchObject({
      ready: true,
      reason: expect.stringContaining(`the peer's pane is now ${pane}`),
    });
    const outcome = await tmuxWake().wake({
      agent: agent(socket, "%77", panePid),
      adapter: null,
      options: {},
    });
    expect(outcome).toMatchObject({ attempted: true, outcome: "unverified" });
    await waitFor(() => fs.existsSync(typed) && fs.readFileSync(typed, "utf8").endsWith("\n"));
    expect(fs.readFileSync(typed, "utf8")).toContain(WAKE_TEXT);
  });

  it("on a retry presses Right, Enter and types no second wake line", async () => {
    const { socket, pane, typed, panePid } = privateServer();
    const outcome = await tmuxWake().wake(
      { agent: agent(socket, pane, panePid), adapter: null, options: {} },
      { attempt: "retry" },
    );
    expect(outcome).toMatchObject({
      attempted: true,
      outcome: "unverified",
      reason: `pressed Right, Enter again in ${pane}`,
    });
    await waitFor(() => fs.existsSync(typed) && fs.readFileSync(typed, "utf8").endsWith("\n"));
    const line = fs.readFileSync(typed, "utf8");
    expect(line).not.toContain("[oxtail]");
    expect(line.split("\n")).toHaveLength(2); // one submitted line
  });

  it("types nowhere for a peer with no pane, or whose pane is gone, and says why", async () => {
    const { socket } = privateServer();
    expect(await tmuxWake().wake({ agent: agent(socket, null), adapter: null, options: {} })).toMatchObject({
      attempted: false,
      outcome: "pane-unverified",
      reason: expect.stringMatching(/^the peer has no known tmux pane; /),
    });
    const gone = await tmuxWake().readiness({ agent: agent(socket, "%77"), adapter: null, options: {} });
    expect(gone).toEqual({
      ready: false,
      outcome: "pane-unverified",
      reason: `pane %77 is gone; no tmux pane holds the peer's own processes (oxtail server pid ${process.pid}): not typing into any pane`,
    });
  });

  it("says tmux cannot be asked when it is missing (not that the pane is gone)", async () => {
    const missing = tmuxWake({ tmuxFor: () => createTmux({ env: { PATH: "/nonexistent" } }) });
    expect(
      await missing.readiness({ agent: agent("/nonexistent", "%1"), adapter: null, options: {} }),
    ).toMatchObject({
      ready: false,
      outcome: "skipped",
      reason: expect.stringContaining("tmux cannot be asked"),
    });
  });
});
