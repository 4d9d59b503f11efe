import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { processStartTime, readSleeper } from "../src/index.ts";
import {
  createFsMailboxStore,
  createMailbox,
  recordSleeperWake,
  ringSleeper,
  sessionMailboxKey,
} from "../src/runtime.ts";

const ME = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa";
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
function home(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-sleepers-"));
  dirs.push(d);
  fs.mkdirSync(path.join(d, "sleepers"), { mode: 0o700 });
  return d;
}
const lockFile = (h: string) => path.join(h, "sleepers", `${ME}.json`);
const writeLock = (h: string, lock: unknown) =>
  fs.writeFileSync(lockFile(h), JSON.stringify(lock), { mode: 0o600 });

describe("the sleeper's state, as a server reads it", () => {
  it("a live holder of the lock is the sleeper waiting (matched by pid and start time)", async () => {
    const h = home();
    const sleeper = spawn("sleep", ["30"]);
    await new Promise((r) => sleeper.once("spawn", r));
    const pid = sleeper.pid as number;
    try {
      writeLock(h, { pid, start_time: processStartTime(pid), since: 1234 });
      expect(readSleeper(h, ME.toUpperCase()).waiting).toMatchObject({ pid, since: 1234 });
      // The same pid with another start time is another process: not the sleeper.
      writeLock(h, { pid, start_time: "1", since: 1234 });
      expect(readSleeper(h, ME).waiting).toBeNull();
    } finally {
      sleeper.kill("SIGKILL");
    }
  });

  it("a dead holder or an unreadable lock counts as no sleeper", () => {
    const h = home();
    writeLock(h, { pid: 999_999, start_time: "1", since: 1 });
    expect(readSleeper(h, ME).waiting).toBeNull();
    fs.writeFileSync(lockFile(h), "{not json", { mode: 0o600 });
    expect(readSleeper(h, ME).waiting).toBeNull();
  });

  it("records the last wake with the messages it delivered; refuses ids that are not session ids", () => {
    const h = home();
    recordSleeperWake(h, ME, ["m1", "m2"], 42);
    expect(readSleeper(h, ME).lastWake).toEqual({ pid: process.pid, at: 42, messages: ["m1", "m2"] });
    expect(fs.statSync(path.join(h, "sleepers", `${ME}.woke.json`)).mode & 0o777).toBe(0o600);
    for (const bad of ["../../etc/passwd", "", "x".repeat(36)]) {
      recordSleeperWake(h, bad, ["m"]);
      expect(readSleeper(h, bad)).toEqual({ waiting: null, lastWake: null });
    }
    expect(fs.readdirSync(path.join(h, "sleepers")).sort()).toEqual([`${ME}.woke.json`]);
  });
});

describe("the bell", () => {
  it("a message queued for the session rings its sleeper's FIFO; with no reader or no bell nothing happens", async () => {
    const h = home();
    const bell = path.join(h, "sleepers", `${ME}.bell`);
    const mailbox = createMailbox({ store: createFsMailboxStore({ home: h }) });
    const from = { session_id: null, instance_id: "1-1", client_type: "test", display_name: "t" };
    const send = () =>
      mailbox.send({
        from,
        fromMailbox: sessionMailboxKey("bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb"),
        to: sessionMailboxKey(ME),
        toSessionId: ME,
        body: "hi",
      });
    await send(); // no bell yet: sending works
    execFileSync("mkfifo", ["-m", "600", bell]);
    await send(); // a bell and no reader: no block, no error
    const fd = fs.openSync(bell, fs.constants.O_RDWR | fs.constants.O_NONBLOCK);
    try {
      await send();
      const buffer = Buffer.alloc(16);
      expect(fs.readSync(fd, buffer, 0, 16, null)).toBe(1);
      expect(buffer.toString("utf8", 0, 1)).toBe("\n");
    } finally {
      fs.closeSync(fd);
    }
  });

  it("never writes to a bell that is not a FIFO of ours, nor through a symlink", () => {
    const h = home();
    const bell = path.join(h, "sleepers", `${ME}.bell`);
    const outside = path.join(h, "outside.txt");
    fs.writeFileSync(outside, "keep");
    fs.symlinkSync(outside, bell);
    ringSleeper(h, ME);
    expect(fs.readFileSync(outside, "utf8")).toBe("keep");
    fs.rmSync(bell);
    fs.writeFileSync(bell, "", { mode: 0o600 });
    ringSleeper(h, ME);
    expect(fs.readFileSync(bell, "utf8")).toBe("");
    ringSleeper(h, "../../etc");
  });
});
