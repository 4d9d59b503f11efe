/**
 * @oxtail/client-codex — the Codex CLI adapter: detection (daemon and `--no-daemon`),
 * rollout tail reader, busy/idle from task events, and wake profile. Default export:
 * the adapter factory.
 */
import { defineClientAdapter } from "@oxtail/core";
import { detectCodex } from "./detect.js";
import { codexLiveness } from "./liveness.js";
import { codexHome, findRollout, threadIdFromMeta } from "./paths.js";
import { readCodexRollout } from "./transcript.js";
import { codexAppServerWake } from "./wake-appserver.js";

/** Options of the Codex adapter. */
export interface CodexAdapterOptions {
  /** Codex's state folder; default `$CODEX_HOME`, else `~/.codex`. */
  codexHome?: string;
}

/** The adapter's name (`client.type` in the registry). */
export const ADAPTER_NAME = "codex";

const codexAdapter = defineClientAdapter<CodexAdapterOptions>((options) => {
  const home = (env: Readonly<Record<string, string | undefined>> = process.env) =>
    options?.codexHome ?? codexHome(env);
  return {
    name: ADAPTER_NAME,
    displayName: "Codex CLI",
    capabilities: { transcript: true, liveness: true, hooks: true },
    requirements: {
      binaries: ["codex"],
      env: ["CODEX_HOME", "TMUX", "TMUX_PANE"],
      clientVersions: ">=0.169.0",
    },
    detect: (context) => detectCodex(context, home(context.env)),
    findTranscript: async (sessionId) => findRollout(home(), sessionId),
    readTranscript: readCodexRollout,
    liveness: codexLiveness,
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
  };
});

export default codexAdapter;
export {
  CODEX_CLIENT_INFO_NAME,
  codexRole,
  detectCodex,
  rolloutCwd,
  THREAD_TIME_WINDOW_MS,
} from "./detect.js";
export { codexLiveness } from "./liveness.js";
export { codexHome, findRollout, threadIdFromMeta, threadIdOfRollout, uuidV7Time } from "./paths.js";
export { readCodexRollout } from "./transcript.js";
export type { AppServerWakeOptions } from "./wake-appserver.js";
export { codexAppServerWake, controlSocket } from "./wake-appserver.js";
