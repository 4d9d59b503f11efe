import { defineConfig } from "vitest/config";
import { PlainSummaryReporter } from "./tools/test-summary-reporter.ts";

export default defineConfig({
  test: {
    projects: ["libs/*", "apps/*", "tools/*"],
    reporters: ["default", new PlainSummaryReporter()],
  },
});
