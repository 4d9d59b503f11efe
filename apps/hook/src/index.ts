/** @oxtail/hook — the client hook program (bin/oxtail-hook). Exposed for tests and the CLI. */

export type { HookEvent, HookInput, HookOutput } from "./handle.js";
export { formatMail, HOOK_EVENTS, handleHook, MAX_CONTEXT_CHARS, takeMail } from "./handle.js";
export type { SleeperWakeMail, SleepOutcome } from "./sleeper.js";
export { SLEEPER_LIFETIME_MS, sleepUntilMail, takeMailForWake } from "./sleeper.js";
/** The hook binary's name. */
export const HOOK_NAME = "oxtail-hook";
