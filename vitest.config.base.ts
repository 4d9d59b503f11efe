import { defaultServerConditions } from "vite";
import type { ViteUserConfig } from "vitest/config";

/** Tests resolve workspace packages to their sources, so nothing is built first. */
const conditions = ["@oxtail/source", ...defaultServerConditions];

export const baseTestConfig: ViteUserConfig = {
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ["@oxtail/source"] } },
  test: {
    include: ["test/**/*.test.ts"],
    restoreMocks: true,
    passWithNoTests: true,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
};
