import { describe, expect, it } from "vitest";
import { attentionOf, stallDueAt } from "../src/attention.ts";
import { edgeInCycle, nodesInCycles } from "../src/graph.ts";

describe("ask graph", () => {
  it("marks the agents and edges of cycles, not the chains leading into them", () => {
    const edges = [
      { from: "a", to: "b" },
      { from: "b", to: "c" },
      { from: "c", to: "a" },
      { from: "d", to: "a" },
      { from: "e", to: "f" },
    ];
    const cyclic = nodesInCycles(edges);
    expect([...cyclic].sort()).toEqual(["a", "b", "c"]);
    expect(edges.map((e) => edgeInCycle(e, cyclic, edges))).toEqual([true, true, true, false, false]);
  });

  it("a self-wait is a cycle; a long chain is not (and does not overflow)", () => {
    expect([...nodesInCycles([{ from: "x", to: "x" }])]).toEqual(["x"]);
    const chain = Array.from({ length: 50_000 }, (_, i) => ({ from: `n${i}`, to: `n${i + 1}` }));
    expect(nodesInCycles(chain).size).toBe(0);
    chain.push({ from: "n50000", to: "n0" });
    expect(nodesInCycles(chain).size).toBe(50_001);
  });
});

describe("attention flags", () => {
  const now = Date.parse("2026-12-02T12:00:00Z");
  const base = { unread: 0, waiting_on: 0, transcript_grew_at: null, last_activity: null };
  const flags = (agent: Partial<Parameters<typeof attentionOf>[0]>, inCycle = false) =>
    attentionOf({ state: "idle", ...base, ...agent }, { now, stallMs: 60_000, inCycle });

  it("idle with nothing to do waits on a human; idle with mail is unread-while-idle", () => {
    expect(flags({})).toEqual(["waiting-on-human"]);
    expect(flags({ unread: 2 })).toEqual(["unread-while-idle"]);
    expect(flags({ waiting_on: 1 })).toEqual([]);
  });

  it("busy is stalled only once its transcript stopped growing for the stall time", () => {
    expect(flags({ state: "busy", transcript_grew_at: "2026-12-02T11:59:30Z" })).toEqual([]);
    expect(flags({ state: "busy", transcript_grew_at: "2026-12-02T11:58:00Z" })).toEqual(["stalled"]);
    // Without a transcript, the last activity counts; without either, nothing can be said.
    expect(flags({ state: "busy", last_activity: "2026-12-02T11:50:00Z" })).toEqual(["stalled"]);
    expect(flags({ state: "busy" })).toEqual([]);
    expect(flags({ state: "unknown" })).toEqual([]);
  });

  it("a cycle is flagged whatever the state; the stall deadline is when the flag would come", () => {
    expect(flags({ state: "busy" }, true)).toEqual(["ask-cycle"]);
    const grew = "2026-12-02T11:59:30Z";
    expect(
      stallDueAt({ state: "busy", transcript_grew_at: grew, last_activity: null, attention: [] }, 60_000),
    ).toBe(Date.parse(grew) + 60_000);
    expect(
      stallDueAt({ state: "idle", transcript_grew_at: grew, last_activity: null, attention: [] }, 60_000),
    ).toBe(null);
  });
});
