// The liveness group: each agent the author gives gets one of the states it may have, with a reason.
import assert from "node:assert/strict";
import type { Liveness } from "../adapter/types.js";
import { isIsoOrNull, isText, type Kit, kitTest, missingInput, unusedInput } from "./_kit.js";
import { makeAgentRecord } from "./agent-record.js";
import type { LivenessFixture } from "./options.js";

const STATES = new Set(["busy", "idle", "unknown"]);

function assertLiveness(live: Liveness): void {
  assert.ok(STATES.has(live.state), `state ${live.state} is busy, idle or unknown`);
  assert.ok(isText(live.reason), "liveness says how it decided");
  assert.ok(isIsoOrNull(live.lastActivity), "lastActivity is ISO or null");
}

/** Register the liveness group. */
export function livenessGroup(kit: Kit, fixtures: readonly LivenessFixture[] | undefined): void {
  const group = "liveness";
  if (!kit.adapter.capabilities.liveness) {
    if (fixtures !== undefined) unusedInput(kit, group, "liveness", "liveness");
    return;
  }
  if (!fixtures || fixtures.length === 0) {
    missingInput(
      kit,
      group,
      "liveness",
      "capabilities.liveness is declared: the kit needs an agent record and the states liveness may say for it",
    );
    return;
  }
  fixtures.forEach((fixture, index) => {
    const label = fixture.agent.client.session_id ?? fixture.agent.client.transcript_path ?? `#${index + 1}`;
    kitTest(kit, group, `agent ${label} is ${fixture.states.join(" or ")}, with a reason`, async () => {
      const adapter = kit.make();
      assert.ok(adapter.liveness, "capabilities.liveness needs liveness()");
      assert.ok(fixture.states.length > 0, "give at least one state the agent may be in");
      const live = await adapter.liveness(fixture.agent);
      assertLiveness(live);
      assert.ok(
        fixture.states.includes(live.state),
        `${live.state} is one of ${fixture.states.join(", ")} (${live.reason})`,
      );
    });
  });
  kitTest(kit, group, "an agent it knows nothing about gets an answer, not an error", async () => {
    const adapter = kit.make();
    assert.ok(adapter.liveness, "capabilities.liveness needs liveness()");
    assertLiveness(await adapter.liveness(makeAgentRecord({ client: { type: adapter.name } })));
  });
}
