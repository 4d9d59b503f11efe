/**
 * @oxtail/client-claude — the Claude Code adapter: detection, transcript tail reader,
 * busy/idle, and wake profile. Default export: the adapter factory.
 */
import { defineClientAdapter, resolveHome } from "@oxtail/core";
import { detectClaude } from "./detect.js";
import { claudeLiveness } from "./liveness.js";
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
export const ADAPTER_NAME = "claude";

const claudeAdapter = defineClientAdapter<ClaudeAdapterOptions>((options) => {
  const dir = (env: Readonly<Record<string, string | undefined>> = process.env) =>
    options?.claudeDir ?? claudeDir(env);
  return {
    name: ADAPTER_NAME,
    displayName: "Claude Code",
    capabilities: { transcript: true, liveness: true, hooks: true },
    requirements: {
      binaries: ["claude"],
      env: ["CLAUDE_CODE_SESSION_ID", "CLAUDE_CONFIG_DIR", "TMUX", "TMUX_PANE"],
      clientVersions: ">=2.1.0",
    },
    detect: (context) => detectClaude(context, dir(context.env)),
    findTranscript: async (sessionId, hint) => findTranscriptIn(dir(), sessionId, hint.cwd),
    readTranscript: readClaudeTranscript,
    liveness: (agent) => claudeLiveness(dir(), agent),
    // First the asyncRewake sleeper (no typing), then typing into the pane.
    wakeProfile: {
      ladder: [{ strategy: "claude-rewake" }, { strategy: "tmux", options: { recipe: "paste-enter" } }],
    },
    wakeStrategies: [claudeRewakeWake({ oxtailHome: () => options?.oxtailHome ?? resolveHome(process.env) })],
  };
});

export default claudeAdapter;
export { CLAUDE_CLIENT_INFO_NAME, detectClaude, isClaudeProcess } from "./detect.js";
export { claudeLiveness } from "./liveness.js";
export { claudeDir, findTranscriptIn, projectKey } from "./paths.js";
export type { ClaudeSessionFile } from "./sessions.js";
export { findSessionFile, paneFromTmuxField, readSessionFile } from "./sessions.js";
export { readClaudeTranscript } from "./transcript.js";
export type { RewakeOptions } from "./wake-rewake.js";
export { claudeRewakeWake, RECENT_REWAKE_MS } from "./wake-rewake.js";
