import { afterEach, describe, expect, it } from "vitest";
import {
  type AgentRecord,
  defineClientAdapter,
  defineWakeStrategy,
  type WakeOptions,
  type WakeOutcome,
  type WakeReadiness,
  type WakeRung,
} from "../src/index.ts";
import { acquireWakeLock, createWaker } from "../src/runtime.ts";
import { spawnChild } from "./children.ts";
import { tempDir } from "./helpers.ts";
import { makeRecord } from "./records.ts";

const PEER = "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb";
const peer = (): AgentRecord => makeRecord({ client: { type: "fake", session_id: PEER } });

/** An adapter whose wake ladder is `ladder`. */
const adapterWith = (ladder: WakeRung[]) =>
  defineClientAdapter({
    name: "fake",
    displayName: "Fake",
    capabilities: { transcript: false, liveness: false, hooks: false, onboarding: false, wake: true },
    detect: async () => ({ matched: false, strategies: [] }),
    wakeProfile: { ladder },
  })();

type Act = (options: WakeOptions | undefined) => WakeOutcome | Promise<WakeOutcome>;
const outcome = (name: string, kind: WakeOutcome["outcome"], attempted: boolean, reason: string = kind) => ({
  attempted,
  strategy: name,
  outcome: kind,
  verifiedAfterMs: null,
  reason,
});

/** A strategy that logs each call (`<name>:<attempt>`) and answers with `act`. */
function fake(name: string, log: string[], act: Act, readiness?: WakeReadiness) {
  return defineWakeStrategy({
    name,
    capabilities: { verify: false },
    readiness: async () => readiness ?? { ready: true, reason: `${name} is ready` },
    wake: async (target, options) => {
      log.push(`${name}:${options?.attempt ?? "first"}`);
      expect(target.options).not.toHaveProperty("retry");
      return act(options);
    },
  })();
}

/** A peer's transcript, as verification sees it. */
function transcript(size = 0) {
  const state = { size, busy: false };
  return { state, turnSignal: async () => ({ ...state }) };
}

const children: { kill: () => boolean; done: Promise<number | null> }[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) {
    child.kill();
    await child.done;
  }
});

describe("the waker: its ladder", () => {
  it("tries rungs in order, retries only a rung that acted without a new turn, and stops at the first verified one", async () => {
    const log: string[] = [];
    const t = transcript();
    const waker = createWaker({
      home: tempDir(),
      strategies: [
        fake("one", log, () => outcome("one", "skipped", false, "one is not ready")),
        fake("two", log, () => outcome("two", "unverified", true, "two typed")),
        fake("three", log, () => {
          t.state.size += 10; // this one starts a turn
          return outcome("three", "unverified", true, "three typed");
        }),
        fake("four", log, () => outcome("four", "unverified", true)),
      ],
      adapterFor: () =>
        adapterWith([{ strategy: "one" }, { strategy: "two" }, { strategy: "three" }, { strategy: "four" }]),
      turnSignal: t.turnSignal,
      verifyMs: 150,
      pollMs: 10,
    });
    const report = await waker.wake(peer());
    expect(log).toEqual(["one:first", "two:first", "two:retry", "three:first"]);
    expect(report).toMatchObject({
      attempted: true,
      strategy: "three",
      outcome: "submitted",
      verified_after_ms: expect.any(Number),
      deadline_reached: false,
    });
    expect(report.reason).toBe(
      "one: one is not ready; two: two typed; no new turn within 0.15 s; two typed; no new turn within 0.15 s after one retry; three: three typed; the peer started a turn",
    );
    expect(waker.lastWake(peer())).toEqual(report);
  });

  it("verifies against the baseline taken before the message was sent (a rung that fires on the message itself)", async () => {
    const log: string[] = [];
    const t = transcript(20); // the sleeper already started the turn when the wake runs
    const make = () =>
      createWaker({
        home: tempDir(),
        strategies: [fake("sleeper", log, () => outcome("sleeper", "unverified", true, "a sleeper waits"))],
        adapterFor: () => adapterWith([{ strategy: "sleeper" }]),
        turnSignal: t.turnSignal,
        verifyMs: 100,
        pollMs: 10,
      });
    expect(await make().wake(peer(), { baseline: { size: 10, busy: false } })).toMatchObject({
      outcome: "submitted",
      strategy: "sleeper",
    });
    // Without the baseline, the turn that already started is not the wake's doing.
    expect(await make().wake(peer())).toMatchObject({ outcome: "unverified", strategy: "sleeper" });
  });

  it('retries once with a typed `attempt: "retry"`, and reports the retry that worked', async () => {
    const log: string[] = [];
    const t = transcript();
    const waker = createWaker({
      home: tempDir(),
      strategies: [
        fake("tmux", log, (options) => {
          if (options?.attempt === "retry") t.state.size += 1;
          return outcome(
            "tmux",
            "unverified",
            true,
            options?.attempt === "retry" ? "pressed Enter" : "typed",
          );
        }),
      ],
      turnSignal: t.turnSignal,
      verifyMs: 100,
      pollMs: 10,
    });
    const report = await waker.wake(peer());
    expect(log).toEqual(["tmux:first", "tmux:retry"]);
    expect(report).toMatchObject({ outcome: "submitted", strategy: "tmux" });
    expect(report.reason).toContain("pressed Enter; the peer started a turn after one retry");
  });

  it("keeps what the first attempt did when the rung declines to retry", async () => {
    const log: string[] = [];
    const waker = createWaker({
      home: tempDir(),
      strategies: [
        fake("once", log, (options) =>
          options?.attempt === "retry"
            ? outcome("once", "skipped", false, "fires once")
            : outcome("once", "unverified", true, "fired"),
        ),
      ],
      adapterFor: () => adapterWith([{ strategy: "once" }]),
      turnSignal: transcript().turnSignal,
      verifyMs: 50,
      pollMs: 10,
    });
    const report = await waker.wake(peer());
    expect(log).toEqual(["once:first", "once:retry"]);
    expect(report).toMatchObject({ attempted: true, strategy: "once", outcome: "unverified" });
    expect(report.reason).toBe("once: fired; no new turn within 0.05 s; not retried: fires once");
  });

  it("reports pane-unverified (nothing typed) over a later rung that merely skipped, and so does status()", async () => {
    const log: string[] = [];
    const waker = createWaker({
      home: tempDir(),
      strategies: [
        fake("tmux", log, () => outcome("tmux", "pane-unverified", false, "pane %7 is gone"), {
          ready: false,
          outcome: "pane-unverified",
          reason: "pane %7 is gone",
        }),
        fake("other", log, () => outcome("other", "skipped", false, "no socket"), {
          ready: false,
          reason: "no socket",
        }),
      ],
      adapterFor: () => adapterWith([{ strategy: "tmux" }, { strategy: "other" }]),
      turnSignal: transcript().turnSignal,
    });
    expect(await waker.wake(peer())).toEqual({
      attempted: false,
      strategy: "tmux",
      outcome: "pane-unverified",
      verified_after_ms: null,
      reason: "tmux: pane %7 is gone; other: no socket",
      deadline_reached: false,
    });
    expect(await waker.status(peer())).toEqual({
      strategy: null,
      ready: false,
      outcome: "pane-unverified",
      reason: "tmux: pane %7 is gone; other: no socket",
    });
  });

  it("status({ onArrivalOnly }) counts only strategies that wake by themselves when mail lands (what a plain send gets)", async () => {
    const log: string[] = [];
    const sleeper = defineWakeStrategy({
      name: "sleeper",
      capabilities: { verify: false, onArrival: true },
      readiness: async () => ({ ready: true, reason: "a sleeper waits" }),
      wake: async () => outcome("sleeper", "unverified", true),
    })();
    const waker = createWaker({
      home: tempDir(),
      strategies: [fake("typist", log, () => outcome("typist", "unverified", true)), sleeper],
      adapterFor: () => adapterWith([{ strategy: "typist" }, { strategy: "sleeper" }]),
      turnSignal: transcript().turnSignal,
    });
    expect(await waker.status(peer())).toMatchObject({ strategy: "typist", ready: true });
    expect(await waker.status(peer(), { onArrivalOnly: true })).toMatchObject({
      strategy: "sleeper",
      ready: true,
      reason: "typist: acts only when a wake is run (send_message runs none); sleeper: a sleeper waits",
    });
    const onlyTypist = createWaker({
      home: tempDir(),
      strategies: [fake("typist", log, () => outcome("typist", "unverified", true))],
      adapterFor: () => adapterWith([{ strategy: "typist" }]),
      turnSignal: transcript().turnSignal,
    });
    expect(await onlyTypist.status(peer(), { onArrivalOnly: true })).toMatchObject({
      strategy: null,
      ready: false,
    });
    expect(log).toEqual([]);
  });

  it("with onArrivalUnavailable (mail where the client's waiter does not look), an on-arrival rung is not ready and the next rung wakes", async () => {
    const log: string[] = [];
    const sleeper = defineWakeStrategy({
      name: "sleeper",
      capabilities: { verify: false, onArrival: true },
      readiness: async () => ({ ready: true, reason: "a sleeper waits" }),
      wake: async () => {
        log.push("sleeper");
        return outcome("sleeper", "unverified", true);
      },
    })();
    const waker = createWaker({
      home: tempDir(),
      strategies: [sleeper, fake("typist", log, () => outcome("typist", "submitted", true))],
      adapterFor: () => adapterWith([{ strategy: "sleeper" }, { strategy: "typist" }]),
      turnSignal: transcript().turnSignal,
      onArrivalUnavailable: "mail lives elsewhere",
    });
    expect(await waker.status(peer())).toMatchObject({
      strategy: "typist",
      ready: true,
      reason: "sleeper: mail lives elsewhere; typist: typist is ready",
    });
    expect(await waker.status(peer(), { onArrivalOnly: true })).toMatchObject({
      strategy: null,
      ready: false,
    });
    expect(await waker.wake(peer())).toMatchObject({
      attempted: true,
      strategy: "typist",
      outcome: "submitted",
    });
    expect(log).toEqual(["typist:first"]);
  });

  it("never rejects: a strategy that throws is a failed rung, an unknown one is noted", async () => {
    const waker = createWaker({
      home: tempDir(),
      strategies: [
        fake("boom", [], () => {
          throw new Error("tmux exploded");
        }),
      ],
      adapterFor: () => adapterWith([{ strategy: "missing" }, { strategy: "boom" }]),
      turnSignal: transcript().turnSignal,
    });
    expect(await waker.wake(peer())).toMatchObject({
      attempted: true,
      strategy: "boom",
      outcome: "failed",
      reason: "missing: not available; boom: tmux exploded",
    });
  });
});

describe("the waker: deadlines hold", () => {
  it("answers at the deadline while a strategy hangs, and keeps the peer's lock until that strategy ends", async () => {
    const home = tempDir();
    let finishHang: () => void = () => {};
    let hangEnded = false;
    const hang = new Promise<void>((resolve) => {
      finishHang = resolve;
    });
    const waker = createWaker({
      home,
      strategies: [
        fake("hangs", [], async () => {
          await hang;
          hangEnded = true;
          return outcome("hangs", "unverified", true);
        }),
      ],
      adapterFor: () => adapterWith([{ strategy: "hangs" }]),
      turnSignal: transcript().turnSignal,
    });
    const report = await waker.wake(peer(), { deadline: Date.now() + 300 });
    expect(hangEnded).toBe(false); // the answer came first
    expect(report).toMatchObject({
      attempted: true,
      strategy: "hangs",
      outcome: "unverified",
      deadline_reached: true,
    });
    expect(report.reason).toMatch(/^hangs: it was still running when the wake was cut by the deadline/);
    // The hung strategy may still type: nobody else may wake the peer until it is done.
    expect(acquireWakeLock(home, PEER)).toBeNull();
    finishHang();
    await hang;
    let release: (() => void) | null = null;
    for (let i = 0; i < 100 && !release; i++) {
      await new Promise((r) => setTimeout(r, 10));
      release = acquireWakeLock(home, PEER);
    }
    expect(release).not.toBeNull();
    release?.();
  });

  it("cuts verification at the deadline and says so; no retry starts after it", async () => {
    const log: string[] = [];
    const waker = createWaker({
      home: tempDir(),
      strategies: [fake("tmux", log, () => outcome("tmux", "unverified", true, "typed the wake line"))],
      turnSignal: transcript().turnSignal, // never shows a new turn
    });
    const report = await waker.wake(peer(), { deadline: Date.now() + 300 });
    expect(log).toEqual(["tmux:first"]);
    expect(report).toMatchObject({
      attempted: true,
      strategy: "tmux",
      outcome: "unverified",
      deadline_reached: true,
    });
    expect(report.reason).toMatch(
      /^tmux: typed the wake line; verification cut by the deadline after \d+ ms, before the peer showed a new turn$/,
    );
  });

  it("hands strategies the deadline and a signal that aborts at it", async () => {
    let seen: WakeOptions | undefined;
    const deadline = Date.now() + 200;
    const waker = createWaker({
      home: tempDir(),
      strategies: [
        fake("tmux", [], async (options) => {
          seen = options;
          await new Promise((resolve) => options?.signal?.addEventListener("abort", resolve));
          return outcome("tmux", "skipped", false, "gave up at the signal");
        }),
      ],
      turnSignal: transcript().turnSignal,
    });
    const report = await waker.wake(peer(), { deadline });
    expect(seen).toMatchObject({ attempt: "first", deadline });
    expect(seen?.signal?.aborted).toBe(true);
    expect(report.deadline_reached).toBe(true);
  });

  it("does nothing once the deadline has passed", async () => {
    const log: string[] = [];
    const waker = createWaker({
      home: tempDir(),
      strategies: [fake("tmux", log, () => outcome("tmux", "unverified", true))],
      turnSignal: transcript().turnSignal,
    });
    const report = await waker.wake(peer(), { deadline: Date.now() - 1 });
    expect(log).toEqual([]);
    expect(report).toMatchObject({ attempted: false, outcome: "skipped", deadline_reached: true });
  });

  it("stopped early by its caller (the reply came), looks once more and reports the turn it proves", async () => {
    const t = transcript();
    const stop = new AbortController();
    const waker = createWaker({
      home: tempDir(),
      strategies: [
        fake("tmux", [], () => {
          // The peer answers; the turn shows only after the caller has stopped the wake.
          setTimeout(() => {
            stop.abort(new Error("the peer's reply arrived"));
            t.state.size += 5;
          }, 50);
          return outcome("tmux", "unverified", true, "typed");
        }),
      ],
      turnSignal: t.turnSignal,
      pollMs: 60_000, // so only the last look can see it
    });
    const report = await waker.wake(peer(), { signal: stop.signal, deadline: Date.now() + 60_000 });
    expect(report).toMatchObject({ outcome: "submitted", deadline_reached: false });
    // Stopped with nothing to see: the report says why.
    const quiet = createWaker({
      home: tempDir(),
      strategies: [fake("tmux", [], () => outcome("tmux", "unverified", true, "typed"))],
      turnSignal: transcript().turnSignal,
    });
    const stopped = new AbortController();
    setTimeout(() => stopped.abort(new Error("the peer's reply arrived")), 50);
    const second = await quiet.wake(peer(), { signal: stopped.signal });
    expect(second).toMatchObject({ outcome: "unverified", deadline_reached: false });
    expect(second.reason).toContain("verification stopped: the peer's reply arrived");
  });
});

describe("the waker: the last watch after its caller stopped it", () => {
  it("sees a turn the client writes down a moment after the reply came", async () => {
    const t = transcript();
    const stop = new AbortController();
    const waker = createWaker({
      home: tempDir(),
      strategies: [
        fake("tmux", [], () => {
          // The reply comes at once; the client writes the turn down 300 ms later.
          setTimeout(() => stop.abort(new Error("the peer's reply arrived")), 20);
          setTimeout(() => {
            t.state.size += 5;
          }, 320);
          return outcome("tmux", "unverified", true, "typed");
        }),
      ],
      turnSignal: t.turnSignal,
      pollMs: 50,
    });
    const report = await waker.wake(peer(), { signal: stop.signal, deadline: Date.now() + 60_000 });
    expect(report).toMatchObject({ outcome: "submitted", deadline_reached: false });
  });
});

describe("the waker: one wake per peer at a time", () => {
  it("in one process, a second caller shares the wake in flight", async () => {
    const log: string[] = [];
    const t = transcript();
    const waker = createWaker({
      home: tempDir(),
      strategies: [
        fake("tmux", log, async () => {
          await new Promise((r) => setTimeout(r, 50));
          t.state.size += 1;
          return outcome("tmux", "unverified", true);
        }),
      ],
      turnSignal: t.turnSignal,
      pollMs: 10,
    });
    const [first, second] = await Promise.all([waker.wake(peer()), waker.wake(peer())]);
    expect(log).toEqual(["tmux:first"]);
    expect(second).toBe(first);
    expect(first.outcome).toBe("submitted");
    await waker.wake(peer()); // once settled, the next wake is a new one
    expect(log).toEqual(["tmux:first", "tmux:first"]);
  });

  it("across processes, the wake lock makes the loser skip without acting; a dead holder's lock is taken over", async () => {
    const home = tempDir();
    const log: string[] = [];
    const child = spawnChild("wake-lock-holder.ts", [home, PEER]);
    children.push(child);
    for (let i = 0; i < 400 && !child.output().includes("held"); i++)
      await new Promise((r) => setTimeout(r, 25));
    expect(child.output()).toBe("held\n");
    const waker = createWaker({
      home,
      strategies: [fake("tmux", log, () => outcome("tmux", "skipped", false, "idle"))],
      turnSignal: transcript().turnSignal,
    });
    expect(await waker.wake(peer())).toMatchObject({
      attempted: false,
      outcome: "skipped",
      reason: "another wake of this peer is in progress (an oxtail server holds its wake lock)",
    });
    expect(log).toEqual([]);
    child.kill("SIGKILL");
    await child.done;
    await waker.wake(peer());
    expect(log).toEqual(["tmux:first"]);
  });
});
