import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { type AgentRecord, processInfo, processStartTime } from "@oxtail/core";
import { afterEach, describe, expect, it } from "vitest";
import { paneRunsAgent, resolveAgentPane } from "../src/panes.ts";
import { createTmux } from "../src/tmux.ts";
import tmuxWake, { WAKE_TEXT } from "../src/wake.ts";

const servers: { socket: string; dir: string }[] = [];
afterEach(() => {
  for (const { socket, dir } of servers.splice(0)) {
    try {
      execFileSync("tmux", ["-S", socket, "kill-server"], { stdio: "ignore" });
    } catch {
      // not running
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

const until = async (what: string, check: () => boolean) => {
  for (let i = 0; i < 200; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
};

/** A private tmux server whose panes each record every line typed into them. */
function privateTmux() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-panes-"));
  const socket = path.join(dir, "sock");
  servers.push({ socket, dir });
  // A program merely *named* claude: a link to sh. Its process name proves nothing.
  const claude = path.join(dir, "claude");
  fs.symlinkSync("/bin/sh", claude);
  const tmux = (args: string[]) =>
    execFileSync("tmux", ["-S", socket, ...args], {
      encoding: "utf8",
      env: { PATH: process.env.PATH },
    }).trim();
  /**
   * A session whose pane runs `shell` reading lines into `<name>.typed`. With `child`, the pane
   * also starts a background `sleep` (its pid in `<name>.pid`): a process deep in the pane's tree.
   */
  const session = (name: string, shell: string, child = false) => {
    const typed = path.join(dir, `${name}.typed`);
    const pidFile = path.join(dir, `${name}.pid`);
    const start = child ? `sleep 3600 & echo $! > ${pidFile}; ` : "";
    tmux([
      "new-session",
      "-d",
      "-s",
      name,
      `${shell} -c '${start}while IFS= read -r l; do printf "%s\\n" "$l" >> ${typed}; done'`,
    ]);
    const [pane = "", pid = "0"] = tmux([
      "display-message",
      "-p",
      "-t",
      name,
      "#{pane_id} #{pane_pid}",
    ]).split(" ");
    return { pane, panePid: Number(pid), typed, pidFile };
  };
  /** The pid of a session's background child, once it is written. */
  const childPid = async (pidFile: string) => {
    await until(
      "the child's pid",
      () => fs.existsSync(pidFile) && fs.readFileSync(pidFile, "utf8").endsWith("\n"),
    );
    return Number(fs.readFileSync(pidFile, "utf8").trim());
  };
  /** Type a marker line ourselves and wait for it: anything typed before it would come first. */
  const onlyMarker = async (name: string, typed: string) => {
    tmux(["send-keys", "-t", name, "-l", "MARKER"]);
    tmux(["send-keys", "-t", name, "Enter"]);
    await until(
      `the marker in ${name}`,
      () => fs.existsSync(typed) && fs.readFileSync(typed, "utf8").includes("MARKER\n"),
    );
    return fs.readFileSync(typed, "utf8");
  };
  return { dir, socket, claude, tmux, session, childPid, onlyMarker };
}

/** A Claude peer's record: its oxtail server `pid` (checked by start time) and, optionally, its client. */
function claudePeer(
  socket: string,
  pane: string,
  pid: number,
  client: { pid?: number; start_time?: string | null } = {},
): AgentRecord {
  return {
    schema: 1,
    instance_id: `${pid}-1`,
    pid,
    start_time: processStartTime(pid),
    started_at: "",
    updated_at: "",
    oxtail_version: "t",
    cwd: "/",
    client: {
      type: "claude",
      name: "claude-code",
      version: null,
      session_id: "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb",
      transcript_path: null,
      cwd: null,
      ...client,
    },
    tmux: { socket, session: "peer", window: "0", pane },
    state: null,
  };
}

describe("a wake types only into the peer's own pane", () => {
  it("with the recorded pane gone, never types into a pane whose process is merely named claude", async () => {
    const t = privateTmux();
    const victim = t.session("victim", t.claude);
    // The pane's shell execs the program: from then on its process is named claude.
    await until("the victim pane to run claude", () => processInfo(victim.panePid)?.comm === "claude");
    // The peer (this test process) is alive, but in no pane; its recorded pane no longer exists.
    const peer = claudePeer(t.socket, "%77", process.pid);
    const outcome = await tmuxWake().wake({ agent: peer, adapter: null, options: {} });
    expect(outcome).toEqual({
      attempted: false,
      strategy: "tmux",
      outcome: "pane-unverified",
      verifiedAfterMs: null,
      reason: `pane %77 is gone; no tmux pane holds the peer's own processes (oxtail server pid ${process.pid}): not typing into any pane`,
    });
    expect(await t.onlyMarker("victim", victim.typed)).toBe("MARKER\n");
  });

  it("finds the peer's own pane after its pane id changed, by the peer's process deep in its tree, not the first claude pane", async () => {
    const t = privateTmux();
    const victim = t.session("victim", t.claude); // listed first
    await until("the victim pane to run claude", () => processInfo(victim.panePid)?.comm === "claude");
    const own = t.session("peer", "sh", true);
    const server = await t.childPid(own.pidFile); // stands in for the peer's oxtail server
    const peer = claudePeer(t.socket, "%77", server);
    expect(paneRunsAgent(own.panePid, peer)).toBe(true);
    expect(paneRunsAgent(victim.panePid, peer)).toBe(false);
    expect(await resolveAgentPane(createTmux({ socketPath: t.socket }), peer)).toEqual({
      pane: own.pane,
      unverified: false,
      reason: `the peer's pane is now ${own.pane} (recorded: %77): it runs the peer's oxtail server (pid ${server})`,
    });
    const outcome = await tmuxWake().wake({ agent: peer, adapter: null, options: {} });
    expect(outcome).toMatchObject({
      attempted: true,
      outcome: "unverified",
      reason: `typed the wake line into ${own.pane}`,
    });
    await until(
      "the wake line",
      () => fs.existsSync(own.typed) && fs.readFileSync(own.typed, "utf8").endsWith("\n"),
    );
    expect(fs.readFileSync(own.typed, "utf8")).toBe(`${WAKE_TEXT}\n`);
    expect(await t.onlyMarker("victim", victim.typed)).toBe("MARKER\n");
  });

  it("accepts the peer's recorded client process as proof, but not a client pid whose start time differs (a reused pid)", async () => {
    const t = privateTmux();
    const own = t.session("peer", "sh", true);
    const client = await t.childPid(own.pidFile);
    // Its oxtail server is elsewhere (as under Codex's shared daemon): this test process.
    const proven = claudePeer(t.socket, own.pane, process.pid, {
      pid: client,
      start_time: processStartTime(client),
    });
    expect(await resolveAgentPane(createTmux({ socketPath: t.socket }), proven)).toMatchObject({
      pane: own.pane,
      reason: `pane ${own.pane} runs the peer (its client, pid ${client})`,
    });
    const reused = claudePeer(t.socket, own.pane, process.pid, { pid: client, start_time: "1" });
    const outcome = await tmuxWake().wake({ agent: reused, adapter: null, options: {} });
    expect(outcome).toMatchObject({
      attempted: false,
      outcome: "pane-unverified",
      reason: expect.stringContaining(`pane ${own.pane} is not the peer's`),
    });
    expect(await t.onlyMarker("peer", own.typed)).toBe("MARKER\n");
  });

  it("takes no pid as proof from a record without a start time", async () => {
    const t = privateTmux();
    const own = t.session("peer", "sh");
    const peer = { ...claudePeer(t.socket, own.pane, own.panePid), start_time: null };
    expect(await tmuxWake().readiness({ agent: peer, adapter: null, options: {} })).toEqual({
      ready: false,
      outcome: "pane-unverified",
      reason: `pane ${own.pane} is not the peer's; the peer's record gives no start time to check its processes by (oxtail server pid ${own.panePid}): not typing into any pane`,
    });
  });

  it("types nothing once the caller's deadline has passed", async () => {
    const t = privateTmux();
    const own = t.session("peer", "sh");
    const peer = claudePeer(t.socket, own.pane, own.panePid);
    const outcome = await tmuxWake().wake(
      { agent: peer, adapter: null, options: {} },
      { attempt: "first", signal: AbortSignal.abort() },
    );
    expect(outcome).toMatchObject({
      attempted: false,
      outcome: "skipped",
      reason: "the deadline came before typing",
    });
    expect(await t.onlyMarker("peer", own.typed)).toBe("MARKER\n");
  });
});
