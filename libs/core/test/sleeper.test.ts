import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { claimSleeper, processStartTime, readSleeper, recordSleeperWake } from "../src/index.ts";

const ME = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa";
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
function home(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-sleepers-"));
  dirs.push(d);
  return d;
}
const lockFile = (h: string) => path.join(h, "sleepers", `${ME}.json`);

describe("the sleeper lock and wake record", () => {
  it("one sleeper per session: the claim is private, read back as waiting, and released", () => {
    const h = home();
    const release = claimSleeper(h, ME.toUpperCase(), 1234);
    expect(release).not.toBeNull();
    expect(fs.statSync(lockFile(h)).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.join(h, "sleepers")).mode & 0o777).toBe(0o700);
    expect(readSleeper(h, ME).waiting).toMatchObject({ pid: process.pid, since: 1234 });
    release?.();
    expect(fs.existsSync(lockFile(h))).toBe(false);
    expect(readSleeper(h, ME)).toEqual({ waiting: null, lastWake: null });
  });

  it("the newest sleeper wins: a live holder is ended with SIGTERM and the lock taken over", async () => {
    const h = home();
    const older = spawn("sleep", ["30"]);
    await new Promise((r) => older.once("spawn", r));
    const pid = older.pid as number;
    fs.mkdirSync(path.join(h, "sleepers"), { mode: 0o700 });
    fs.writeFileSync(lockFile(h), JSON.stringify({ pid, start_time: processStartTime(pid), since: 1 }), {
      mode: 0o600,
    });
    expect(readSleeper(h, ME).waiting?.pid).toBe(pid);
    const exited = new Promise((r) => older.once("exit", (_code, signal) => r(signal)));
    const release = claimSleeper(h, ME);
    expect(release).not.toBeNull();
    expect(await exited).toBe("SIGTERM");
    expect(readSleeper(h, ME).waiting?.pid).toBe(process.pid);
    release?.();
  });

  it("a dead holder or an unreadable lock counts as no sleeper, and is taken over", () => {
    const h = home();
    fs.mkdirSync(path.join(h, "sleepers"), { mode: 0o700 });
    fs.writeFileSync(lockFile(h), JSON.stringify({ pid: 999_999, start_time: "1", since: 1 }), {
      mode: 0o600,
    });
    expect(readSleeper(h, ME).waiting).toBeNull();
    fs.writeFileSync(lockFile(h), "{not json", { mode: 0o600 });
    expect(readSleeper(h, ME).waiting).toBeNull();
    const release = claimSleeper(h, ME);
    expect(readSleeper(h, ME).waiting?.pid).toBe(process.pid);
    release?.();
  });

  it("records the last wake with the messages it delivered; refuses ids that are not session ids", () => {
    const h = home();
    recordSleeperWake(h, ME, ["m1", "m2"], 42);
    expect(readSleeper(h, ME).lastWake).toEqual({ pid: process.pid, at: 42, messages: ["m1", "m2"] });
    expect(fs.statSync(path.join(h, "sleepers", `${ME}.woke.json`)).mode & 0o777).toBe(0o600);
    for (const bad of ["../../etc/passwd", "", "x".repeat(36)]) {
      expect(claimSleeper(h, bad)).toBeNull();
      expect(readSleeper(h, bad)).toEqual({ waiting: null, lastWake: null });
    }
    expect(fs.readdirSync(path.join(h, "sleepers")).sort()).toEqual([`${ME}.woke.json`]);
  });
});
