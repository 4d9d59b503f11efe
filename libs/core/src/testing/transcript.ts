// The transcript group: fixtures read as clean turns, the tail read first, garbage and missing files.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import type { ClientAdapter, TranscriptTail } from "../adapter/types.js";
import { isOxtailError } from "../errors.js";
import { isIsoOrNull, type Kit, kitTest, missingInput, unusedInput, withTempDir } from "./_kit.js";
import type { TranscriptFixture } from "./options.js";

const ROLES = new Set(["user", "assistant", "system", "peer"]);
/**
 * The nothing a transcript is put behind for the tail-first check: a sparse hole (no disk used), with
 * no line end in it. A reader that starts at the end never touches it.
 */
const HOLE_BYTES = 64 * 1024 * 1024;

/** Bytes this process has read so far (Linux's /proc/self/io `rchar`), or null where it is not kept. */
function bytesRead(): number | null {
  try {
    const rchar = /^rchar:\s*(\d+)/m.exec(fs.readFileSync("/proc/self/io", "utf8"))?.[1];
    return rchar === undefined ? null : Number(rchar);
  } catch {
    return null;
  }
}

/** Check a tail's shape: at most `limit` clean turns. */
export function assertTail(tail: TranscriptTail, limit: number): void {
  assert.ok(Array.isArray(tail.turns), "turns is an array");
  assert.ok(tail.turns.length <= limit, `at most ${limit} turns (got ${tail.turns.length})`);
  assert.equal(typeof tail.truncated, "boolean", "truncated is a boolean");
  assert.ok(
    tail.totalTurns === null || Number.isInteger(tail.totalTurns),
    "totalTurns is an integer or null",
  );
  for (const turn of tail.turns) {
    assert.ok(ROLES.has(turn.role), `role ${turn.role} is user, assistant, system or peer`);
    assert.equal(typeof turn.text, "string", "text is a string");
    assert.ok(isIsoOrNull(turn.timestamp), "timestamp is ISO or null");
    assert.ok(Array.isArray(turn.toolCalls), "toolCalls is an array");
    for (const call of turn.toolCalls) {
      assert.equal(typeof call.name, "string", "a tool call has a name");
      assert.equal(typeof call.summary, "string", "a tool call has a summary");
    }
  }
}

function reader(adapter: ClientAdapter): NonNullable<ClientAdapter["readTranscript"]> {
  assert.ok(adapter.readTranscript, "capabilities.transcript needs readTranscript");
  return adapter.readTranscript.bind(adapter);
}

/** The fixture's text, ending with a newline (so that something appended is a line of its own). */
function fixtureText(fixture: TranscriptFixture): string {
  const text = fs.readFileSync(fixture.path, "utf8");
  return text === "" || text.endsWith("\n") ? text : `${text}\n`;
}

function fixtureTests(kit: Kit, fixture: TranscriptFixture): void {
  const group = "transcript";
  const label = path.basename(fixture.path);
  kitTest(kit, group, `reads the tail of ${label} as clean turns`, async () => {
    const read = reader(kit.make());
    const five = await read(fixture.path, { limit: 5 });
    assertTail(five, 5);
    if (fixture.minTurns !== undefined) {
      assert.ok(five.turns.length >= Math.min(5, fixture.minTurns), `at least ${fixture.minTurns} turns`);
      const all = await read(fixture.path, { limit: 500 });
      assert.ok(all.turns.length >= fixture.minTurns, `at least ${fixture.minTurns} turns in all`);
      if (all.totalTurns !== null)
        assert.ok(all.totalTurns >= all.turns.length, "totalTurns counts them all");
    }
    const one = await read(fixture.path, { limit: 1 });
    assertTail(one, 1);
    if (five.turns.length > 0) {
      assert.deepEqual(one.turns[0], five.turns.at(-1), "limit 1 gives the newest turn");
      if (five.turns.length > 1) assert.equal(one.truncated, true, "a cut tail says truncated");
    }
  });
  kitTest(kit, group, `skips a partial last line of ${label} (the client is writing)`, () =>
    withTempDir("transcript", async (dir) => {
      const read = reader(kit.make());
      const file = path.join(dir, label);
      fs.writeFileSync(file, `${fixtureText(fixture)}{"partial": "the client is still wri`);
      assert.deepEqual(
        (await read(file, { limit: 3 })).turns,
        (await read(fixture.path, { limit: 3 })).turns,
      );
    }),
  );
  if (fixture.sessionId) {
    const sessionId = fixture.sessionId;
    kitTest(kit, group, `finds ${label} by its session id`, async () => {
      const adapter = kit.make();
      assert.ok(adapter.findTranscript, "capabilities.transcript needs findTranscript");
      const found = await adapter.findTranscript(sessionId, { cwd: fixture.cwd ?? null });
      assert.equal(found && path.resolve(found), path.resolve(fixture.path));
    });
  }
}

/** Register the transcript group. */
export function transcriptGroup(kit: Kit, fixtures: readonly TranscriptFixture[] | undefined): void {
  const group = "transcript";
  if (!kit.adapter.capabilities.transcript) {
    if (fixtures !== undefined) unusedInput(kit, group, "transcripts", "transcript");
    return;
  }
  if (!fixtures || fixtures.length === 0) {
    missingInput(
      kit,
      group,
      "transcripts",
      "capabilities.transcript is declared: the kit needs a transcript fixture",
    );
    return;
  }
  for (const fixture of fixtures) fixtureTests(kit, fixture);

  const long = fixtures.find((f) => (f.minTurns ?? 0) >= 2);
  if (!long)
    missingInput(
      kit,
      group,
      "transcripts[].minTurns",
      "the tail-first check needs a fixture with at least 2 turns (say so with minTurns: 2 or more)",
    );
  else
    kitTest(
      kit,
      group,
      "reads only the tail: a transcript behind 64 MiB of nothing answers like its last part",
      () =>
        withTempDir("transcript", async (dir) => {
          const read = reader(kit.make());
          const file = path.join(dir, path.basename(long.path));
          const fd = fs.openSync(file, "w");
          try {
            fs.ftruncateSync(fd, HOLE_BYTES);
            const text = Buffer.from(`\n${fixtureText(long)}`);
            fs.writeSync(fd, text, 0, text.length, HOLE_BYTES);
          } finally {
            fs.closeSync(fd);
          }
          const before = bytesRead();
          const tail = await read(file, { limit: 1 });
          const after = bytesRead();
          if (before !== null && after !== null)
            assert.ok(
              after - before < HOLE_BYTES / 2,
              `reading the newest turn read ${after - before} bytes of a ${HOLE_BYTES}-byte file: read from the end`,
            );
          assertTail(tail, 1);
          assert.deepEqual(tail.turns, (await read(long.path, { limit: 1 })).turns, "the same newest turn");
          assert.equal(tail.truncated, true, "older turns exist");
        }),
    );

  kitTest(kit, group, "a missing transcript is no-transcript; garbage and empty files have no turns", () =>
    withTempDir("transcript", async (dir) => {
      const adapter = kit.make();
      const read = reader(adapter);
      await assert.rejects(read(path.join(dir, "missing.jsonl"), { limit: 5 }), (error: unknown) =>
        isOxtailError(error, "no-transcript"),
      );
      const garbage = path.join(dir, "garbage.jsonl");
      fs.writeFileSync(
        garbage,
        'not json\n[1,2,3]\n"a string"\n{"type":"never-seen-before"}\n\u0000\u00ff\n{"partial":',
      );
      const tail = await read(garbage, { limit: 5 });
      assertTail(tail, 5);
      assert.equal(tail.turns.length, 0, "garbage yields no turns");
      const empty = path.join(dir, "empty.jsonl");
      fs.writeFileSync(empty, "");
      assert.equal((await read(empty, { limit: 5 })).turns.length, 0, "an empty file has no turns");
      assert.ok(adapter.findTranscript, "capabilities.transcript needs findTranscript");
      assert.equal(
        await adapter.findTranscript("00000000-0000-4000-8000-000000000000", { cwd: dir }),
        null,
        "an unknown session has no transcript",
      );
    }),
  );
}
