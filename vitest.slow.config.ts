import { defineConfig } from "vitest/config";
import { PlainSummaryReporter } from "./tools/test-summary-reporter.ts";
import { baseTestConfig } from "./vitest.config.base.ts";

// `npm run test:slow`: the long tests, out of `npm test` to keep it quick; CI runs both. The
// adversarial suite (186 cases through the built server and hook), the NATS transport's fault runs
// (a nats-server restarted mid-stream, presence expiry) and the multi-process mailbox and lock
// contention tests.
const slow = (name: string, root: string, include: string[]) => ({
  ...baseTestConfig,
  root,
  // Contention tests run many processes at once: on a loaded 2-core machine they need more than the
  // default minute (a limit, not a measurement: speed is tools/bench's).
  test: { ...baseTestConfig.test, name, include, testTimeout: 180_000 },
});

export default defineConfig({
  test: {
    projects: [
      slow("oxtail (slow)", "apps/server", [
        "test/adversarial/**/*.test.ts",
        "test/nats-faults/**/*.test.ts",
      ]),
      slow("@oxtail/core (slow)", "libs/core", ["test/**/*.multiprocess.test.ts"]),
    ],
    reporters: ["default", new PlainSummaryReporter()],
    maxWorkers: 2,
    globalSetup: ["tools/test-build.ts", "tools/test-guard.ts"],
  },
});
