/** The real-client harness, for other workspace tools (the wake bench). */

export type { AgentOptions } from "./agent.ts";
export { Agent, shellQuote, until } from "./agent.ts";
export { OXTAIL_MAIN, oxtailInHome } from "./homes.ts";
export { CLIENT_PACKAGES, ensureClient } from "./install.ts";
export { PrivateTmux } from "./tmux.ts";
export { countCompletedTurns, findTranscript, readClaudeStatus } from "./transcripts.ts";
