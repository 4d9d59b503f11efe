import fs from "node:fs";
import path from "node:path";
import type { ClientOnboarding, OnboardingContext, OnboardingOption } from "@oxtail/core";
import { claudeDir } from "./paths.js";

/** The options of Claude Code's setup (`oxtail setup --sleeper` / `--no-sleeper`). */
export const CLAUDE_ONBOARDING_OPTIONS: readonly OnboardingOption[] = [
  {
    name: "sleeper",
    description:
      "Claude Code: add the asyncRewake sleeper, a background hook that wakes an idle session when mail arrives, with no typing",
    default: true,
  },
];

/** A file's text, or "" (missing, unreadable). */
function textOf(file: string): string {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return "";
  }
}

/**
 * Whether setup has configured Claude Code here, without loading the onboarding code: oxtail's own
 * marks are in its files (the hook program's name in settings.json, the MCP entry's mark). With
 * `hooksOnly`, whether its hooks are set up.
 */
export function claudeConfigured(dir?: string): Pick<ClientOnboarding, "configured"> {
  return {
    configured: async (context: OnboardingContext) => {
      const state = dir ?? claudeDir(context.env, context.home);
      const config = context.env.CLAUDE_CONFIG_DIR
        ? path.resolve(context.env.CLAUDE_CONFIG_DIR)
        : context.home;
      const hooks = textOf(path.join(state, "settings.json")).includes("oxtail-hook");
      // Asked about the hooks only (the delivery outlook, the server's start-up warning): the MCP entry does not count.
      if (context.hooksOnly) return hooks;
      return hooks || textOf(path.join(config, ".claude.json")).includes('"OXTAIL_MANAGED"');
    },
  };
}
