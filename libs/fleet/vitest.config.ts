import { defineProject, mergeConfig } from "vitest/config";
import { baseTestConfig } from "../../vitest.config.base.ts";

export default mergeConfig(baseTestConfig, defineProject({ test: { name: "@oxtail/fleet" } }));
