import { defineConfig } from "vitest/config";
import { PlainSummaryReporter } from "./tools/test-summary-reporter.ts";

// `npm run test:smoke`: the packed tarballs installed into clean prefixes (tools/smoke).
export default defineConfig({
  test: {
    projects: ["tools/smoke/vitest.config.ts"],
    reporters: ["default", new PlainSummaryReporter()],
    // Tests leave nothing behind: no process still running, no file added or changed in the tree.
    globalSetup: ["tools/test-build.ts", "tools/test-guard.ts"],
  },
});
