import fs from "node:fs";
import path from "node:path";
import type { ClientOnboarding, OnboardingContext } from "@oxtail/core";
import { geminiDir } from "./paths.js";

/** A file's text, or "" (missing, unreadable). */
function textOf(file: string): string {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return "";
  }
}

/**
 * Whether setup has configured Gemini CLI here, without loading the onboarding code: oxtail's own
 * marks are in its settings.json (the hook program's name, the MCP entry's mark).
 */
export function geminiConfigured(dir?: string): Pick<ClientOnboarding, "configured"> {
  return {
    configured: async (context: OnboardingContext) => {
      const state = dir ?? geminiDir(context.env, context.home);
      const settings = textOf(
        context.project
          ? path.join(context.cwd, ".gemini", "settings.json")
          : path.join(state, "settings.json"),
      );
      return settings.includes("oxtail-hook") || settings.includes('"OXTAIL_MANAGED"');
    },
  };
}
