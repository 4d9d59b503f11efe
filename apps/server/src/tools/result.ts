import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { isOxtailError } from "@oxtail/core";
import { TOOL_SCHEMA_VERSION } from "@oxtail/core/runtime";

/** A successful tool result: structured content plus the same JSON as text. */
export function ok(data: Record<string, unknown>): CallToolResult {
  const structured = { ok: true, schema_version: TOOL_SCHEMA_VERSION, ...data };
  return { content: [{ type: "text", text: JSON.stringify(structured) }], structuredContent: structured };
}

/**
 * A failed tool result the model can act on: `isError: true` with `{ ok: false, error,
 * message }` as its JSON text block, never a crash. It carries no `structuredContent`:
 * SDK clients validate structured content against the tool's (success) output schema
 * even on errors, and skip the check only when it is absent.
 */
export function fail(error: unknown): CallToolResult {
  const structured = isOxtailError(error)
    ? {
        ok: false,
        error: error.code,
        message: error.detail,
        ...(Object.keys(error.data).length ? { data: error.data } : {}),
      }
    : {
        ok: false,
        error: "internal-error",
        message: `Unexpected failure: ${(error as Error)?.message ?? String(error)}`,
      };
  return { isError: true, content: [{ type: "text", text: JSON.stringify(structured) }] };
}
