import fs from "node:fs";
import type { ClientOnboarding, OnboardingContext } from "@oxtail/core";
import { openCodeFiles } from "./paths.js";
import { PLUGIN_MARKER } from "./plugin.js";

/** A file's text, or "" (missing, unreadable). */
function textOf(file: string): string {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return "";
  }
}

/** Whether setup has configured OpenCode here (oxtail's plugin file, or its marked MCP entry), without loading the onboarding code. */
export const openCodeConfigured: Pick<ClientOnboarding, "configured"> = {
  configured: async (context: OnboardingContext) => {
    for (const project of [false, true]) {
      try {
        const files = openCodeFiles({ ...context, project });
        if (textOf(files.plugin).startsWith(PLUGIN_MARKER)) return true;
        if (textOf(files.config).includes('"OXTAIL_MANAGED"')) return true;
      } catch {
        // none
      }
    }
    return false;
  },
};
