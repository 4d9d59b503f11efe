/** @oxtail/hook — the client hook program; built by the hooks issue. */
export const HOOK_NAME = "oxtail-hook";
