// The detection group: every adapter detects, so its inputs are always required.
import assert from "node:assert/strict";
import os from "node:os";
import type { DetectionContext, DetectionReport } from "../adapter/types.js";
import { isSessionId } from "../ids.js";
import { isText, type Kit, kitTest, missingInput } from "./_kit.js";
import type { DetectionInput } from "./options.js";

function assertReport(report: DetectionReport): void {
  assert.equal(typeof report.matched, "boolean", "matched is a boolean");
  assert.ok(
    Array.isArray(report.strategies) && report.strategies.length > 0,
    "at least one strategy reports",
  );
  for (const verdict of report.strategies) {
    assert.ok(isText(verdict.strategy), "a strategy has a name");
    assert.equal(typeof verdict.found, "boolean", `${verdict.strategy}: found is a boolean`);
    assert.ok(isText(verdict.reason), `${verdict.strategy} says why it did or did not find something`);
  }
  const id = report.session?.sessionId;
  if (id !== undefined && id !== null)
    assert.ok(isSessionId(id), `a detected session id has the UUID form (got ${JSON.stringify(id)})`);
}

/** Register the detection group. */
export function detectionGroup(kit: Kit, input: DetectionInput | undefined): void {
  const group = "detection";
  kitTest(kit, group, "never throws, and explains every strategy, with nothing to go on", async () => {
    const empty: DetectionContext = {
      env: {},
      clientInfo: null,
      pid: process.pid,
      cwd: os.tmpdir(),
      startedAt: Date.now(),
      oxtailHome: null,
    };
    const report = await kit.make().detect(empty);
    assertReport(report);
  });

  if (!input) {
    missingInput(
      kit,
      group,
      "detection",
      "every adapter detects its client: the kit needs a context under the client and one not (matching, notMatching)",
    );
    return;
  }
  kitTest(kit, group, "matches under its client, and finds the session", async () => {
    const report = await kit.make().detect(input.matching);
    assertReport(report);
    assert.equal(report.matched, true, "matches under its client");
    assert.ok(
      report.strategies.some((s) => s.found),
      "a strategy found it",
    );
    if (input.expectedSessionId)
      assert.equal(report.session?.sessionId, input.expectedSessionId.toLowerCase(), "finds the session id");
  });
  kitTest(kit, group, "does not match under something else", async () => {
    const report = await kit.make().detect(input.notMatching);
    assertReport(report);
    assert.equal(report.matched, false, "does not match another client");
  });
}
