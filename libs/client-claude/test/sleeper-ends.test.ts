import { execFileSync, spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { processAncestry, readSleeper } from "@oxtail/core";
import { afterEach, describe, expect, it } from "vitest";
import {
  cleanUp,
  createSandbox,
  gatedFileCommands,
  HOOK,
  ME,
  mail,
  nodeWrapper,
  pause,
  pending,
  type Sandbox,
  SLEEPER,
  type Sleeper,
  startClient,
  startSleeper,
  until,
  writeSessionFile,
} from "./sleeper-harness.ts";

// How Claude Code's asyncRewake sleeper ends (issue 11 item 13: nothing oxtail starts outlives its client
// by more than a few seconds), run for real with a stand-in Claude Code. Every test's clean-up also
// checks that its sleepers ended by themselves once their client was gone.

afterEach(async () => {
  expect(await cleanUp()).toEqual([]);
});

const waitingPid = (sandbox: Sandbox) => readSleeper(sandbox.home, ME).waiting?.pid ?? null;

/** A sandbox with a live, idle stand-in Claude Code running ME. */
function withClient(status: "idle" | "busy" = "idle") {
  const sandbox = createSandbox();
  const client = startClient(sandbox);
  writeSessionFile(sandbox, client.pid as number, ME, status);
  return { sandbox, client };
}

async function waits(sandbox: Sandbox, sleeper: Sleeper): Promise<void> {
  expect(await until(() => waitingPid(sandbox) === sleeper.pid)).toBe(true);
}

describe("the sleeper ends with its client", () => {
  it("exits 0 taking nothing when its Claude Code dies, though its parent chain ends at init", async () => {
    const { sandbox, client } = withClient("busy");
    const sleeper = await startSleeper(sandbox);
    await waits(sandbox, sleeper);
    const chain = processAncestry(sleeper.pid).map((p) => p.pid);
    expect(chain).not.toContain(client.pid);
    expect(chain).not.toContain(process.pid);
    const sent = await mail(sandbox, "in view, but the session is busy");
    client.kill("SIGKILL");
    expect(await sleeper.exit(5000)).toBe(0);
    expect((await pending(sandbox)).map((m) => m.id)).toEqual([sent.id]);
    expect(readSleeper(sandbox.home, ME)).toEqual({ waiting: null, lastWake: null });
  });

  it("finds its client through CLAUDE_PID, and ends when it dies", async () => {
    const sandbox = createSandbox();
    const client = startClient(sandbox);
    const sleeper = await startSleeper(sandbox, { env: { CLAUDE_PID: String(client.pid) } });
    await waits(sandbox, sleeper);
    client.kill("SIGKILL");
    expect(await sleeper.exit(5000)).toBe(0);
    expect(waitingPid(sandbox)).toBeNull();
  });

  it("finds its client among its ancestors (no session file), and ends when it dies", async () => {
    const sandbox = createSandbox();
    const sleeper = await startSleeper(sandbox, { under: "claude" });
    await waits(sandbox, sleeper);
    sleeper.client?.kill("SIGKILL");
    expect(await sleeper.exit(5000)).toBe(0);
    expect(waitingPid(sandbox)).toBeNull();
  });

  it("exits 0 at once, taking no lock, when it finds no live Claude Code for its session", async () => {
    const sandbox = createSandbox();
    const gone = spawn("true", { env: sandbox.env() });
    await new Promise((resolve) => gone.on("exit", resolve));
    writeSessionFile(sandbox, gone.pid as number); // Claude Code crashed: its file names a dead pid
    const other = startClient(sandbox);
    writeSessionFile(sandbox, other.pid as number, "cccccccc-cccc-4ccc-8ccc-cccccccccccc");
    await mail(sandbox, "nobody to wake");
    const sleeper = await startSleeper(sandbox);
    expect(await sleeper.exit(3000)).toBe(0);
    expect(fs.existsSync(path.join(sandbox.home, "sleepers", `${ME}.json`))).toBe(false);
    expect(await pending(sandbox)).toHaveLength(1);
  });

  it("exits 0 quietly with its stdin closed and no session in its environment", () => {
    const sandbox = createSandbox();
    const run = spawnSync("sh", ["-c", '"$0" "$1" <&-; echo "exit $?"', SLEEPER, HOOK], {
      env: sandbox.env({ CLAUDE_CODE_SESSION_ID: undefined }),
      encoding: "utf8",
    });
    expect({ stdout: run.stdout, stderr: run.stderr }).toEqual({ stdout: "exit 0\n", stderr: "" });
  });

  it("exits 0 after its lifetime even while its client lives", async () => {
    const { sandbox } = withClient();
    const sleeper = await startSleeper(sandbox, { env: { OXTAIL_SLEEPER_LIFETIME_S: "2" } });
    await waits(sandbox, sleeper);
    expect(await sleeper.exit(6000)).toBe(0);
    expect(waitingPid(sandbox)).toBeNull();
  });

  it("exits 0 at once, touching nothing outside, at a planted lock (FIFO, symlink) or a symlinked sleepers/", async () => {
    for (const plant of ["fifo-lock", "symlink-lock", "symlink-folder"] as const) {
      const { sandbox } = withClient();
      const sleepers = path.join(sandbox.home, "sleepers");
      const lock = path.join(sleepers, `${ME}.json`);
      const outside = path.join(sandbox.dir, "outside");
      fs.mkdirSync(outside);
      fs.writeFileSync(path.join(outside, "keep.json"), "keep");
      fs.mkdirSync(plant === "symlink-folder" ? sandbox.home : sleepers, { recursive: true, mode: 0o700 });
      if (plant === "fifo-lock") execFileSync("mkfifo", ["-m", "600", lock]);
      if (plant === "symlink-lock") fs.symlinkSync(path.join(outside, "keep.json"), lock);
      if (plant === "symlink-folder") fs.symlinkSync(outside, sleepers);
      const sleeper = await startSleeper(sandbox);
      expect(await sleeper.exit(5000)).toBe(0);
      expect(fs.readdirSync(outside)).toEqual(["keep.json"]);
      expect(fs.readFileSync(path.join(outside, "keep.json"), "utf8")).toBe("keep");
      if (plant === "fifo-lock") expect(fs.lstatSync(lock).isFIFO()).toBe(true);
      else expect(fs.lstatSync(plant === "symlink-lock" ? lock : sleepers).isSymbolicLink()).toBe(true);
      expect(await cleanUp()).toEqual([]);
    }
  });
});

describe("one sleeper per session: the newest wins", () => {
  it("a second sleeper takes over: the first exits 0 and the lock names the second", async () => {
    const { sandbox } = withClient();
    const first = await startSleeper(sandbox);
    await waits(sandbox, first);
    const second = await startSleeper(sandbox);
    expect(await first.exit(3000)).toBe(0);
    await waits(sandbox, second);
    await pause(1500); // a look of the second at its lock
    expect(second.running()).toBe(true);
    expect(waitingPid(sandbox)).toBe(second.pid);
  });

  it("after every takeover, one after another or two at once, exactly one sleeper waits", async () => {
    const { sandbox } = withClient();
    const all: Sleeper[] = [];
    const settled = async (newest: Sleeper[]) => {
      await until(() => all.filter((s) => s.running()).length <= 1, 5000);
      await pause(1200); // one more look of each
      const live = all.filter((s) => s.running());
      expect(live).toHaveLength(1);
      expect(newest).toContain(live[0]);
      expect(waitingPid(sandbox)).toBe(live[0]?.pid);
    };
    for (let round = 0; round < 8; round++) {
      const next = await startSleeper(sandbox);
      all.push(next);
      await settled([next]);
    }
    for (let round = 0; round < 4; round++) {
      const pair = await Promise.all([startSleeper(sandbox), startSleeper(sandbox)]);
      all.push(...pair);
      await settled(pair);
    }
    for (const s of all.slice(0, -1)) if (!s.running()) expect(await s.exit(0)).toBe(0);
  });

  it("takes over a stale lock without signalling a process that now has its pid", async () => {
    const { sandbox } = withClient();
    // The lock of a sleeper that died; its pid now belongs to another process (another start time).
    const other = spawn("sleep", ["600"], { env: sandbox.env(), stdio: "ignore" });
    fs.mkdirSync(path.join(sandbox.home, "sleepers"), { recursive: true, mode: 0o700 });
    const stale = { pid: other.pid, start_time: "1", since: Date.now() - 60_000 };
    fs.writeFileSync(path.join(sandbox.home, "sleepers", `${ME}.json`), JSON.stringify(stale), {
      mode: 0o600,
    });
    const sleeper = await startSleeper(sandbox);
    await waits(sandbox, sleeper);
    await pause(500);
    const alive = other.exitCode === null && other.signalCode === null;
    other.kill("SIGKILL");
    expect(alive).toBe(true);
  });

  it("a sleeper replaced while it hands the mail over still wakes its session with it (exit 2)", async () => {
    const { sandbox } = withClient();
    const gate = path.join(sandbox.dir, "gate");
    const node = nodeWrapper(sandbox, gate); // the hook's Node holds its exit until the gate opens
    const first = await startSleeper(sandbox, { env: { OXTAIL_NODE: node.path } });
    await waits(sandbox, first);
    const sent = await mail(sandbox, "handed over during a takeover");
    expect(await until(() => fs.existsSync(`${gate}.ran`))).toBe(true); // printed, acknowledged
    const second = await startSleeper(sandbox); // tells the first to end
    await waits(sandbox, second);
    fs.writeFileSync(`${gate}.open`, "");
    expect(await first.exit()).toBe(2);
    expect(first.stderr()).toContain("handed over during a takeover");
    expect(readSleeper(sandbox.home, ME).lastWake?.messages).toEqual([sent.id]);
    expect(second.running()).toBe(true);
  });

  it("a sleeper ending by itself as a newer one takes over leaves the newer one's lock in place", async () => {
    const { sandbox } = withClient();
    const files = gatedFileCommands(sandbox);
    const first = await startSleeper(sandbox, { env: { PATH: files.path, OXTAIL_SLEEPER_LIFETIME_S: "2" } });
    await waits(sandbox, first);
    files.arm(); // its clean-up (after its lifetime) now stops at its first rm, mv or ln
    await until(() => files.entered() || !first.running());
    const second = await startSleeper(sandbox);
    await waits(sandbox, second);
    files.open();
    expect(await first.exit()).toBe(0);
    await pause(1500); // a look of the second at its lock
    expect(second.running()).toBe(true);
    expect(waitingPid(sandbox)).toBe(second.pid);
  });

  it("a sleeper whose lock went missing (a departing one died holding it aside) writes it again", async () => {
    const { sandbox } = withClient();
    const sleeper = await startSleeper(sandbox);
    await waits(sandbox, sleeper);
    fs.rmSync(path.join(sandbox.home, "sleepers", `${ME}.json`));
    await waits(sandbox, sleeper);
    expect(sleeper.running()).toBe(true);
  });
});
