/**
 * The adapter conformance kit: one suite every client adapter passes, built-in or
 * third-party. Runner-agnostic: pass your runner's `test` function.
 *
 * ```ts
 * import { test } from "vitest";
 * import { runClientAdapterConformance } from "@oxtail/core/testing";
 * runClientAdapterConformance(test, myAdapterFactory, { transcripts: [...], detection: {...} });
 * ```
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { isClientAdapter } from "../adapter/define.js";
import {
  ADAPTER_API_VERSION,
  type ClientAdapter,
  type DetectionContext,
  type TranscriptTail,
} from "../adapter/types.js";
import { isOxtailError } from "../errors.js";
import type { AgentRecord } from "../registry/types.js";

/** A test runner's `test(name, fn)`. */
export type TestFunction = (name: string, fn: () => unknown | Promise<unknown>) => unknown;

/** Groups of the kit an adapter may skip when its capabilities lack them. */
export type ConformanceGroup = "detection" | "transcript" | "liveness";

/** A transcript fixture and what the kit may expect of it. */
export interface TranscriptFixture {
  path: string;
  /** The session id the transcript belongs to, if `findTranscript` should find it. */
  sessionId?: string;
  /** The cwd hint for `findTranscript`. */
  cwd?: string;
  /** At least this many turns are in it. */
  minTurns?: number;
}

/** Options for {@link runClientAdapterConformance}. */
export interface ConformanceOptions {
  /** Groups not to run. */
  skip?: ConformanceGroup[];
  /** Contexts for the detection group: one under the client, one clearly not. */
  detection?: {
    matching: DetectionContext;
    notMatching: DetectionContext;
    /** The session id detection must find in `matching`, when it can. */
    expectedSessionId?: string;
  };
  /** Transcript fixtures for the transcript group (at least one). */
  transcripts?: TranscriptFixture[];
  /** A registry record for the liveness group. */
  livenessAgent?: AgentRecord;
  /** Adapter-specific tests, registered with the same runner. */
  additionalTests?: (context: { test: TestFunction; make: () => ClientAdapter }) => void;
}

const ROLES = new Set(["user", "assistant", "system"]);

function assertTail(tail: TranscriptTail, limit: number): void {
  assert.ok(Array.isArray(tail.turns), "turns is an array");
  assert.ok(tail.turns.length <= limit, `at most ${limit} turns (got ${tail.turns.length})`);
  assert.equal(typeof tail.truncated, "boolean", "truncated is a boolean");
  assert.ok(
    tail.totalTurns === null || Number.isInteger(tail.totalTurns),
    "totalTurns is an integer or null",
  );
  for (const turn of tail.turns) {
    assert.ok(ROLES.has(turn.role), `role ${turn.role} is user, assistant or system`);
    assert.equal(typeof turn.text, "string", "text is a string");
    assert.ok(
      turn.timestamp === null || !Number.isNaN(Date.parse(turn.timestamp)),
      "timestamp is ISO or null",
    );
    assert.ok(Array.isArray(turn.toolCalls), "toolCalls is an array");
    for (const call of turn.toolCalls) {
      assert.equal(typeof call.name, "string");
      assert.equal(typeof call.summary, "string");
    }
  }
}

/**
 * Register the conformance tests for the adapter that `factory` makes (the adapter
 * package's default export, or a function calling it with test options).
 */
export function runClientAdapterConformance(
  test: TestFunction,
  factory: (() => ClientAdapter) & object,
  options: ConformanceOptions = {},
): void {
  const skip = new Set(options.skip ?? []);
  const make = (): ClientAdapter => factory();

  test("conformance: the adapter is branded, versioned and self-consistent", () => {
    const adapter = make();
    assert.ok(isClientAdapter(adapter), "made by defineClientAdapter");
    assert.match(adapter.name, /^[a-z][a-z0-9-]{0,39}$/);
    assert.ok(adapter.displayName.length > 0);
    assert.ok(
      adapter.apiVersion >= 1 && adapter.apiVersion <= ADAPTER_API_VERSION,
      "apiVersion is supported",
    );
    for (const key of ["transcript", "liveness", "hooks"] as const) {
      assert.equal(typeof adapter.capabilities[key], "boolean", `capabilities.${key} is declared`);
    }
    assert.equal(typeof adapter.detect, "function");
    if (adapter.capabilities.transcript) {
      assert.equal(typeof adapter.readTranscript, "function");
      assert.equal(typeof adapter.findTranscript, "function");
    }
    if (adapter.capabilities.liveness) assert.equal(typeof adapter.liveness, "function");
    assert.ok(Object.isFrozen(adapter), "adapters are immutable");
    assert.notEqual(make(), adapter, "each factory call makes a new adapter");
  });

  test("conformance: detection never throws, and explains every strategy", async () => {
    const adapter = make();
    const empty: DetectionContext = {
      env: {},
      clientInfo: null,
      pid: process.pid,
      cwd: os.tmpdir(),
      startedAt: Date.now(),
    };
    const report = await adapter.detect(empty);
    assert.equal(typeof report.matched, "boolean");
    assert.ok(
      Array.isArray(report.strategies) && report.strategies.length > 0,
      "at least one strategy reports",
    );
    for (const verdict of report.strategies) {
      assert.equal(typeof verdict.strategy, "string");
      assert.equal(typeof verdict.found, "boolean");
      assert.ok(verdict.reason.length > 0, `strategy ${verdict.strategy} says why`);
    }
  });

  if (!skip.has("detection") && options.detection) {
    const { matching, notMatching, expectedSessionId } = options.detection;
    test("conformance: detection tells its client from another", async () => {
      const adapter = make();
      const yes = await adapter.detect(matching);
      assert.equal(yes.matched, true, "matches under its client");
      assert.ok(
        yes.strategies.some((s) => s.found),
        "a strategy found it",
      );
      if (expectedSessionId) assert.equal(yes.session?.sessionId, expectedSessionId);
      const no = await adapter.detect(notMatching);
      assert.equal(no.matched, false, "does not match another client");
    });
  }

  if (!skip.has("transcript")) {
    const fixtures = options.transcripts ?? [];
    test("conformance: transcript capability comes with fixtures", () => {
      const adapter = make();
      if (adapter.capabilities.transcript)
        assert.ok(fixtures.length > 0, "give at least one transcript fixture");
    });

    for (const fixture of fixtures) {
      const label = path.basename(fixture.path);
      test(`conformance: reads the tail of ${label} as clean turns`, async () => {
        const adapter = make();
        assert.ok(adapter.readTranscript, "capabilities.transcript");
        const five = await adapter.readTranscript(fixture.path, { limit: 5 });
        assertTail(five, 5);
        if (fixture.minTurns !== undefined) {
          assert.ok(five.turns.length >= Math.min(5, fixture.minTurns), `at least ${fixture.minTurns} turns`);
          const all = await adapter.readTranscript(fixture.path, { limit: 500 });
          assert.ok(all.turns.length >= fixture.minTurns);
          if (all.totalTurns !== null) assert.ok(all.totalTurns >= all.turns.length);
        }
        const one = await adapter.readTranscript(fixture.path, { limit: 1 });
        assertTail(one, 1);
        if (five.turns.length > 0) {
          assert.deepEqual(one.turns[0], five.turns.at(-1), "limit 1 gives the newest turn");
          if (five.turns.length > 1) assert.equal(one.truncated, true, "a cut tail says truncated");
        }
      });
      if (fixture.sessionId) {
        test(`conformance: finds the transcript of ${label} by session id`, async () => {
          const adapter = make();
          assert.ok(adapter.findTranscript);
          const found = await adapter.findTranscript(fixture.sessionId as string, {
            cwd: fixture.cwd ?? null,
          });
          assert.equal(found && path.resolve(found), path.resolve(fixture.path));
        });
      }
    }

    if (fixtures.length > 0) {
      test("conformance: a missing transcript is no-transcript; garbage is skipped, not fatal", async () => {
        const adapter = make();
        assert.ok(adapter.readTranscript && adapter.findTranscript);
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-conformance-"));
        try {
          await assert.rejects(
            adapter.readTranscript(path.join(dir, "missing.jsonl"), { limit: 5 }),
            (error: unknown) => isOxtailError(error, "no-transcript"),
          );
          const garbage = path.join(dir, "garbage.jsonl");
          fs.writeFileSync(
            garbage,
            'not json\n[1,2,3]\n"a string"\n{"type":"never-seen-before"}\n{"partial":',
          );
          const tail = await adapter.readTranscript(garbage, { limit: 5 });
          assertTail(tail, 5);
          assert.equal(tail.turns.length, 0, "garbage yields no turns");
          const empty = path.join(dir, "empty.jsonl");
          fs.writeFileSync(empty, "");
          assert.equal((await adapter.readTranscript(empty, { limit: 5 })).turns.length, 0);
          assert.equal(
            await adapter.findTranscript("00000000-0000-4000-8000-000000000000", { cwd: dir }),
            null,
          );
        } finally {
          fs.rmSync(dir, { recursive: true, force: true });
        }
      });
    }
  }

  if (!skip.has("liveness") && options.livenessAgent) {
    const agent = options.livenessAgent;
    test("conformance: liveness says busy, idle or unknown, with a reason", async () => {
      const adapter = make();
      assert.ok(
        adapter.capabilities.liveness && adapter.liveness,
        "a liveness agent is given only for capabilities.liveness",
      );
      const live = await adapter.liveness(agent);
      assert.ok(["busy", "idle", "unknown"].includes(live.state));
      assert.ok(live.reason.length > 0);
      assert.ok(live.lastActivity === null || !Number.isNaN(Date.parse(live.lastActivity)));
    });
  }

  options.additionalTests?.({ test, make });
}

let recordCounter = 1000;

/**
 * A registry record for adapter tests: this process's pid (so it counts as alive), a
 * unique instance id, and the given client fields.
 */
export function makeAgentRecord(
  overrides: Partial<Omit<AgentRecord, "client">> & { client?: Partial<AgentRecord["client"]> } = {},
): AgentRecord {
  const now = new Date().toISOString();
  const pid = overrides.pid ?? process.pid;
  const { client, ...rest } = overrides;
  return {
    schema: 1,
    instance_id: `${pid}-${recordCounter++}`,
    pid,
    start_time: null,
    started_at: now,
    updated_at: now,
    oxtail_version: "0.0.0-test",
    cwd: "/tmp",
    tmux: null,
    state: null,
    ...rest,
    client: {
      type: null,
      name: null,
      version: null,
      session_id: null,
      transcript_path: null,
      cwd: null,
      ...client,
    },
  };
}
