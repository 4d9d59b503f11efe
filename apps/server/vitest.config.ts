import { configDefaults, defineProject, mergeConfig } from "vitest/config";
import { baseTestConfig } from "../../vitest.config.base.ts";

/**
 * The adversarial suite and the NATS fault runs run in the slow project (vitest.slow.config.ts), which
 * CI runs too.
 */
export const SLOW_TESTS = ["test/adversarial/**", "test/nats-faults/**"];

/**
 * The suites that run on both transports (test/harness.ts onEachTransport): here on the file system;
 * their NATS variants (as long again) run in the slow project, "oxtail (nats)".
 */
export const BOTH_TRANSPORT_TESTS = [
  "test/messaging.e2e.test.ts",
  "test/receipts.e2e.test.ts",
  "test/loopguard.e2e.test.ts",
  "test/trust.e2e.test.ts",
];

export default mergeConfig(
  baseTestConfig,
  defineProject({
    test: {
      name: "oxtail",
      exclude: [...configDefaults.exclude, ...SLOW_TESTS],
      env: { OXTAIL_TEST_TRANSPORTS: "fs" },
    },
  }),
);
