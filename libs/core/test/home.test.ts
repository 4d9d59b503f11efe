import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ensurePrivateDir, readPrivateFile, resolveHome, writePrivateFileAtomic } from "../src/home/home.ts";
import { CAN_CHOWN, modeOf, tempDir } from "./helpers.ts";

describe("data directory", () => {
  it("is $OXTAIL_HOME, else ~/.oxtail", () => {
    expect(resolveHome({ OXTAIL_HOME: "/tmp/x" })).toBe("/tmp/x");
    expect(resolveHome({ HOME: "/home/u" })).toMatch(/\.oxtail$/);
  });

  it("creates private folders (0700) and tightens loose ones", () => {
    const base = tempDir();
    const dir = path.join(base, "a", "b");
    ensurePrivateDir(dir);
    expect(modeOf(dir)).toBe(0o700);
    fs.chmodSync(dir, 0o755);
    ensurePrivateDir(dir);
    expect(modeOf(dir)).toBe(0o700);
  });

  it("refuses a symlink or a file where a folder is expected, and changes nothing", () => {
    const base = tempDir();
    const target = path.join(base, "elsewhere");
    fs.mkdirSync(target, { mode: 0o755 });
    fs.symlinkSync(target, path.join(base, "link"));
    expect(() => ensurePrivateDir(path.join(base, "link"))).toThrowError(
      expect.objectContaining({ code: "unsafe-path" }),
    );
    expect(modeOf(target)).toBe(0o755);
    fs.writeFileSync(path.join(base, "file"), "x");
    expect(() => ensurePrivateDir(path.join(base, "file"))).toThrowError(
      expect.objectContaining({ code: "unsafe-path" }),
    );
  });

  it("writes files atomically with mode 0600 and leaves no temp file", () => {
    const dir = tempDir();
    const file = path.join(dir, "r.json");
    writePrivateFileAtomic(file, "one");
    writePrivateFileAtomic(file, "two");
    expect(fs.readFileSync(file, "utf8")).toBe("two");
    expect(modeOf(file)).toBe(0o600);
    expect(fs.readdirSync(dir)).toEqual(["r.json"]);
  });

  it("reads only regular files: missing is null, a symlink is refused", () => {
    const dir = tempDir();
    expect(readPrivateFile(path.join(dir, "none"))).toBeNull();
    fs.writeFileSync(path.join(dir, "secret"), "s3cret", { mode: 0o600 });
    fs.symlinkSync(path.join(dir, "secret"), path.join(dir, "link"));
    expect(() => readPrivateFile(path.join(dir, "link"))).toThrowError(
      expect.objectContaining({ code: "unsafe-path" }),
    );
  });

  it.runIf(CAN_CHOWN)("refuses a file owned by another user", () => {
    const dir = tempDir();
    const file = path.join(dir, "foreign");
    fs.writeFileSync(file, "{}", { mode: 0o600 });
    fs.chownSync(file, 4242, 4242);
    expect(() => readPrivateFile(file)).toThrowError(expect.objectContaining({ code: "unsafe-path" }));
  });
});
