import { defineConfig } from "vitest/config";
import { PlainSummaryReporter } from "./tools/test-summary-reporter.ts";
import { baseTestConfig } from "./vitest.config.base.ts";

// `npm run test:slow`: the long tests, out of `npm test` to keep it quick; CI runs both. The
// adversarial suite (186 cases through the built server and hook) and the multi-process mailbox and
// lock contention tests.
const slow = (name: string, root: string, include: string[]) => ({
  ...baseTestConfig,
  root,
  test: { ...baseTestConfig.test, name, include },
});

export default defineConfig({
  test: {
    projects: [
      slow("oxtail (slow)", "apps/server", ["test/adversarial/**/*.test.ts"]),
      slow("@oxtail/core (slow)", "libs/core", ["test/**/*.multiprocess.test.ts"]),
    ],
    reporters: ["default", new PlainSummaryReporter()],
    maxWorkers: 2,
    globalSetup: ["tools/test-build.ts", "tools/test-guard.ts"],
  },
});
