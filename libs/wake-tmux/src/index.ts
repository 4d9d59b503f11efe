/** @oxtail/wake-tmux — all tmux access and the tmux wake strategy; implemented by the server and wake issues. */
export const STRATEGY_NAME = "tmux";
