// The wake group: for each strategy the adapter brings, readiness gives a reason, a wake past its
// deadline (or aborted) does nothing, a retry is handled, and no call rejects.
import assert from "node:assert/strict";
import { isWakeStrategy } from "../adapter/define.js";
import { WAKE_OUTCOMES, type WakeOutcome, type WakeReadiness, type WakeStrategy } from "../adapter/types.js";
import { isText, type Kit, kitTest, missingInput, unusedInput } from "./_kit.js";
import { makeAgentRecord } from "./agent-record.js";
import type { WakeFixture, WakeInput, WakeStrategyFixture } from "./options.js";

function assertReadiness(readiness: WakeReadiness, label: string): void {
  assert.equal(typeof readiness.ready, "boolean", `${label}: ready is a boolean`);
  assert.ok(isText(readiness.reason), `${label}: readiness says why`);
  if (readiness.outcome !== undefined)
    assert.ok(
      ["skipped", "pane-unverified"].includes(readiness.outcome),
      `${label}: outcome ${readiness.outcome}`,
    );
}

function assertOutcome(outcome: WakeOutcome, name: string, label: string): void {
  assert.equal(outcome.strategy, name, `${label}: the outcome names its strategy`);
  assert.ok(
    WAKE_OUTCOMES.includes(outcome.outcome),
    `${label}: outcome ${outcome.outcome} is a wake outcome`,
  );
  assert.equal(typeof outcome.attempted, "boolean", `${label}: attempted is a boolean`);
  assert.ok(isText(outcome.reason), `${label}: the outcome says why`);
  assert.ok(
    outcome.verifiedAfterMs === null || (outcome.outcome === "submitted" && outcome.verifiedAfterMs >= 0),
    `${label}: verifiedAfterMs only for a submitted wake`,
  );
  if (!outcome.attempted)
    assert.ok(["skipped", "pane-unverified"].includes(outcome.outcome), `${label}: nothing done is skipped`);
}

/** `wake` must resolve: a rejection is turned into a failure that says so. */
async function settle(call: () => Promise<WakeOutcome>, label: string): Promise<WakeOutcome> {
  try {
    return await call();
  } catch (error) {
    assert.fail(
      `${label}: wake() rejected (${(error as Error)?.message ?? error}): it must resolve with an outcome`,
    );
  }
}

/** Run `fn` on a fresh ready target, cleaned up afterwards. */
async function withReady(
  fixture: WakeStrategyFixture,
  fn: (ready: WakeFixture) => Promise<void>,
): Promise<void> {
  const ready = await fixture.ready();
  try {
    await fn(ready);
  } finally {
    await ready.cleanup?.();
  }
}

function strategyTests(kit: Kit, input: WakeInput, name: string, fixture: WakeStrategyFixture): void {
  const group = `wake: ${name}`;
  const make = input.make ?? kit.make;
  const strategy = (): WakeStrategy => {
    const found = make().wakeStrategies?.find((s) => s.name === name);
    assert.ok(found && isWakeStrategy(found), `${name} is made with defineWakeStrategy`);
    return found;
  };
  const notActed = async (ready: WakeFixture, label: string) => {
    if (ready.acted) assert.equal(await ready.acted(), false, `${label}: the strategy did nothing`);
  };

  kitTest(
    kit,
    group,
    "readiness gives a reason, for a target it cannot wake and for one it can",
    async () => {
      const s = strategy();
      assert.equal(typeof s.capabilities.verify, "boolean", "capabilities.verify is declared");
      const adapter = make();
      const agent = makeAgentRecord({ client: { type: adapter.name } });
      assertReadiness(await s.readiness({ agent, adapter, options: {} }), "an agent with no session");
      await withReady(fixture, async (ready) => {
        const readiness = await s.readiness(ready.target);
        assertReadiness(readiness, "the ready target");
        assert.equal(readiness.ready, true, `the fixture's target is ready (${readiness.reason})`);
      });
    },
  );

  kitTest(kit, group, "a wake whose deadline has passed, or whose caller gave up, does nothing", async () => {
    const s = strategy();
    await withReady(fixture, async (ready) => {
      const late = await settle(
        () => s.wake(ready.target, { attempt: "first", deadline: Date.now() - 1 }),
        "late",
      );
      assertOutcome(late, name, "past the deadline");
      assert.equal(late.attempted, false, `past the deadline nothing is attempted (${late.reason})`);
      await notActed(ready, "past the deadline");
      const aborted = await settle(
        () =>
          s.wake(ready.target, {
            attempt: "first",
            signal: AbortSignal.abort(),
            deadline: Date.now() + 60_000,
          }),
        "aborted",
      );
      assertOutcome(aborted, name, "aborted");
      assert.equal(aborted.attempted, false, `an aborted wake attempts nothing (${aborted.reason})`);
      await notActed(ready, "aborted");
    });
  });

  kitTest(kit, group, "a wake of a ready target acts", async () => {
    const s = strategy();
    await withReady(fixture, async (ready) => {
      const first = await settle(() => s.wake(ready.target, { attempt: "first" }), "first");
      assertOutcome(first, name, "first");
      assert.equal(first.attempted, true, `the ready target is woken (${first.reason})`);
      assert.notEqual(first.outcome, "failed", `the wake does not fail (${first.reason})`);
      if (ready.acted) assert.equal(await ready.acted(), true, "the strategy acted on its target");
    });
  });

  kitTest(kit, group, "a retry is handled: it nudges again or says it is skipped", async () => {
    const s = strategy();
    await withReady(fixture, async (ready) => {
      await settle(() => s.wake(ready.target, { attempt: "first" }), "first");
      const retry = await settle(() => s.wake(ready.target, { attempt: "retry" }), "retry");
      assertOutcome(retry, name, "retry");
    });
  });

  kitTest(kit, group, "wake never rejects, whatever the target", async () => {
    const s = strategy();
    const adapter = make();
    const odd = [
      makeAgentRecord({ client: { type: adapter.name } }),
      makeAgentRecord({
        client: {
          type: adapter.name,
          session_id: "00000000-0000-4000-8000-000000000000",
          transcript_path: "/nonexistent/oxtail-kit/transcript.jsonl",
        },
      }),
    ];
    for (const [index, agent] of odd.entries()) {
      for (const target of [
        { agent, adapter, options: {} },
        { agent, adapter: null, options: { unexpected: true } },
      ]) {
        const outcome = await settle(() => s.wake(target, { attempt: "first" }), `odd target #${index + 1}`);
        assertOutcome(outcome, name, `odd target #${index + 1}`);
        assert.notEqual(outcome.outcome, "submitted", "a target that is not there is not woken");
      }
    }
  });
}

/** Register the wake group. */
export function wakeGroup(kit: Kit, input: WakeInput | undefined): void {
  const group = "wake";
  const brought = kit.adapter.wakeStrategies ?? [];
  if (brought.length === 0) {
    if (input !== undefined && Object.keys(input.strategies).length > 0)
      unusedInput(kit, group, "wake.strategies", "wake (with wakeStrategies)");
    return;
  }
  for (const strategy of brought) {
    const fixture = input?.strategies[strategy.name];
    if (!input || !fixture)
      missingInput(
        kit,
        group,
        `wake.strategies[${JSON.stringify(strategy.name)}]`,
        `the adapter brings the wake strategy ${strategy.name}: the kit needs a way to make a target it is ready for`,
      );
    else strategyTests(kit, input, strategy.name, fixture);
  }
  const unknown = Object.keys(input?.strategies ?? {}).filter((n) => !brought.some((s) => s.name === n));
  if (unknown.length > 0)
    kitTest(kit, group, "fixtures are for strategies the adapter brings", () => {
      assert.fail(`wake.strategies names ${unknown.join(", ")}, which the adapter does not bring`);
    });
}
