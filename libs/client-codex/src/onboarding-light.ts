import fs from "node:fs";
import path from "node:path";
import type { ClientOnboarding, OnboardingContext } from "@oxtail/core";
import { codexHome } from "./paths.js";

/** A file's text, or "" (missing, unreadable). */
function textOf(file: string): string {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return "";
  }
}

/**
 * Whether setup has configured Codex here, without loading the onboarding code: oxtail's own marks
 * are in its files (the hook program's name in hooks.json, the block's begin marker in config.toml).
 * With `hooksOnly`, whether its hooks are set up.
 */
export function codexConfigured(dir?: string): Pick<ClientOnboarding, "configured"> {
  return {
    configured: async (context: OnboardingContext) => {
      const home = dir ?? codexHome(context.env, context.home);
      const hooks = textOf(path.join(home, "hooks.json")).includes("oxtail-hook");
      if (context.hooksOnly) return hooks;
      return (
        hooks || textOf(path.join(home, "config.toml")).includes("# >>> oxtail: managed by `oxtail setup`")
      );
    },
  };
}
