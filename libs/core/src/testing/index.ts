/**
 * @oxtail/core/testing — the adapter conformance kit: one suite every client adapter passes,
 * built-in or third-party. Runner-agnostic: pass your runner's `test` function.
 *
 * ```ts
 * import { test } from "vitest";
 * import { runClientAdapterConformance } from "@oxtail/core/testing";
 * runClientAdapterConformance(test, () => myAdapter({ dir: fixtures }), { detection: {…}, transcripts: […], … });
 * ```
 *
 * It tests every capability the adapter declares, and a declared capability without its input is a
 * failing test that names the missing option (docs/adapters.md, "Testing with the kit").
 */
import assert from "node:assert/strict";
import type { ClientAdapter } from "../adapter/types.js";
import type { Kit } from "./_kit.js";
import { detectionGroup } from "./detection.js";
import { hooksGroup } from "./hooks.js";
import { livenessGroup } from "./liveness.js";
import { onboardingGroup } from "./onboarding.js";
import type { ConformanceOptions, TestFunction } from "./options.js";
import { shapeGroup } from "./shape.js";
import { transcriptGroup } from "./transcript.js";
import { wakeGroup } from "./wake.js";

export { makeAgentRecord } from "./agent-record.js";
export type {
  ConformanceContext,
  ConformanceOptions,
  DetectionInput,
  HooksInput,
  LivenessFixture,
  OnboardingInput,
  TestFunction,
  TranscriptFixture,
  WakeFixture,
  WakeInput,
  WakeStrategyFixture,
} from "./options.js";

/** The wake strategies oxtail itself brings, which a wake profile may name without bringing them. */
const OXTAIL_STRATEGIES: readonly string[] = ["tmux"];

/**
 * Register the conformance tests for the adapter that `factory` makes (the adapter package's
 * default export, or a function calling it with test options). The factory is called once while
 * registering, to see the declared capabilities, and again in each test.
 */
export function runClientAdapterConformance(
  test: TestFunction,
  factory: () => ClientAdapter,
  options: ConformanceOptions = {},
): void {
  const make = (): ClientAdapter => factory();
  let adapter: ClientAdapter;
  try {
    adapter = make();
  } catch (error) {
    test("conformance: shape: the factory makes an adapter", () => {
      assert.fail(`the factory threw: ${(error as Error)?.message ?? error}`);
    });
    return;
  }
  const kit: Kit = { test, make, adapter };
  shapeGroup(kit, options.wake?.external ?? OXTAIL_STRATEGIES);
  detectionGroup(kit, options.detection);
  transcriptGroup(kit, options.transcripts);
  livenessGroup(kit, options.liveness);
  hooksGroup(kit, options.hooks);
  onboardingGroup(kit, options.onboarding);
  wakeGroup(kit, options.wake);
  options.additionalTests?.({ test, make });
}
