/**
 * @oxtail/client-gemini — the Gemini CLI adapter: detection (clientInfo, environment, ancestry, the
 * SessionStart hook's identity, chat birth), chat tail reader, busy/idle, hook events, the tmux wake
 * profile, and onboarding (setup, uninstall, doctor). Default export: the adapter factory.
 */
import { defineClientAdapter, lazyOnboarding } from "@oxtail/core";
import { detectGemini } from "./detect.js";
import { geminiHooks } from "./hooks.js";
import { geminiLiveness } from "./liveness.js";
import { geminiConfigured } from "./onboarding-light.js";
import { findChat, geminiDir } from "./paths.js";
import { readGeminiChat } from "./transcript.js";

/** Options of the Gemini CLI adapter. */
export interface GeminiAdapterOptions {
  /** Gemini CLI's state folder; default `$GEMINI_CLI_HOME/.gemini`, else `~/.gemini`. */
  geminiDir?: string;
}

/** The adapter's name (`client.type` in the registry). */
const ADAPTER_NAME = "gemini";

const geminiAdapter = defineClientAdapter<GeminiAdapterOptions>((options) => {
  const dir = (env: Readonly<Record<string, string | undefined>> = process.env) =>
    options?.geminiDir ?? geminiDir(env);
  return {
    name: ADAPTER_NAME,
    displayName: "Gemini CLI",
    sessionIdHint:
      "the session id Gemini CLI gives its hooks as $GEMINI_SESSION_ID (also in your chat file's name under ~/.gemini/tmp/<project>/chats/)",
    capabilities: { transcript: true, liveness: true, hooks: true, onboarding: true, wake: true },
    requirements: {
      binaries: ["gemini"],
      env: ["GEMINI_CLI", "GEMINI_CLI_HOME", "TMUX", "TMUX_PANE"],
      clientVersions: ">=0.61.0",
      // The release the real-client suite runs (tools/agents).
      testedVersions: ["0.61.0"],
    },
    detect: (context) => detectGemini(context, dir(context.env)),
    findTranscript: async (sessionId, hint) => findChat(dir(), sessionId, hint.cwd),
    readTranscript: readGeminiChat,
    liveness: (agent) => geminiLiveness(agent, (sessionId) => findChat(dir(), sessionId)),
    hooks: geminiHooks,
    // Typing into its pane: a bracketed paste, then Enter as a separate tmux call ≥ 50 ms later (an
    // Enter right behind the paste is taken as part of it); the retry presses Right, Enter.
    wakeProfile: { ladder: [{ strategy: "tmux", options: { recipe: "paste-enter" } }] },
    // The settings.json entries and /oxtail-join command `oxtail setup` writes; doctor's checks.
    // Its code (and @oxtail/onboarding) loads only when setup, uninstall or doctor use it.
    onboarding: lazyOnboarding(
      undefined,
      () => import("./onboarding.js").then((m) => m.geminiOnboarding(options?.geminiDir)),
      geminiConfigured(options?.geminiDir),
    ),
  };
});

export default geminiAdapter;
