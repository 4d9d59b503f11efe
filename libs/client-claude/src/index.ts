/** @oxtail/client-claude — the Claude Code adapter. Its detection, transcript reader and wake profile arrive with the client-adapter issue. */
export const ADAPTER_NAME = "claude";
