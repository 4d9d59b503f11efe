/** @oxtail/client-codex — the Codex CLI adapter. Its detection, rollout reader and wake profile arrive with the client-adapter issue. */
export const ADAPTER_NAME = "codex";
