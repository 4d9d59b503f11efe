/** @oxtail/hook — the hook program coding clients run (bin/oxtail-hook), for oxtail's CLI and tests. */
import path from "node:path";

export type { HookInput, HookResult } from "./handle.js";
export { handleHook } from "./handle.js";

/** The hook binary's name. */
export const HOOK_NAME = "oxtail-hook";

/** The absolute path of the hook program (`bin/oxtail-hook` of this package), as client configs name it. */
export function hookProgram(): string {
  return path.resolve(import.meta.dirname, "..", "bin", HOOK_NAME);
}
