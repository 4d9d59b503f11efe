/**
 * @oxtail/client-opencode — the OpenCode adapter: detection (clientInfo, OPENCODE_PID, ancestry and
 * the oxtail plugin's identity drops), transcripts and the no-typing wake through the TUI's own
 * server, busy/idle from OpenCode's status events, mail handed over after each tool call (its
 * plugin runs oxtail's hook program), and onboarding (MCP entry + plugin; uninstall, doctor). Default export: the adapter factory.
 */
import { defineClientAdapter, lazyOnboarding } from "@oxtail/core";
import { detectOpenCode, OPENCODE_ADAPTER_NAME } from "./detect.js";
import { openCodeHooks } from "./hooks.js";
import { openCodeLiveness } from "./liveness.js";
import { openCodeConfigured } from "./onboarding-light.js";
import { stateLogPath } from "./state.js";
import { readOpenCodeTranscript } from "./transcript.js";
import { openCodePromptAsyncWake, PROMPT_ASYNC_WAKE } from "./wake-prompt.js";

export { sessionUuid } from "./ids.js";
export { pluginSource } from "./plugin.js";

const openCodeAdapter = defineClientAdapter(() => ({
  name: OPENCODE_ADAPTER_NAME,
  displayName: "OpenCode",
  sessionIdHint:
    "oxtail names an OpenCode session by a UUID the oxtail plugin logs ($OXTAIL_HOME/identity/); run oxtail setup --opencode and send one prompt",
  capabilities: { transcript: true, liveness: true, hooks: true, onboarding: true, wake: true },
  requirements: {
    binaries: ["opencode"],
    env: [
      "OPENCODE_PID",
      "OPENCODE_SERVER_PASSWORD",
      "OPENCODE_SERVER_USERNAME",
      "XDG_CONFIG_HOME",
      "TMUX",
      "TMUX_PANE",
    ],
    clientVersions: ">=1.18.0",
    // The release the real-client suite runs (tools/agents).
    testedVersions: ["1.18.33"],
  },
  detect: detectOpenCode,
  findTranscript: async (sessionId) => {
    const file = stateLogPath(sessionId);
    try {
      const { statSync } = await import("node:fs");
      return statSync(file).isFile() ? file : null;
    } catch {
      return null;
    }
  },
  readTranscript: readOpenCodeTranscript,
  liveness: openCodeLiveness,
  // Run by oxtail's plugin, not by OpenCode's config: setup writes the plugin (onboarding).
  hooks: openCodeHooks,
  // Without typing through the TUI's server when it has one (--port); else tmux (paste, then Enter).
  wakeProfile: {
    ladder: [{ strategy: PROMPT_ASYNC_WAKE }, { strategy: "tmux", options: { recipe: "paste-enter" } }],
  },
  wakeStrategies: [openCodePromptAsyncWake()],
  onboarding: lazyOnboarding(
    undefined,
    () => import("./onboarding.js").then((m) => m.openCodeOnboarding()),
    openCodeConfigured,
  ),
}));

export default openCodeAdapter;
