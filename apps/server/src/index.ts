/**
 * oxtail — the MCP server. The `oxtail` binary serves MCP over stdio; this entry exposes
 * the pieces for embedding and tests.
 */

export type { LoadedAdapter } from "./adapters.js";
export { BUILTIN_ADAPTERS, configuredAdapters, loadAdapters } from "./adapters.js";
export type { ContextOptions, DetectionEntry, ServerContext, WakeReport } from "./context.js";
export { createContext, displayName, readVersion } from "./context.js";
export { detectIdentity } from "./identity.js";
export { serve } from "./serve.js";
export { createMcpServer } from "./server.js";
/** The server's package name. */
export const SERVER_NAME = "oxtail";
