import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  checkPrivateDir,
  ensurePrivateDir,
  ensurePrivatePath,
  listPrivateDir,
  resolveHome,
  verifyPrivatePath,
} from "../src/home/home.ts";
import {
  PRIVATE_FILE_MAX_BYTES,
  readPrivateFile,
  removePrivateFile,
  writePrivateFileAtomic,
} from "../src/home/private-file.ts";
import { CAN_CHOWN, modeOf, tempDir } from "./helpers.ts";
import { chownForeign, guardFifos, listenSocket, mkfifo } from "./planted.ts";

describe("data directory", () => {
  it("is $OXTAIL_HOME, else ~/.oxtail", () => {
    expect(resolveHome({ OXTAIL_HOME: "/tmp/x" })).toBe(path.join(fs.realpathSync("/tmp"), "x"));
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

describe("the data directory is a closed box", () => {
  it("resolves a symlinked OXTAIL_HOME once, to its real path, which is then usable", () => {
    const base = tempDir();
    const real = path.join(base, "disk", "oxtail");
    fs.mkdirSync(real, { recursive: true, mode: 0o700 });
    fs.symlinkSync(real, path.join(base, "home-link"));
    const home = resolveHome({ OXTAIL_HOME: path.join(base, "home-link") });
    expect(home).toBe(fs.realpathSync(real));
    expect(() => ensurePrivateDir(home)).not.toThrow();
    // Not created yet: the nearest existing ancestor is resolved and the rest appended.
    expect(resolveHome({ OXTAIL_HOME: path.join(base, "home-link", "sub") })).toBe(path.join(home, "sub"));
  });

  it("reads a FIFO, a socket or a device without blocking: unsafe-path, nothing opened", async () => {
    const dir = tempDir();
    const fifo = path.join(dir, "fifo.json");
    mkfifo(fifo);
    const socket = path.join(dir, "socket.json");
    await listenSocket(socket);
    const guard = guardFifos(dir);
    for (const file of [fifo, socket, "/dev/null"]) {
      expect(() => readPrivateFile(file), file).toThrowError(
        expect.objectContaining({ code: "unsafe-path" }),
      );
    }
    expect(await guard.stop()).toEqual([]);
  });

  it("refuses a file over the size cap with corrupt-record, without reading it", () => {
    const dir = tempDir();
    const file = path.join(dir, "big.json");
    fs.writeFileSync(file, "x".repeat(PRIVATE_FILE_MAX_BYTES + 1), { mode: 0o600 });
    expect(() => readPrivateFile(file)).toThrowError(expect.objectContaining({ code: "corrupt-record" }));
    expect(readPrivateFile(file, { maxBytes: PRIVATE_FILE_MAX_BYTES + 1 })).toHaveLength(
      PRIVATE_FILE_MAX_BYTES + 1,
    );
    fs.writeFileSync(file, "12345", { mode: 0o600 });
    expect(() => readPrivateFile(file, { maxBytes: 4 })).toThrowError(
      expect.objectContaining({ code: "corrupt-record" }),
    );
  });

  it("checks every level from home down, on reads too: missing is false, a symlinked level throws", () => {
    const home = tempDir();
    const target = path.join(home, "a", "b", "c");
    expect(verifyPrivatePath(home, target)).toBe(false);
    ensurePrivatePath(home, target);
    expect(verifyPrivatePath(home, target)).toBe(true);
    for (const level of [home, path.join(home, "a"), path.join(home, "a", "b"), target]) {
      expect(modeOf(level)).toBe(0o700);
    }
    const outside = tempDir();
    fs.mkdirSync(path.join(outside, "c"), { mode: 0o700 });
    fs.rmSync(path.join(home, "a", "b"), { recursive: true });
    fs.symlinkSync(outside, path.join(home, "a", "b"));
    expect(() => verifyPrivatePath(home, target)).toThrowError(
      expect.objectContaining({
        code: "unsafe-path",
        data: expect.objectContaining({ path: path.join(home, "a", "b") }),
      }),
    );
    expect(() => ensurePrivatePath(home, path.join(target, "d"))).toThrowError(
      expect.objectContaining({ code: "unsafe-path" }),
    );
    expect(() => listPrivateDir(home, target)).toThrowError(expect.objectContaining({ code: "unsafe-path" }));
    expect(fs.readdirSync(path.join(outside, "c"))).toEqual([]);
    expect(() => verifyPrivatePath(home, path.join(home, "..", "x"))).toThrowError(
      expect.objectContaining({ code: "unsafe-path" }),
    );
  });

  it("tightens a loose level (0777) on a read-only check", () => {
    const home = tempDir();
    fs.mkdirSync(path.join(home, "a"), { mode: 0o700 });
    fs.chmodSync(path.join(home, "a"), 0o777);
    expect(checkPrivateDir(path.join(home, "a"))).toBe(true);
    expect(modeOf(path.join(home, "a"))).toBe(0o700);
  });

  it("lists regular files and sets every other entry apart, unopened", async () => {
    const home = tempDir();
    const dir = path.join(home, "d");
    ensurePrivatePath(home, dir);
    fs.writeFileSync(path.join(dir, "ok.json"), "{}", { mode: 0o600 });
    mkfifo(path.join(dir, "fifo.json"));
    await listenSocket(path.join(dir, "socket.json"));
    fs.symlinkSync("/etc/passwd", path.join(dir, "link.json"));
    fs.mkdirSync(path.join(dir, "sub.json"));
    const listing = listPrivateDir(home, dir);
    expect(listing.files).toEqual(["ok.json"]);
    expect(Object.fromEntries(listing.unsafe.map((u) => [u.name, u.reason]))).toEqual({
      "fifo.json": "is a FIFO",
      "socket.json": "is a socket",
      "link.json": "is a symbolic link",
      "sub.json": "is a directory",
    });
    expect(listPrivateDir(home, path.join(home, "missing"))).toEqual({ files: [], unsafe: [] });
  });

  it("removes only regular files of its own", () => {
    const dir = tempDir();
    const outside = path.join(tempDir(), "precious");
    fs.writeFileSync(outside, "keep");
    fs.symlinkSync(outside, path.join(dir, "link"));
    mkfifo(path.join(dir, "fifo"));
    for (const name of ["link", "fifo"]) {
      expect(() => removePrivateFile(path.join(dir, name))).toThrowError(
        expect.objectContaining({ code: "unsafe-path" }),
      );
    }
    expect(fs.readFileSync(outside, "utf8")).toBe("keep");
    expect(fs.readdirSync(dir).sort()).toEqual(["fifo", "link"]);
    fs.writeFileSync(path.join(dir, "mine"), "x");
    expect(removePrivateFile(path.join(dir, "mine"))).toBe(true);
    expect(removePrivateFile(path.join(dir, "mine"))).toBe(false);
  });

  it.runIf(CAN_CHOWN)("refuses a folder owned by another user at any level, on reads too", () => {
    const home = tempDir();
    const target = path.join(home, "a", "b");
    ensurePrivatePath(home, target);
    chownForeign(path.join(home, "a"));
    expect(() => verifyPrivatePath(home, target)).toThrowError(
      expect.objectContaining({
        code: "unsafe-path",
        data: expect.objectContaining({ reason: expect.stringMatching(/owned by uid 65534/) }),
      }),
    );
  });
});
