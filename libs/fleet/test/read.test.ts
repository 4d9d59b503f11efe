import fs from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createFleetReader } from "../src/read.ts";
import { FleetWorld, simAdapter } from "./world.ts";

const A = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa";
const B = "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb";
const C = "cccccccc-cccc-4ccc-8ccc-cccccccccccc";
const D = "dddddddd-dddd-4ddd-8ddd-dddddddddddd";

let world: FleetWorld;
beforeEach(() => {
  world = new FleetWorld();
});
afterEach(() => world.dispose());

describe("the fleet model", () => {
  it("agents of the project with their state, card, unread mail, asks, cycles and flags", async () => {
    const root = world.project();
    const other = world.project();
    const alpha = await world.agent(root, "alpha", A, "busy", "refactors the parser");
    const beta = await world.agent(root, "beta", B, "idle");
    const gamma = await world.agent(root, "gamma", C, "idle");
    await world.agent(other, "elsewhere", D, "idle");
    // alpha's transcript stopped growing ten minutes ago.
    const old = new Date(Date.now() - 600_000);
    fs.utimesSync(alpha.client.transcript_path as string, old, old);
    const sent = await world.send(alpha, beta, "please review <b>parser.ts</b>");
    await world.ask(alpha, beta);
    await world.ask(beta, alpha);

    const reader = createFleetReader({
      home: world.home,
      cwd: root,
      adapters: [simAdapter()],
      stallMs: 60_000,
    });
    const state = await reader.read();
    expect(state.v).toBe(1);
    expect(state.scope).toMatchObject({ all: false, worktree: root });
    expect(
      state.agents.map((a) => [a.name, a.client, a.state, a.unread, a.waiting_on, a.asked_by, a.attention]),
    ).toEqual([
      ["alpha", "sim", "busy", 0, 1, 1, ["stalled", "ask-cycle"]],
      ["beta", "sim", "idle", 1, 1, 1, ["unread-while-idle", "ask-cycle"]],
      ["gamma", "sim", "idle", 0, 0, 0, ["waiting-on-human"]],
    ]);
    expect(state.agents[0]?.card?.purpose).toBe("refactors the parser");
    expect(state.agents[0]?.worktree).toBe(root);
    expect(state.asks.map((a) => [a.asker.name, a.target.name, a.in_cycle])).toEqual([
      ["alpha", "beta", true],
      ["beta", "alpha", true],
    ]);
    expect(state.timeline).toEqual([
      expect.objectContaining({
        id: sent.id,
        from: expect.objectContaining({ name: "alpha", session_id: A }),
        to: expect.objectContaining({ name: "beta", session_id: B }),
        origin: "agent",
        body: "please review <b>parser.ts</b>",
        receipt: expect.objectContaining({ state: "queued" }),
      }),
    ]);
    expect(gamma.client.session_id).toBe(C);

    // The message is delivered: it leaves the mailbox but stays on the timeline, its receipt says so.
    const claim = await world.mailbox.claim((await import("@oxtail/core/runtime")).sessionMailboxKey(B), {
      via: "read_my_messages",
    });
    await claim.ack();
    const after = await reader.read();
    expect(after.agents.find((a) => a.name === "beta")?.unread).toBe(0);
    expect(after.timeline[0]?.receipt).toMatchObject({ state: "delivered", via: "read_my_messages" });
  });

  it("--all shows every project's agents; recent turns come from the adapter's transcript reader", async () => {
    const root = world.project();
    const alpha = await world.agent(root, "alpha", A, "idle");
    await world.agent(world.project(), "elsewhere", D, "busy");
    world.say(alpha, "wrote the tests");
    world.say(alpha, "idle");
    const reader = createFleetReader({ home: world.home, cwd: root, all: true, adapters: [simAdapter()] });
    const state = await reader.read();
    expect(state.scope).toEqual({ all: true, project: null, worktree: null });
    expect(state.agents.map((a) => a.name)).toEqual(["alpha", "elsewhere"]);
    expect(new Set(state.agents.map((a) => a.project)).size).toBe(2);
    expect((await reader.recentTurns("alpha", 5))?.map((t) => t.text)).toEqual([
      "started",
      "wrote the tests",
    ]);
    expect(await reader.recentTurns("nobody")).toBeNull();
  });

  it("an agent whose client no adapter knows is listed with state unknown", async () => {
    const root = world.project();
    await world.agent(root, "alpha", A, "idle");
    const state = await createFleetReader({ home: world.home, cwd: root, adapters: [] }).read();
    expect(state.agents.map((a) => [a.name, a.state, a.attention])).toEqual([["alpha", "unknown", []]]);
  });

  it("reads again only what changed: a mailbox, the registry, the asks", async () => {
    const root = world.project();
    const alpha = await world.agent(root, "alpha", A, "idle");
    const beta = await world.agent(root, "beta", B, "idle");
    const reader = createFleetReader({ home: world.home, cwd: root, adapters: [simAdapter()] });
    await reader.read();
    await world.send(alpha, beta, "one");
    await world.ask(alpha, beta);
    await world.agent(root, "gamma", C, "idle");
    const unread = (s: Awaited<ReturnType<typeof reader.read>>) => s.agents.map((a) => [a.name, a.unread]);
    // Nothing said to have changed: the last read stands.
    const same = await reader.read({});
    expect(unread(same)).toEqual([
      ["alpha", 0],
      ["beta", 0],
    ]);
    expect(same.asks).toEqual([]);
    const mail = await reader.read({ mailboxes: new Set([B]) });
    expect(unread(mail)).toEqual([
      ["alpha", 0],
      ["beta", 1],
    ]);
    expect(mail.timeline.map((m) => m.body)).toEqual(["one"]);
    expect((await reader.read({ asks: true })).asks).toHaveLength(1);
    expect((await reader.read({ registry: true })).agents.map((a) => a.name)).toEqual([
      "alpha",
      "beta",
      "gamma",
    ]);
  });
});
