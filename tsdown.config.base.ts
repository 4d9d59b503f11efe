import type { UserConfig } from "tsdown";

/** The one build every package shares: ESM for Node 20+, with declarations. */
export const baseConfig: UserConfig = {
  entry: ["src/index.ts"],
  format: "esm",
  platform: "node",
  target: "node20",
  dts: true,
  clean: true,
  sourcemap: false,
};
