/**
 * @oxtail/client-codex — the Codex CLI adapter: detection (daemon and `--no-daemon`),
 * rollout tail reader, busy/idle from task events, wake profile, and onboarding (setup,
 * uninstall, doctor). Default export:
 * the adapter factory.
 */
import { defineClientAdapter, lazyOnboarding } from "@oxtail/core";
import { detectCodex } from "./detect.js";
import { codexHooks } from "./hooks.js";
import { codexLiveness } from "./liveness.js";
import { codexConfigured } from "./onboarding-light.js";
import { codexHome, findRollout, threadIdFromMeta } from "./paths.js";
import { readCodexRollout } from "./transcript.js";
import { codexAppServerWake } from "./wake-appserver.js";

/** Options of the Codex adapter. */
export interface CodexAdapterOptions {
  /** Codex's state folder; default `$CODEX_HOME`, else `~/.codex`. */
  codexHome?: string;
}

/** The adapter's name (`client.type` in the registry). */
const ADAPTER_NAME = "codex";

const codexAdapter = defineClientAdapter<CodexAdapterOptions>((options) => {
  const home = (env: Readonly<Record<string, string | undefined>> = process.env) =>
    options?.codexHome ?? codexHome(env);
  return {
    name: ADAPTER_NAME,
    displayName: "Codex CLI",
    sessionIdHint: "your thread id ($CODEX_THREAD_ID where Codex sets it; it names your rollout file)",
    capabilities: { transcript: true, liveness: true, hooks: true, onboarding: true, wake: true },
    requirements: {
      binaries: ["codex"],
      env: ["CODEX_HOME", "TMUX", "TMUX_PANE"],
      clientVersions: ">=0.169.0",
      // The releases the real-client suite runs (tools/agents): the pinned one, then the newest.
      testedVersions: ["0.169.0", "0.171.0"],
    },
    detect: (context) => detectCodex(context, home(context.env)),
    findTranscript: async (sessionId) => findRollout(home(), sessionId),
    readTranscript: readCodexRollout,
    liveness: codexLiveness,
    hooks: codexHooks,
    identityFromRequestMeta: (meta) => {
      const threadId = threadIdFromMeta(meta);
      if (!threadId) return null;
      return { sessionId: threadId, transcriptPath: findRollout(home(), threadId) };
    },
    // Without typing through the daemon when it runs; else tmux (paste, then a separate Enter).
    wakeProfile: {
      ladder: [{ strategy: "codex-app-server" }, { strategy: "tmux", options: { recipe: "paste-enter" } }],
    },
    wakeStrategies: [codexAppServerWake({ codexHome: () => home() })],
    // The config.toml block, hooks and oxtail-join skill that `oxtail setup` writes; doctor's checks.
    // Its code (and @oxtail/onboarding) loads only when setup, uninstall or doctor use it.
    onboarding: lazyOnboarding(
      undefined,
      () => import("./onboarding.js").then((m) => m.codexOnboarding(options?.codexHome)),
      codexConfigured(options?.codexHome),
    ),
  };
});

export default codexAdapter;
