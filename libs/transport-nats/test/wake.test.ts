import type { Liveness } from "@oxtail/core";
import type { WakeReport, WakeStatus } from "@oxtail/core/runtime";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createLink, type Link } from "../src/link.js";
import { projectNames } from "../src/names.js";
import { remoteHooks, remoteLiveness, serveWakes } from "../src/wake.js";
import { record } from "./fixtures.js";
import { hasNatsServer, startNatsServer, type TestNatsServer } from "./nats-server.js";

const names = projectNames("0123456789abcdef");
const REPORT: WakeReport = {
  attempted: true,
  strategy: "test",
  outcome: "submitted",
  verified_after_ms: null,
  reason: "woken",
  deadline_reached: false,
};
const STATUS: WakeStatus = { strategy: "test", ready: true, outcome: null, reason: "ready" };

describe.skipIf(!hasNatsServer())("requests to an agent's own machine", () => {
  let server: TestNatsServer;
  const links: Link[] = [];
  const stops: (() => void)[] = [];
  const machine = () => {
    const link = createLink({ url: server.url, name: "test" }, names);
    links.push(link);
    return link;
  };

  beforeEach(async () => {
    server = await startNatsServer();
  });
  afterEach(async () => {
    for (const stop of stops.splice(0)) stop();
    for (const link of links.splice(0)) await link.close();
    await server.dispose();
  });

  /** The build box's server of `instance`, counting its wakes; `live` is what its adapter says. */
  async function served(instance: string, live: Liveness | null | undefined) {
    const wakes: number[] = [];
    const link = machine();
    stops.push(
      serveWakes(link, names, instance, {
        wake: async (deadline) => {
          wakes.push(deadline);
          return REPORT;
        },
        status: async () => STATUS,
        ...(live === undefined ? {} : { liveness: async () => live, hooks: async () => "active" as const }),
      }),
    );
    await link.ready();
    // The subscription is made once the link is up: a status request answers once it is.
    const laptop = machine();
    const { nc } = await laptop.ready();
    for (let i = 0; i < 50; i++) {
      const got = await nc
        .request(names.wake(instance), JSON.stringify({ op: "status", deadline: Date.now() + 500 }), {
          timeout: 200,
        })
        .catch(() => null);
      if (got) break;
    }
    return { wakes, laptop };
  }

  it("answers busy/idle from the agent's own machine, marked as said there", async () => {
    const { wakes, laptop } = await served("9-busy", {
      state: "busy",
      lastActivity: "2026-12-03T08:00:00.000Z",
      reason: "Claude Code's session file says busy",
    });
    const ask = remoteLiveness(laptop, names, () => true);
    expect(await ask(record("9-busy", "/p"))).toEqual({
      state: "busy",
      lastActivity: "2026-12-03T08:00:00.000Z",
      reason: "its machine says: Claude Code's session file says busy",
    });
    // Its hooks, as judged there.
    expect(await remoteHooks(laptop, names, () => true)(record("9-busy", "/p"))).toBe("active");
    // Asking is not waking.
    expect(wakes).toEqual([]);
    // This machine's agents are not asked: their adapter tells.
    expect(remoteLiveness(laptop, names, () => false)(record("9-busy", "/p"))).toBeNull();
  });

  it("says unknown, with why, when the machine cannot tell or does not answer", async () => {
    const { laptop } = await served("9-cannot", null);
    const ask = remoteLiveness(laptop, names, () => true);
    expect(await ask(record("9-cannot", "/p"))).toMatchObject({
      state: "unknown",
      reason: "its machine's server cannot tell busy from idle",
    });
    const gone = await ask(record("9-nobody", "/p"));
    expect(gone?.state).toBe("unknown");
    expect(gone?.reason).toContain("its machine did not answer");
  });

  it("wakes only on a request that says wake: an unknown operation is answered with null, never acted on", async () => {
    const { wakes, laptop } = await served("9-old", undefined);
    const { nc } = await laptop.ready();
    const request = async (op: string) =>
      (await nc.request(names.wake("9-old"), JSON.stringify({ op, deadline: Date.now() + 1000 }))).json();
    // A server without a liveness answer (an older one) and an operation nobody knows.
    expect(await request("liveness")).toBeNull();
    expect(await request("hooks")).toBeNull();
    expect(await request("reboot")).toBeNull();
    expect(await remoteHooks(laptop, names, () => true)(record("9-old", "/p"))).toBeNull();
    expect(wakes).toEqual([]);
    expect(await request("wake")).toMatchObject({ attempted: true, reason: "woken" });
    expect(wakes).toHaveLength(1);
  });
});
