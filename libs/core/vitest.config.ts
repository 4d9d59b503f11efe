import { configDefaults, defineProject, mergeConfig } from "vitest/config";
import { baseTestConfig } from "../../vitest.config.base.ts";

/** The multi-process tests run in the slow project (vitest.slow.config.ts), which CI runs too. */
export const SLOW_TESTS = ["test/**/*.multiprocess.test.ts"];

export default mergeConfig(
  baseTestConfig,
  defineProject({
    test: {
      name: "@oxtail/core",
      exclude: [...configDefaults.exclude, ...SLOW_TESTS],
      // The contract's type-level tests (*.test-d.ts) are checked by tsc, as tests of their own.
      typecheck: { enabled: true, include: ["test/**/*.test-d.ts"], tsconfig: "./tsconfig.json" },
    },
  }),
);
