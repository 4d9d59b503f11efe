// The data directory is a closed box (SPEC §9): registry, identity drops, sleepers and wake locks
// meet planted FIFOs, sockets, symlinked folders, foreign owners and loose modes. Each read returns
// promptly, skips and traces what it may not trust, and changes nothing outside the data directory.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { resolveHome } from "../src/home/home.ts";
import { type IdentityDrop, readIdentityDrops, writeIdentityDrop } from "../src/identity/drop.ts";
import { processStartTime } from "../src/process/liveness.ts";
import { createRegistry } from "../src/registry/registry.ts";
import { createFsRegistryStore } from "../src/registry/store-fs.ts";
import { createTracer } from "../src/trace/trace.ts";
import { acquireWakeLock } from "../src/wake/lock.ts";
import { readSleeper, recordSleeperWake } from "../src/wake/sleeper.ts";
import { CAN_CHOWN, modeOf, tempDir } from "./helpers.ts";
import { chownForeign, guardFifos, listenSocket, mkfifo, snapshot } from "./planted.ts";
import { makeRecord } from "./records.ts";

const S = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa";
const T = "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb";

function setup() {
  const home = tempDir();
  const traceFile = path.join(tempDir(), "trace.ndjson");
  const tracer = createTracer(traceFile);
  const store = createFsRegistryStore({ home, tracer });
  const traced = (kind: string) =>
    (fs.existsSync(traceFile) ? fs.readFileSync(traceFile, "utf8").trim().split("\n") : [])
      .filter(Boolean)
      .map((line) => JSON.parse(line))
      .filter((t) => t.kind === kind);
  return { home, tracer, store, registry: createRegistry({ store, tracer }), traced };
}

/** A folder outside the data directory, with files that look like they belong in `<name>/`. */
function outsideWith(files: Record<string, string>): string {
  const dir = tempDir("oxtail-outside-");
  for (const [name, text] of Object.entries(files))
    fs.writeFileSync(path.join(dir, name), text, { mode: 0o600 });
  return dir;
}

const live = () => makeRecord({ start_time: processStartTime(process.pid) });
const dead = () => makeRecord({ pid: 999_999, start_time: "1", instance_id: "999999-1" });

function drop(session: string, overrides: Partial<IdentityDrop> = {}): IdentityDrop {
  return {
    v: 1,
    client_type: "codex",
    session_id: session,
    transcript_path: "/outside/transcript.jsonl",
    cwd: "/outside",
    ancestor_pids: [process.pid],
    tmux_pane: "%9",
    tmux_socket: null,
    event: "UserPromptSubmit",
    at: new Date().toISOString(),
    ...overrides,
  };
}

describe("registry in a closed box", () => {
  it("skips a FIFO or a socket posing as a record, promptly, and leaves it in place", async () => {
    const { registry, home, traced } = setup();
    const good = live();
    await registry.register(good);
    const sessions = path.join(home, "sessions");
    mkfifo(path.join(sessions, "1-1.json"));
    await listenSocket(path.join(sessions, "1-2.json"));
    const guard = guardFifos(home);
    const scan = await registry.scan();
    expect(await guard.stop()).toEqual([]);
    expect(scan.agents).toEqual([good]);
    expect(Object.fromEntries(scan.skipped.map((s) => [s.name, s.reason]))).toEqual({
      "1-1.json": "is a FIFO",
      "1-2.json": "is a socket",
    });
    expect(fs.readdirSync(sessions).sort()).toEqual(["1-1.json", "1-2.json", `${good.instance_id}.json`]);
    expect(traced("registry.ignored")).toHaveLength(2);
  });

  it("refuses a symlinked sessions/ on read and write, and prunes nothing outside", async () => {
    const { registry, store, home, traced } = setup();
    const outside = outsideWith({ "999999-1.json": JSON.stringify(dead()) });
    const before = snapshot(outside);
    fs.mkdirSync(home, { recursive: true });
    fs.symlinkSync(outside, path.join(home, "sessions"));
    await expect(registry.scan()).rejects.toMatchObject({ code: "unsafe-path" });
    await expect(store.put(live())).rejects.toMatchObject({ code: "unsafe-path" });
    await expect(store.remove("999999-1")).rejects.toMatchObject({ code: "unsafe-path" });
    expect(snapshot(outside)).toEqual(before);
    expect(traced("home.unsafe")[0]).toMatchObject({
      path: path.join(home, "sessions"),
      reason: "is a symbolic link",
    });
  });

  it("skips an oversized record without deleting it", async () => {
    const { registry, home } = setup();
    await registry.register(live());
    const big = path.join(home, "sessions", "1-3.json");
    fs.writeFileSync(big, " ".repeat(2 * 1024 * 1024), { mode: 0o600 });
    const scan = await registry.scan();
    expect(scan.skipped.map((s) => s.name)).toEqual(["1-3.json"]);
    expect(fs.existsSync(big)).toBe(true);
  });

  it("tightens a loose sessions/ (0777) when it is only read", async () => {
    const { registry, home } = setup();
    await registry.register(live());
    fs.chmodSync(path.join(home, "sessions"), 0o777);
    fs.chmodSync(home, 0o777);
    await registry.list();
    expect(modeOf(path.join(home, "sessions"))).toBe(0o700);
    expect(modeOf(home)).toBe(0o700);
  });

  it.runIf(CAN_CHOWN)("refuses a sessions/ owned by another user, and skips a foreign record", async () => {
    const { registry, home } = setup();
    const good = live();
    await registry.register(good);
    const foreign = makeRecord({
      pid: process.pid,
      start_time: processStartTime(process.pid),
      instance_id: "1-7",
    });
    fs.writeFileSync(path.join(home, "sessions", "1-7.json"), JSON.stringify(foreign), { mode: 0o600 });
    chownForeign(path.join(home, "sessions", "1-7.json"));
    const scan = await registry.scan();
    expect(scan.agents).toEqual([good]);
    expect(scan.skipped).toEqual([
      { name: "1-7.json", reason: `is owned by uid 65534, not ${process.getuid?.()}` },
    ]);
    chownForeign(path.join(home, "sessions"));
    await expect(registry.scan()).rejects.toMatchObject({ code: "unsafe-path" });
  });
});

describe("identity drops in a closed box", () => {
  it("takes nothing from a symlinked identity/ (no cwd, transcript or pane from outside)", () => {
    const { home, tracer, traced } = setup();
    const outside = outsideWith({ [`${S}.json`]: JSON.stringify(drop(S)) });
    const before = snapshot(outside);
    fs.mkdirSync(home, { recursive: true });
    fs.symlinkSync(outside, path.join(home, "identity"));
    expect(readIdentityDrops(home, { tracer })).toEqual([]);
    expect(() => writeIdentityDrop(home, drop(T))).toThrowError(
      expect.objectContaining({ code: "unsafe-path" }),
    );
    expect(snapshot(outside)).toEqual(before);
    expect(traced("home.unsafe")).toHaveLength(1);
  });

  it("skips a FIFO drop promptly and still reads the others", async () => {
    const { home, tracer, traced } = setup();
    writeIdentityDrop(home, drop(T));
    const fifo = path.join(home, "identity", `${S}.json`);
    mkfifo(fifo);
    const guard = guardFifos(home);
    const drops = readIdentityDrops(home, { tracer });
    expect(await guard.stop()).toEqual([]);
    expect(drops.map((d) => d.session_id)).toEqual([T]);
    expect(fs.lstatSync(fifo).isFIFO()).toBe(true);
    expect(traced("home.unsafe")).toMatchObject([{ path: fifo, reason: "is a FIFO" }]);
  });

  it.runIf(CAN_CHOWN)("takes nothing from an identity/ or a drop owned by another user", () => {
    const { home } = setup();
    writeIdentityDrop(home, drop(S));
    writeIdentityDrop(home, drop(T));
    chownForeign(path.join(home, "identity", `${S}.json`));
    expect(readIdentityDrops(home).map((d) => d.session_id)).toEqual([T]);
    chownForeign(path.join(home, "identity"));
    expect(readIdentityDrops(home)).toEqual([]);
  });
});

describe("sleepers and wake locks in a closed box", () => {
  it("reads no sleeper through a symlinked sleepers/, and writes nothing there", () => {
    const { home } = setup();
    const lock = JSON.stringify({ pid: process.pid, start_time: processStartTime(process.pid), since: 1 });
    const outside = outsideWith({
      [`${S}.json`]: lock,
      [`${S}.woke.json`]: '{"pid":1,"at":1,"messages":[]}',
    });
    const before = snapshot(outside);
    fs.mkdirSync(home, { recursive: true });
    fs.symlinkSync(outside, path.join(home, "sleepers"));
    expect(readSleeper(home, S)).toEqual({ waiting: null, lastWake: null });
    expect(() => recordSleeperWake(home, S, [])).toThrowError(
      expect.objectContaining({ code: "unsafe-path" }),
    );
    expect(snapshot(outside)).toEqual(before);
  });

  it("reads a FIFO sleeper lock promptly as no sleeper, and never replaces it", async () => {
    const { home } = setup();
    fs.mkdirSync(path.join(home, "sleepers"), { recursive: true, mode: 0o700 });
    const fifo = path.join(home, "sleepers", `${S}.json`);
    mkfifo(fifo);
    const guard = guardFifos(home);
    expect(readSleeper(home, S).waiting).toBeNull();
    expect(await guard.stop()).toEqual([]);
    expect(fs.lstatSync(fifo).isFIFO()).toBe(true);
    expect(fs.readdirSync(path.join(home, "sleepers"))).toEqual([`${S}.json`]);
  });

  it("refuses a FIFO or a symlink at a wake lock's name promptly, and leaves it", async () => {
    const { home } = setup();
    const wakes = path.join(home, "wakes");
    fs.mkdirSync(wakes, { recursive: true, mode: 0o700 });
    mkfifo(path.join(wakes, `${S}.lock`));
    const outside = outsideWith({ "x.lock": "{}" });
    fs.symlinkSync(path.join(outside, "x.lock"), path.join(wakes, `${T}.lock`));
    const guard = guardFifos(home);
    expect(() => acquireWakeLock(home, S)).toThrowError(expect.objectContaining({ code: "unsafe-path" }));
    expect(() => acquireWakeLock(home, T)).toThrowError(expect.objectContaining({ code: "unsafe-path" }));
    expect(await guard.stop()).toEqual([]);
    expect(fs.readdirSync(wakes).sort()).toEqual([`${S}.lock`, `${T}.lock`]);
    expect(fs.readFileSync(path.join(outside, "x.lock"), "utf8")).toBe("{}");
  });

  it("refuses a symlinked wakes/ and tightens a loose one", () => {
    const { home } = setup();
    fs.mkdirSync(path.join(home, "wakes"), { recursive: true, mode: 0o777 });
    fs.chmodSync(path.join(home, "wakes"), 0o777);
    acquireWakeLock(home, S)?.();
    expect(modeOf(path.join(home, "wakes"))).toBe(0o700);
    fs.rmSync(path.join(home, "wakes"), { recursive: true });
    const outside = outsideWith({});
    fs.symlinkSync(outside, path.join(home, "wakes"));
    expect(() => acquireWakeLock(home, S)).toThrowError(expect.objectContaining({ code: "unsafe-path" }));
    expect(fs.readdirSync(outside)).toEqual([]);
  });
});

describe("a symlinked OXTAIL_HOME", () => {
  it("is followed once: the registry lives in its target", async () => {
    const base = tempDir();
    const real = path.join(base, "real-home");
    fs.mkdirSync(real, { mode: 0o700 });
    fs.symlinkSync(real, path.join(base, "link-home"));
    const home = resolveHome({ OXTAIL_HOME: path.join(base, "link-home") });
    const registry = createRegistry({ store: createFsRegistryStore({ home }) });
    const record = live();
    await registry.register(record);
    expect(await registry.list()).toEqual([record]);
    expect(fs.readdirSync(path.join(real, "sessions"))).toEqual([`${record.instance_id}.json`]);
  });
});
