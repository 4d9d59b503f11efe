import { defineProject, mergeConfig } from "vitest/config";
import { baseTestConfig } from "../../vitest.config.base.ts";

// The packed-tarball smoke test: `npm run test:smoke` (it installs from the npm registry, so not in `npm test`).
export default mergeConfig(
  baseTestConfig,
  defineProject({
    test: {
      name: "@oxtail/smoke",
      globalSetup: ["test/global-setup.ts"],
      testTimeout: 120_000,
      hookTimeout: 600_000,
      fileParallelism: false,
    },
  }),
);
