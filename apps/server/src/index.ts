/**
 * oxtail — the MCP server. The `oxtail` binary serves MCP over stdio (`npx -y oxtail`); this entry
 * lets a program start the same server in its own process.
 */

export { serve } from "./serve.js";
export { readVersion } from "./version.js";
/** The server's package name. */
export const SERVER_NAME = "oxtail";
