/**
 * @oxtail/client-claude — the Claude Code adapter: detection, transcript tail reader,
 * busy/idle, wake profile, and onboarding (setup, uninstall, doctor). Default export: the adapter factory.
 */
import { defineClientAdapter, lazyOnboarding, resolveHome } from "@oxtail/core";
import { detectClaude } from "./detect.js";
import { claudeHooks } from "./hooks.js";
import { claudeLiveness } from "./liveness.js";
import { CLAUDE_ONBOARDING_OPTIONS, claudeConfigured } from "./onboarding-options.js";
import { claudeDir, findTranscriptIn } from "./paths.js";
import { readClaudeTranscript } from "./transcript.js";
import { claudeRewakeWake } from "./wake-rewake.js";

/** Options of the Claude Code adapter. */
export interface ClaudeAdapterOptions {
  /** Claude Code's state folder; default `$CLAUDE_CONFIG_DIR`, else `~/.claude`. */
  claudeDir?: string;
  /** oxtail's data folder, where the asyncRewake sleeper keeps its state; default `$OXTAIL_HOME`, else `~/.oxtail`. */
  oxtailHome?: string;
}

/** The adapter's name (`client.type` in the registry). */
const ADAPTER_NAME = "claude";

const claudeAdapter = defineClientAdapter<ClaudeAdapterOptions>((options) => {
  const dir = (env: Readonly<Record<string, string | undefined>> = process.env) =>
    options?.claudeDir ?? claudeDir(env);
  return {
    name: ADAPTER_NAME,
    displayName: "Claude Code",
    sessionIdHint: "the value of $CLAUDE_CODE_SESSION_ID (run: echo $CLAUDE_CODE_SESSION_ID)",
    capabilities: { transcript: true, liveness: true, hooks: true, onboarding: true, wake: true },
    requirements: {
      binaries: ["claude"],
      env: ["CLAUDE_CODE_SESSION_ID", "CLAUDE_CONFIG_DIR", "TMUX", "TMUX_PANE"],
      clientVersions: ">=2.1.0",
      // The releases the real-client suite runs (tools/agents): the pinned one, then the newest.
      testedVersions: ["2.1.197", "2.1.332"],
    },
    detect: (context) => detectClaude(context, dir(context.env)),
    findTranscript: async (sessionId, hint) => findTranscriptIn(dir(), sessionId, hint.cwd),
    readTranscript: readClaudeTranscript,
    liveness: (agent) => claudeLiveness(dir(), agent),
    hooks: claudeHooks,
    // First the asyncRewake sleeper (no typing), then typing into the pane.
    wakeProfile: {
      ladder: [{ strategy: "claude-rewake" }, { strategy: "tmux", options: { recipe: "paste-enter" } }],
    },
    wakeStrategies: [claudeRewakeWake({ oxtailHome: () => options?.oxtailHome ?? resolveHome(process.env) })],
    // The MCP entry, hooks, sleeper and /oxtail-join that `oxtail setup` writes; doctor's checks.
    // Its code (and @oxtail/onboarding) loads only when setup, uninstall or doctor use it.
    onboarding: lazyOnboarding(
      CLAUDE_ONBOARDING_OPTIONS,
      () => import("./onboarding.js").then((m) => m.claudeOnboarding(options?.claudeDir)),
      claudeConfigured(options?.claudeDir),
    ),
  };
});

export default claudeAdapter;
