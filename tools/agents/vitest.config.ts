import { defineProject, mergeConfig } from "vitest/config";
import { baseTestConfig } from "../../vitest.config.base.ts";

// The real-client tests: slow (each starts a real TUI), run by `npm run test:agents` and by CI.
export default mergeConfig(
  baseTestConfig,
  defineProject({
    test: { name: "@oxtail/agents", testTimeout: 180_000, hookTimeout: 300_000, fileParallelism: false },
  }),
);
