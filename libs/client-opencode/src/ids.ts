import { createRequire } from "node:module";

// node:crypto is loaded on first use: every oxtail server loads this adapter, most never hash an OpenCode id.
const require = createRequire(import.meta.url);

/** What an OpenCode session id looks like (`ses_` and base62, measured on 1.18.33): anything else is refused. */
export const OPENCODE_SESSION_RE = /^ses_[0-9A-Za-z]{1,64}$/;

/** True for an OpenCode session id. */
export function isOpenCodeSessionId(value: unknown): value is string {
  return typeof value === "string" && OPENCODE_SESSION_RE.test(value);
}

/**
 * The UUID oxtail knows an OpenCode session by. OpenCode's ids (`ses_…`) are not UUIDs and oxtail
 * builds paths from session ids, so the session is named by a version-8 UUID made from a SHA-256 of
 * its id. The plugin (src/plugin.ts) computes the same one; the native id lives in the session's
 * state log, keyed by this UUID.
 */
export function sessionUuid(openCodeSessionId: string): string {
  const { createHash } = require("node:crypto") as typeof import("node:crypto");
  const hash = createHash("sha256").update(`opencode-session:${openCodeSessionId}`).digest();
  hash[6] = ((hash[6] as number) & 0x0f) | 0x80;
  hash[8] = ((hash[8] as number) & 0x3f) | 0x80;
  const x = hash.subarray(0, 16).toString("hex");
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}
