import { defineConfig } from "vitest/config";
import { PlainSummaryReporter } from "./tools/test-summary-reporter.ts";

export default defineConfig({
  test: {
    // tools/agents runs the real clients (`npm run test:agents`); tools/smoke installs the packed
    // tarballs from the registry (`npm run test:smoke`): each its own target.
    projects: [
      "libs/*/vitest.config.ts",
      "apps/*/vitest.config.ts",
      "tools/*/vitest.config.ts",
      "examples/*/vitest.config.ts",
      "!tools/agents/vitest.config.ts",
      "!tools/smoke/vitest.config.ts",
    ],
    reporters: ["default", new PlainSummaryReporter()],
    // One test file per core (the default leaves one core to vitest itself).
    maxWorkers: 2,
    // Tests leave nothing behind: no process still running, no file added or changed in the tree.
    globalSetup: ["tools/test-build.ts", "tools/test-guard.ts"],
  },
});
