import { describe, expect, it } from "vitest";
import {
  checkClientAdapter,
  defineClientAdapter,
  defineWakeStrategy,
  isClientAdapter,
  isClientAdapterFactory,
  isWakeStrategy,
} from "../src/adapter/define.ts";
import { makeRecord } from "./records.ts";

describe("defineClientAdapter / defineWakeStrategy", () => {
  const valid = {
    name: "mini",
    displayName: "Mini",
    capabilities: { transcript: false, liveness: false, hooks: false, onboarding: false, wake: false },
    detect: async () => ({ matched: false, strategies: [] }),
  };
  const caps = valid.capabilities;

  it("brands the factory and the adapter, fills apiVersion and requirements, freezes", () => {
    const factory = defineClientAdapter(valid);
    expect(isClientAdapterFactory(factory)).toBe(true);
    const adapter = factory();
    expect(isClientAdapter(adapter)).toBe(true);
    expect(adapter.apiVersion).toBe(2);
    expect(adapter.requirements).toEqual({});
    expect(Object.isFrozen(adapter)).toBe(true);
  });

  it.each([
    [{ ...valid, name: "Bad Name" }, "name"],
    [{ ...valid, detect: "nope" }, "detect"],
    [{ ...valid, capabilities: { ...caps, transcript: true } }, "findTranscript"],
    [{ ...valid, capabilities: { ...caps, liveness: true } }, "liveness"],
    [{ ...valid, capabilities: { ...caps, hooks: true } }, "capabilities.hooks needs hooks"],
    [{ ...valid, capabilities: { ...caps, onboarding: true } }, "capabilities.onboarding needs onboarding"],
    [{ ...valid, capabilities: { ...caps, wake: true } }, "capabilities.wake needs wakeProfile"],
    [{ ...valid, wakeProfile: { ladder: [] } }, "capabilities.wake is false"],
    [
      {
        ...valid,
        capabilities: { ...caps, hooks: true },
        hooks: {
          events: [{ event: "Pre Tool", role: "mid-turn" }],
          sessionId: () => null,
          answer: () => ({ exitCode: 0 }),
        },
      },
      "event name",
    ],
    [
      {
        ...valid,
        capabilities: { ...caps, hooks: true },
        hooks: {
          events: [{ event: "X", role: "whenever" }],
          sessionId: () => null,
          answer: () => ({ exitCode: 0 }),
        },
      },
      "role",
    ],
    [{ ...valid, capabilities: undefined }, "capabilities"],
  ])("refuses a malformed adapter with adapter-invalid (%#)", (def, mentions) => {
    expect(() => defineClientAdapter(def as never)()).toThrowError(
      expect.objectContaining({ code: "adapter-invalid", message: expect.stringContaining(mentions) }),
    );
  });

  it("refuses an adapter written for a newer contract with adapter-api-mismatch", () => {
    expect(() => defineClientAdapter({ ...valid, apiVersion: 3 })()).toThrowError(
      expect.objectContaining({ code: "adapter-api-mismatch" }),
    );
  });

  it("bridges a version-1 adapter: no hooks or onboarding, woken when it has a wake profile", () => {
    const v1 = {
      apiVersion: 1,
      name: "old",
      displayName: "Old",
      capabilities: { transcript: false, liveness: false, hooks: true },
      detect: async () => ({ matched: false, strategies: [] }),
      wakeProfile: { ladder: [{ strategy: "tmux" }] },
    };
    const adapter = checkClientAdapter(v1);
    expect(isClientAdapter(adapter)).toBe(true);
    expect(adapter.apiVersion).toBe(1);
    expect(adapter.capabilities).toEqual({
      transcript: false,
      liveness: false,
      hooks: false,
      onboarding: false,
      wake: true,
    });
    expect(adapter.wakeProfile?.ladder[0]?.strategy).toBe("tmux");
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
