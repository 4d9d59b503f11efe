import { configDefaults, defineProject, mergeConfig } from "vitest/config";
import { baseTestConfig } from "../../vitest.config.base.ts";

/**
 * The adversarial suite and the NATS fault runs run in the slow project (vitest.slow.config.ts), which
 * CI runs too.
 */
export const SLOW_TESTS = ["test/adversarial/**", "test/nats-faults/**"];

export default mergeConfig(
  baseTestConfig,
  defineProject({ test: { name: "oxtail", exclude: [...configDefaults.exclude, ...SLOW_TESTS] } }),
);
