import { defineConfig } from "vitest/config";
import { PlainSummaryReporter } from "./tools/test-summary-reporter.ts";

export default defineConfig({
  test: {
    // tools/agents runs the real clients: its own target, `npm run test:agents`.
    projects: [
      "libs/*/vitest.config.ts",
      "apps/*/vitest.config.ts",
      "tools/*/vitest.config.ts",
      "examples/*/vitest.config.ts",
      "!tools/agents/vitest.config.ts",
    ],
    reporters: ["default", new PlainSummaryReporter()],
  },
});
