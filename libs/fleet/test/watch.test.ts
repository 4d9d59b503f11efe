import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { FleetState } from "../src/model.ts";
import { type FleetWatch, watchFleet } from "../src/watch.ts";
import { FleetWorld, simAdapter, until } from "./world.ts";

const A = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa";
const B = "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb";

let world: FleetWorld;
let watch: FleetWatch | null = null;
beforeEach(() => {
  world = new FleetWorld();
});
afterEach(() => {
  watch?.close();
  watch = null;
  world.dispose();
});

describe("the live fleet", () => {
  it("pushes a new model when a message lands, an agent goes idle, an ask starts or an agent registers", async () => {
    const root = world.project();
    const alpha = await world.agent(root, "alpha", A, "busy");
    const beta = await world.agent(root, "beta", B, "busy");
    const seen: FleetState[] = [];
    watch = await watchFleet({
      home: world.home,
      cwd: root,
      adapters: [simAdapter()],
      onChange: (s) => seen.push(s),
      // The safety net stays out of the way: every change here must come from an event.
      safetyMs: 3_600_000,
    });
    const latest = () => seen.at(-1) ?? watch?.current();
    const agent = (name: string) => latest()?.agents.find((a) => a.name === name);

    await world.send(alpha, beta, "hello beta");
    await until("beta's unread message", () => agent("beta")?.unread === 1);
    expect(latest()?.timeline.map((m) => m.body)).toEqual(["hello beta"]);

    world.say(beta, "idle");
    await until("beta idle", () => agent("beta")?.state === "idle");

    await world.ask(alpha, beta);
    await until("the ask edge", () => latest()?.asks.length === 1);
    expect(latest()?.asks[0]).toMatchObject({
      asker: { name: "alpha" },
      target: { name: "beta" },
      in_cycle: false,
    });

    await world.agent(root, "gamma", "cccccccc-cccc-4ccc-8ccc-cccccccccccc", "idle", "writes docs");
    await until("gamma", () => agent("gamma")?.card?.purpose === "writes docs");
    // Only changed models are pushed: no two in a row are equal.
    const keys = seen.map((s) => JSON.stringify({ ...s, generated_at: "" }));
    expect(new Set(keys).size).toBe(keys.length);
  });
});
