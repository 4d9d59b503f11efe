import { defineConfig } from "tsdown";
import { baseConfig } from "../../tsdown.config.base.ts";

export default defineConfig({
  ...baseConfig,
  entry: { index: "src/index.ts", runtime: "src/runtime.ts", testing: "src/testing/index.ts" },
});
