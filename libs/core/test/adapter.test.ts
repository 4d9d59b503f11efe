import path from "node:path";
import { describe, expect, it, test } from "vitest";
import {
  defineClientAdapter,
  defineWakeStrategy,
  isClientAdapter,
  isClientAdapterFactory,
  isWakeStrategy,
} from "../src/adapter/define.ts";
import { runClientAdapterConformance } from "../src/testing/index.ts";
import plainlog from "./fixtures/fake-adapter/index.ts";
import { makeRecord } from "./records.ts";

const fixtureDir = path.join(import.meta.dirname, "fixtures", "fake-adapter", "sessions");
const SESSION = "12345678-1234-4234-8234-123456789abc";

describe("the conformance kit, run against a fake adapter", () => {
  runClientAdapterConformance(test, () => plainlog({ dir: fixtureDir }), {
    detection: {
      matching: { env: { PLAINLOG_SESSION_ID: SESSION }, clientInfo: null, pid: 1, cwd: "/", startedAt: 0 },
      notMatching: { env: {}, clientInfo: { name: "claude-code" }, pid: 1, cwd: "/", startedAt: 0 },
      expectedSessionId: SESSION,
    },
    transcripts: [{ path: path.join(fixtureDir, `${SESSION}.jsonl`), sessionId: SESSION, minTurns: 4 }],
    livenessAgent: makeRecord(),
    additionalTests: ({ test: t, make }) => {
      t("plainlog: extracts the exact turns of its fixture", async () => {
        const tail = await make().readTranscript?.(path.join(fixtureDir, `${SESSION}.jsonl`), { limit: 2 });
        expect(tail?.turns.map((x) => x.text)).toEqual(["sure, on it", "done"]);
        expect(tail?.totalTurns).toBe(4);
      });
    },
  });
});

describe("the conformance kit catches broken adapters", () => {
  it("fails an adapter whose limit is ignored", async () => {
    const broken = defineClientAdapter({
      name: "broken",
      displayName: "Broken",
      capabilities: { transcript: true, liveness: false, hooks: false },
      detect: async () => ({
        matched: false,
        strategies: [{ strategy: "none", found: false, reason: "never" }],
      }),
      findTranscript: async () => null,
      readTranscript: async () => ({
        turns: Array.from({ length: 9 }, () => ({
          role: "user" as const,
          text: "x",
          timestamp: null,
          toolCalls: [],
        })),
        truncated: false,
        totalTurns: 9,
      }),
    });
    const results: { name: string; error?: unknown }[] = [];
    const collected: Promise<void>[] = [];
    runClientAdapterConformance(
      (name, fn) => {
        collected.push(
          (async () => {
            try {
              await fn();
              results.push({ name });
            } catch (error) {
              results.push({ name, error });
            }
          })(),
        );
      },
      () => broken(),
      { transcripts: [{ path: path.join(fixtureDir, `${SESSION}.jsonl`) }] },
    );
    await Promise.all(collected);
    const failed = results.filter((r) => r.error).map((r) => r.name);
    expect(failed.some((n) => n.includes("reads the tail"))).toBe(true);
    expect(failed.some((n) => n.includes("garbage"))).toBe(true);
  });
});

describe("defineClientAdapter / defineWakeStrategy", () => {
  const valid = {
    name: "mini",
    displayName: "Mini",
    capabilities: { transcript: false, liveness: false, hooks: false },
    detect: async () => ({ matched: false, strategies: [] }),
  };

  it("brands the factory and the adapter, fills apiVersion and requirements, freezes", () => {
    const factory = defineClientAdapter(valid);
    expect(isClientAdapterFactory(factory)).toBe(true);
    const adapter = factory();
    expect(isClientAdapter(adapter)).toBe(true);
    expect(adapter.apiVersion).toBe(1);
    expect(adapter.requirements).toEqual({});
    expect(Object.isFrozen(adapter)).toBe(true);
  });

  it.each([
    [{ ...valid, name: "Bad Name" }, "name"],
    [{ ...valid, detect: "nope" }, "detect"],
    [{ ...valid, capabilities: { transcript: true, liveness: false, hooks: false } }, "findTranscript"],
    [{ ...valid, capabilities: { transcript: false, liveness: true, hooks: false } }, "liveness"],
    [{ ...valid, capabilities: undefined }, "capabilities"],
  ])("refuses a malformed adapter with adapter-invalid (%#)", (def, mentions) => {
    expect(() => defineClientAdapter(def as never)()).toThrowError(
      expect.objectContaining({ code: "adapter-invalid", message: expect.stringContaining(mentions) }),
    );
  });

  it("refuses an adapter written for a newer contract with adapter-api-mismatch", () => {
    expect(() => defineClientAdapter({ ...valid, apiVersion: 2 })()).toThrowError(
      expect.objectContaining({ code: "adapter-api-mismatch" }),
    );
  });

  it("passes options through the factory", () => {
    const factory = defineClientAdapter<{ label: string }>((o) => ({
      ...valid,
      displayName: o?.label ?? "none",
    }));
    expect(factory({ label: "Labelled" }).displayName).toBe("Labelled");
  });

  it("defines wake strategies the same way", async () => {
    const factory = defineWakeStrategy({
      name: "noop",
      capabilities: { verify: false },
      readiness: async () => ({ ready: false, reason: "never" }),
      wake: async () => ({
        attempted: false,
        strategy: "noop",
        outcome: "skipped",
        verifiedAfterMs: null,
        reason: "noop",
      }),
    });
    const strategy = factory();
    expect(isWakeStrategy(strategy)).toBe(true);
    expect((await strategy.readiness({ agent: makeRecord(), adapter: null, options: {} })).ready).toBe(false);
    expect(() => defineWakeStrategy({ name: "x", capabilities: { verify: false } } as never)()).toThrowError(
      expect.objectContaining({ code: "adapter-invalid" }),
    );
  });
});
