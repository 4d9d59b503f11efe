import { defineConfig } from "vitest/config";
import { PlainSummaryReporter } from "./tools/test-summary-reporter.ts";

// `npm run test:agents`: the tests that run the real Claude Code and Codex TUIs (tools/agents).
export default defineConfig({
  test: {
    projects: ["tools/agents/vitest.config.ts"],
    reporters: ["default", new PlainSummaryReporter()],
    // Tests leave nothing behind: no process still running, no file added or changed in the tree.
    globalSetup: ["tools/test-build.ts", "tools/test-guard.ts"],
  },
});
