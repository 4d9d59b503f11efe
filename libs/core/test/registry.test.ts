import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { processStartTime } from "../src/process/liveness.ts";
import { collapseBySession, createRegistry, findAgent, mailboxKeyOf } from "../src/registry/registry.ts";
import { createStateCard } from "../src/registry/state.ts";
import { createFsRegistryStore } from "../src/registry/store-fs.ts";
import { createTracer } from "../src/trace/trace.ts";
import { CAN_CHOWN, modeOf, tempDir } from "./helpers.ts";
import { makeRecord } from "./records.ts";

const A = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa";
const B = "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb";

function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", "0"]);
  return child.pid as number;
}

function setup() {
  const home = tempDir();
  const traceFile = path.join(home, "trace.ndjson");
  const store = createFsRegistryStore({ home, tracer: createTracer(traceFile) });
  return { home, store, registry: createRegistry({ store }), traceFile, dir: path.join(home, "sessions") };
}

describe("registry", () => {
  it("writes one private record per instance and lists it", async () => {
    const { registry, dir } = setup();
    const record = makeRecord({ start_time: processStartTime(process.pid) });
    await registry.register(record);
    expect(await registry.list()).toEqual([record]);
    expect(modeOf(dir)).toBe(0o700);
    expect(modeOf(path.join(dir, `${record.instance_id}.json`))).toBe(0o600);
    await registry.unregister(record.instance_id);
    expect(await registry.list()).toEqual([]);
  });

  it("prunes records of dead processes on read", async () => {
    const { registry, store, dir } = setup();
    const dead = makeRecord({ pid: deadPid() });
    await store.put(dead);
    const scan = await registry.scan();
    expect(scan.agents).toEqual([]);
    expect(scan.pruned).toBe(1);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it("does not let a reused pid resurrect a dead record (start time differs)", async () => {
    const { registry, store } = setup();
    await store.put(makeRecord({ pid: process.pid, start_time: "1" }));
    expect(await registry.list()).toEqual([]);
  });

  it("gc's dead records when a new instance registers", async () => {
    const { registry, store, dir } = setup();
    await store.put(makeRecord({ pid: deadPid(), client: { session_id: A } }));
    const live = makeRecord({ client: { session_id: A } });
    await registry.register(live);
    expect(fs.readdirSync(dir)).toEqual([`${live.instance_id}.json`]);
  });

  it("collapses records sharing a session id to the freshest", () => {
    const older = makeRecord({ updated_at: "2026-01-01T00:00:00.000Z", client: { session_id: A } });
    const newer = makeRecord({ updated_at: "2026-01-02T00:00:00.000Z", client: { session_id: A } });
    const other = makeRecord({ client: { session_id: B } });
    const unclaimed1 = makeRecord();
    const unclaimed2 = makeRecord();
    const out = collapseBySession([older, newer, other, unclaimed1, unclaimed2]);
    expect(out).toHaveLength(4);
    expect(out).toContain(newer);
    expect(out).not.toContain(older);
  });

  it("skips and traces malformed, non-object, partial, symlinked and misnamed entries", async () => {
    const { registry, dir, traceFile, home } = setup();
    const good = makeRecord();
    await registry.register(good);
    fs.writeFileSync(path.join(dir, "1-1.json"), "{ not json", { mode: 0o600 });
    fs.writeFileSync(path.join(dir, "1-2.json"), "[1,2]", { mode: 0o600 });
    fs.writeFileSync(path.join(dir, "1-3.json"), JSON.stringify(makeRecord()).slice(0, 40), { mode: 0o600 });
    fs.writeFileSync(path.join(home, "target.json"), JSON.stringify(makeRecord({ instance_id: "1-4" })));
    fs.symlinkSync(path.join(home, "target.json"), path.join(dir, "1-4.json"));
    fs.writeFileSync(path.join(dir, "notes.txt"), "hello");
    const scan = await registry.scan();
    expect(scan.agents).toEqual([good]);
    expect(scan.skipped.map((s) => s.name).sort()).toEqual([
      "1-1.json",
      "1-2.json",
      "1-3.json",
      "1-4.json",
      "notes.txt",
    ]);
    const traced = fs
      .readFileSync(traceFile, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(traced.filter((t) => t.kind === "registry.ignored")).toHaveLength(5);
    // Nothing skipped was deleted or followed.
    expect(fs.existsSync(path.join(dir, "1-1.json"))).toBe(true);
    expect(fs.lstatSync(path.join(dir, "1-4.json")).isSymbolicLink()).toBe(true);
  });

  it.runIf(CAN_CHOWN)("ignores a record owned by another user", async () => {
    const { registry, dir } = setup();
    const record = makeRecord();
    await registry.register(record);
    fs.chownSync(path.join(dir, `${record.instance_id}.json`), 4242, 4242);
    const scan = await registry.scan();
    expect(scan.agents).toEqual([]);
    expect(scan.skipped[0]?.reason).toMatch(/owned by uid 4242/);
  });

  it("refuses to write a record that does not fit the schema", async () => {
    const { store } = setup();
    await expect(store.put({ ...makeRecord(), instance_id: "../../x" })).rejects.toThrow();
  });
});

describe("finding an agent", () => {
  const tmux = (session: string, pane: string) => ({ socket: "/tmp/s", session, window: "0", pane });
  const agents = [
    makeRecord({ tmux: tmux("work", "%1"), client: { session_id: A } }),
    makeRecord({ tmux: tmux("work", "%2"), client: { session_id: B, type: "codex" } }),
    makeRecord({ tmux: tmux("solo", "%3"), client: { session_id: null } }),
  ];

  it("finds by session id (any case) and by a unique tmux name", () => {
    expect(findAgent(agents, A.toUpperCase())).toBe(agents[0]);
    expect(findAgent(agents, "solo")).toBe(agents[2]);
  });

  it("reports ambiguity with the candidate session ids instead of guessing", () => {
    try {
      findAgent(agents, "work");
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({ code: "ambiguous-target" });
      expect(
        (error as { data: { candidates: { session_id: string }[] } }).data.candidates.map(
          (c) => c.session_id,
        ),
      ).toEqual([A, B]);
    }
  });

  it("finds by a unique prefix of a session id (8 characters or more), as tools show them", () => {
    expect(findAgent(agents, A.slice(0, 8))).toBe(agents[0]);
    expect(findAgent(agents, B.slice(0, 13).toUpperCase())).toBe(agents[1]);
    // Shorter than 8 characters is not a target: a word like "deadbeef" is only a name when it is one.
    expect(() => findAgent(agents, A.slice(0, 7))).toThrowError(
      expect.objectContaining({ code: "not-found" }),
    );
  });

  it("reports a prefix two session ids share as ambiguous, with both ids", () => {
    const twins = [
      makeRecord({ client: { session_id: "abcdef01-0000-4000-8000-000000000001" } }),
      makeRecord({ client: { session_id: "abcdef01-0000-4000-8000-000000000002" } }),
    ];
    expect(() => findAgent(twins, "abcdef01")).toThrowError(
      expect.objectContaining({ code: "ambiguous-target" }),
    );
    expect(findAgent(twins, "abcdef01-0000-4000-8000-000000000002")).toBe(twins[1]);
  });

  it("says not-found for an unknown name or id", () => {
    expect(() => findAgent(agents, "nobody")).toThrowError(expect.objectContaining({ code: "not-found" }));
    expect(() => findAgent(agents, "cccccccc-cccc-4ccc-8ccc-cccccccccccc")).toThrowError(
      expect.objectContaining({ code: "not-found" }),
    );
  });

  it("maps an agent to its session mailbox, or its instance mailbox before a claim", () => {
    expect(mailboxKeyOf(agents[0] as never)).toBe(A);
    expect(mailboxKeyOf(agents[2] as never)).toBe(`instance-${agents[2]?.instance_id}`);
  });
});

describe("state card", () => {
  it("trims and stamps the purpose", () => {
    const card = createStateCard("  refactoring the parser  ", new Date("2026-01-01T00:00:00Z"));
    expect(card).toEqual({ v: 1, purpose: "refactoring the parser", set_at: "2026-01-01T00:00:00.000Z" });
  });

  it.each([
    ["", "empty"],
    ["   ", "empty"],
    ["line\nbreak", "control"],
    ["esc \u001b[31m red", "control"],
    ["bidi \u202e", "control"],
    ["x".repeat(201), "200"],
  ])("refuses %j", (purpose, why) => {
    expect(() => createStateCard(purpose)).toThrowError(
      expect.objectContaining({ code: "invalid-state", message: expect.stringContaining(why) }),
    );
  });

  it("counts characters, not UTF-16 units (200 emoji fit)", () => {
    expect(createStateCard("🦊".repeat(200)).purpose).toHaveLength(400);
  });
});
