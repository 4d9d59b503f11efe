import { defineConfig } from "vitest/config";
import { PlainSummaryReporter } from "./tools/test-summary-reporter.ts";

export default defineConfig({
  test: {
    projects: ["libs/*/vitest.config.ts", "apps/*/vitest.config.ts", "tools/*/vitest.config.ts"],
    reporters: ["default", new PlainSummaryReporter()],
  },
});
