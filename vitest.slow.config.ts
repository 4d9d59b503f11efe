import { defineConfig } from "vitest/config";
import { BOTH_TRANSPORT_TESTS } from "./apps/server/vitest.config.ts";
import { PlainSummaryReporter } from "./tools/test-summary-reporter.ts";
import { baseTestConfig } from "./vitest.config.base.ts";

// `npm run test:slow`: the long tests, out of `npm test` to keep it quick; CI runs both. The
// adversarial suite (186 cases through the built server and hook), the NATS transport's fault runs
// (a nats-server restarted mid-stream, presence expiry) and the multi-process mailbox and lock
// contention tests, and the NATS variants of the suites that run on both transports.
const slow = (name: string, root: string, include: string[], test: Record<string, unknown> = {}) => ({
  ...baseTestConfig,
  root,
  // Contention tests run many processes at once: on a loaded 2-core machine they need more than the
  // default minute (a limit, not a measurement: speed is tools/bench's).
  test: { ...baseTestConfig.test, name, include, testTimeout: 180_000, ...test },
});

export default defineConfig({
  test: {
    projects: [
      slow("oxtail (slow)", "apps/server", [
        "test/adversarial/**/*.test.ts",
        "test/nats-faults/**/*.test.ts",
      ]),
      slow("@oxtail/core (slow)", "libs/core", ["test/**/*.multiprocess.test.ts"]),
      // The NATS variants of the suites that run on both transports (SPEC §12); `npm test` runs their
      // file-system variants. Only the tests under "on nats": the files' fs-only tests run there.
      slow("oxtail (nats)", "apps/server", BOTH_TRANSPORT_TESTS, {
        env: { OXTAIL_TEST_TRANSPORTS: "nats" },
        testNamePattern: "^on nats ",
      }),
    ],
    reporters: ["default", new PlainSummaryReporter()],
    maxWorkers: 2,
    globalSetup: ["tools/test-build.ts", "tools/test-guard.ts"],
  },
});
