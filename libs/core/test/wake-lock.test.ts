import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { processStartTime } from "../src/index.ts";
import { acquireWakeLock, processToken, WAKE_LOCK_TTL_MS } from "../src/runtime.ts";

const PEER = "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb";
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
function home(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-wakelock-"));
  dirs.push(d);
  return d;
}
const lockFile = (h: string) => path.join(h, "wakes", `${PEER}.lock`);

describe("one wake per peer at a time (the wake lock)", () => {
  it("is exclusive while held, private, and free again once released", () => {
    const h = home();
    const release = acquireWakeLock(h, PEER, 1000);
    expect(release).not.toBeNull();
    expect(fs.statSync(lockFile(h)).mode & 0o777).toBe(0o600);
    expect(acquireWakeLock(h, PEER, 1001)).toBeNull(); // a second waker waits its turn
    release?.();
    expect(fs.existsSync(lockFile(h))).toBe(false);
    const again = acquireWakeLock(h, PEER, 1002);
    expect(again).not.toBeNull();
    again?.();
  });

  it("is taken over from a dead holder, an unreadable file, or a holder older than the TTL", () => {
    const h = home();
    fs.mkdirSync(path.join(h, "wakes"), { mode: 0o700 });
    for (const stale of [
      JSON.stringify({ pid: 999_999, start_time: "1", at: 1000 }),
      "{not json",
      JSON.stringify({ pid: process.pid, start_time: null, at: 1000 - WAKE_LOCK_TTL_MS - 1 }),
    ]) {
      fs.writeFileSync(lockFile(h), stale, { mode: 0o600 });
      const release = acquireWakeLock(h, PEER, 1000);
      expect(release, stale).not.toBeNull();
      expect(JSON.parse(fs.readFileSync(lockFile(h), "utf8"))).toMatchObject({ pid: process.pid, at: 1000 });
      release?.();
    }
  });

  it("refuses a key that could leave the folder", () => {
    const h = home();
    for (const bad of ["../x", "a/b", ""]) expect(acquireWakeLock(h, bad)).toBeNull();
  });

  it("a holder whose lock was taken over releases nothing of the new holder's", () => {
    const h = home();
    const first = acquireWakeLock(h, PEER, 1000);
    const second = acquireWakeLock(h, PEER, 1000 + WAKE_LOCK_TTL_MS + 1); // the first one is stale now
    expect(first).not.toBeNull();
    expect(second).not.toBeNull();
    first?.();
    expect(JSON.parse(fs.readFileSync(lockFile(h), "utf8"))).toMatchObject({
      at: 1000 + WAKE_LOCK_TTL_MS + 1,
    });
    second?.();
    expect(fs.readdirSync(path.join(h, "wakes"))).toEqual([]); // no scratch file or token left
  });

  it("steps back while a live process holds the stale lock's break token, passes a dead one's", () => {
    const h = home();
    fs.mkdirSync(path.join(h, "wakes"), { mode: 0o700 });
    fs.writeFileSync(lockFile(h), JSON.stringify({ pid: 999_999, start_time: "1", at: 1 }), { mode: 0o600 });
    const token = (level: number) =>
      path.join(h, "wakes", `.${PEER}.lock.break-${fs.statSync(lockFile(h)).ino}.${level}`);
    fs.writeFileSync(token(1), processToken(process.pid, processStartTime(process.pid)), { mode: 0o600 });
    expect(acquireWakeLock(h, PEER, 1000)).toBeNull(); // someone alive is replacing it right now
    expect(JSON.parse(fs.readFileSync(lockFile(h), "utf8"))).toMatchObject({ pid: 999_999 });
    fs.writeFileSync(token(1), "999999-1", { mode: 0o600 }); // that someone died mid-way
    const release = acquireWakeLock(h, PEER, 1000);
    expect(release).not.toBeNull();
    expect(JSON.parse(fs.readFileSync(lockFile(h), "utf8"))).toMatchObject({ pid: process.pid });
    release?.();
    expect(fs.readdirSync(path.join(h, "wakes"))).toEqual([]);
  });
});
