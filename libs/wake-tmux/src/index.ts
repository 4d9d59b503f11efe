/**
 * @oxtail/wake-tmux — all tmux access (sessions, panes, capture, typing), always
 * pointable at a private server, and the tmux wake strategy (default export).
 */
import tmuxWake from "./wake.js";

export default tmuxWake;
export type { AgentPane, AgentProcess } from "./panes.js";
export { agentProcesses, paneRunsAgent, processTree, resolveAgentPane } from "./panes.js";
export type { Tmux, TmuxExec, TmuxOptions, TmuxPane, TmuxSession, TmuxTarget } from "./tmux.js";
export { createTmux } from "./tmux.js";
export type { TmuxWakeOptions } from "./wake.js";
export { WAKE_TEXT } from "./wake.js";
/** The strategy's name. */
export const STRATEGY_NAME = "tmux";
