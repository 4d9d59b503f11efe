import { type Liveness, OxtailError, type Turn } from "@oxtail/core";
import type { WakeHandlers, WakeReport, WakeStatus } from "@oxtail/core/runtime";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createLink, type Link } from "../src/link.js";
import { projectNames } from "../src/names.js";
import { MAX_READ_ANSWER_BYTES, remotePane, remoteTurns } from "../src/remote-read.js";
import { askServer, remoteHooks, remoteLiveness, serveWakes } from "../src/wake.js";
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
  async function served(
    instance: string,
    live: Liveness | null | undefined,
    reads: Pick<WakeHandlers, "turns" | "pane"> = {},
  ) {
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
        ...reads,
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
    expect(await request("turns")).toBeNull();
    // Reading its session then says why, and what to do.
    await expect(
      remoteTurns(askServer(laptop, names), () => true)(record("9-old", "/p"), 5),
    ).rejects.toMatchObject({
      code: "internal-error",
      detail: expect.stringContaining("update oxtail there"),
    });
    expect(await remoteHooks(laptop, names, () => true)(record("9-old", "/p"))).toBeNull();
    expect(wakes).toEqual([]);
    expect(await request("wake")).toMatchObject({ attempted: true, reason: "woken" });
    expect(wakes).toHaveLength(1);
  });

  const turn = (text: string, role: Turn["role"] = "assistant"): Turn => ({
    role,
    text,
    timestamp: "2026-12-03T08:00:00.000Z",
    toolCalls: [{ name: "Bash", summary: 'command="ls"', result: "a b" }],
  });

  it("reads an agent's turns and pane on its own machine, and asking is not waking", async () => {
    const limits: number[] = [];
    const { wakes, laptop } = await served("9-read", null, {
      turns: async (limit) => {
        limits.push(limit);
        return { turns: [turn("hello", "user"), turn("done")], truncated: true, totalTurns: 7 };
      },
      pane: async (lines) => `${lines} lines of screen`,
    });
    const ask = askServer(laptop, names);
    expect(await remoteTurns(ask, () => true)(record("9-read", "/p"), 2)).toEqual({
      turns: [turn("hello", "user"), turn("done")],
      truncated: true,
      totalTurns: 7,
    });
    expect(await remotePane(ask, () => true)(record("9-read", "/p"), 40)).toBe("40 lines of screen");
    // A count out of range is brought within the tool's limits by the machine that reads.
    const { nc } = await laptop.ready();
    await nc.request(
      names.wake("9-read"),
      JSON.stringify({ op: "turns", limit: 1e9, deadline: Date.now() + 1000 }),
    );
    expect(limits).toEqual([2, 500]);
    expect(wakes).toEqual([]);
    // This machine's agents are read here.
    expect(remoteTurns(ask, () => false)(record("9-read", "/p"), 2)).toBeNull();
  });

  it("passes on the reading machine's error code, and says timeout when nobody answers", async () => {
    const { laptop } = await served("9-none", null, {
      turns: async () => {
        throw new OxtailError("no-transcript", "The peer has no transcript yet.");
      },
      pane: async () => {
        throw new Error("/home/someone/secret path");
      },
    });
    const ask = askServer(laptop, names);
    await expect(remoteTurns(ask, () => true)(record("9-none", "/p"), 5)).rejects.toMatchObject({
      code: "no-transcript",
      detail: "On the peer's machine: The peer has no transcript yet.",
    });
    // An error that is not oxtail's says nothing of its own message.
    const failed = await remotePane(ask, () => true)(record("9-none", "/p"), 5)?.catch((e: OxtailError) => e);
    expect(failed).toMatchObject({ code: "internal-error" });
    expect((failed as OxtailError).detail).not.toContain("secret");
    await expect(remoteTurns(ask, () => true)(record("9-gone", "/p"), 5)).rejects.toMatchObject({
      code: "timeout",
    });
  });

  it("keeps an answer within what nats-server carries: the oldest turns go first", async () => {
    const big = "x".repeat(100_000);
    const { laptop } = await served("9-big", null, {
      turns: async () => ({
        turns: Array.from({ length: 20 }, (_, i) => turn(`${i} ${big}`)),
        truncated: false,
        totalTurns: 20,
      }),
    });
    const tail = await remoteTurns(askServer(laptop, names), () => true)(record("9-big", "/p"), 20);
    expect(tail?.truncated).toBe(true);
    expect(Buffer.byteLength(JSON.stringify(tail?.turns))).toBeLessThanOrEqual(MAX_READ_ANSWER_BYTES);
    expect(tail?.turns.at(-1)?.text.startsWith("19 ")).toBe(true);
    expect(tail?.turns.length).toBeGreaterThan(1);
  });

  it("refuses a malformed answer from another machine", async () => {
    const link = machine();
    const { nc } = await link.ready();
    const answers = [
      {
        ok: true,
        tail: { turns: [{ role: "root", text: "x", timestamp: null, toolCalls: [] }], truncated: false },
      },
      {
        ok: true,
        tail: { turns: [{ role: "user", text: 5, timestamp: null, toolCalls: [] }], truncated: false },
      },
      { ok: false, error: "rm -rf", message: "no such code" },
      "just text",
    ];
    let next = 0;
    const sub = nc.subscribe(names.wake("9-hostile"), {
      callback: (_error, msg) => {
        msg.respond(JSON.stringify(answers[next++]));
      },
    });
    stops.push(() => sub.unsubscribe());
    await nc.flush();
    const laptop = machine();
    for (let i = 0; i < answers.length; i++)
      await expect(
        remoteTurns(askServer(laptop, names), () => true)(record("9-hostile", "/p"), 5),
      ).rejects.toMatchObject({ code: "internal-error" });
  });
});
