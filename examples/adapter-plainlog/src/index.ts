/**
 * oxtail-client-plainlog — the worked example of a third-party oxtail client adapter (docs/adapters.md),
 * for a fictional client, Plainlog (README.md describes it). Written only against `@oxtail/core`'s
 * public contract, with `@oxtail/onboarding` for config edits; oxtail loads it by package name
 * (`OXTAIL_ADAPTERS=oxtail-client-plainlog`, or `$OXTAIL_HOME/config.json` `{"adapters": […]}`).
 * Default export: the adapter factory.
 */
import fs from "node:fs";
import { defineClientAdapter } from "@oxtail/core";
import { detectPlainlog, PLAINLOG_SESSION_ENV } from "./detect.js";
import { plainlogHooks } from "./hooks.js";
import { plainlogOnboarding } from "./onboarding.js";
import { sessionsDir, transcriptFile } from "./paths.js";
import { plainlogLiveness, readPlainlogTranscript } from "./transcript.js";
import { PLAINLOG_WAKE, plainlogWake } from "./wake.js";

/** Options of the Plainlog adapter (tests point them at fixtures). */
export interface PlainlogOptions {
  /** Plainlog's home folder (config.json, hooks.json); default `$PLAINLOG_HOME`, else `~/.plainlog`. */
  home?: string;
  /** Plainlog's sessions folder; default `$PLAINLOG_DIR`, else `<home>/sessions`. */
  dir?: string;
}

export default defineClientAdapter<PlainlogOptions>((options) => {
  const dir = (env: Readonly<Record<string, string | undefined>> = process.env) =>
    options?.dir ?? (options?.home ? sessionsDir({ PLAINLOG_HOME: options.home }) : sessionsDir(env));
  return {
    name: "plainlog",
    displayName: "Plainlog",
    sessionIdHint: `the value of $${PLAINLOG_SESSION_ENV} (run: echo $${PLAINLOG_SESSION_ENV})`,
    capabilities: { transcript: true, liveness: true, hooks: true, onboarding: true, wake: true },
    requirements: {
      binaries: ["plainlog"],
      env: [PLAINLOG_SESSION_ENV, "PLAINLOG_DIR", "PLAINLOG_HOME", "TMUX", "TMUX_PANE"],
      clientVersions: ">=1.4.0",
    },
    detect: (context) => detectPlainlog(context, dir(context.env)),
    findTranscript: async (sessionId) => {
      const file = transcriptFile(dir(), sessionId);
      return fs.existsSync(file) ? file : null;
    },
    readTranscript: readPlainlogTranscript,
    liveness: plainlogLiveness,
    hooks: plainlogHooks,
    onboarding: plainlogOnboarding(options?.home),
    // First its own wake (no typing); typing into the agent's tmux pane only when that did not work.
    wakeProfile: { ladder: [{ strategy: PLAINLOG_WAKE }, { strategy: "tmux" }] },
    wakeStrategies: [plainlogWake({ sessionsDir: () => dir() })],
  };
});
