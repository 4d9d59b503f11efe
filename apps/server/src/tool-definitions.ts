import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import { TOOL_CONTRACTS, type ToolContract, type ToolName } from "@oxtail/core/runtime";
import { z } from "zod";
import { TOOL_ORDER } from "./tool-list.js";

/** A JSON Schema of a zod object, as MCP `tools/list` carries it (no `$schema` line). */
function jsonSchema(schema: z.ZodObject, io: "input" | "output"): Record<string, unknown> {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: "any" }) as Record<
    string,
    unknown
  >;
  return { ...rest, type: "object" };
}

/**
 * Keywords only a validator needs. Clients send a tool's input schema to their model on every
 * request (docs/tokens.md); the server checks every argument against the full contract anyway and
 * answers a value out of bounds with an error that says the bound.
 */
const VALIDATION_ONLY = new Set([
  "minLength",
  "maxLength",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "exclusiveMaximum",
  "pattern",
  "format",
  "minItems",
  "maxItems",
  "additionalProperties",
]);

/** An input schema as the model reads it: types, enums, defaults, required fields and short descriptions. */
export function modelSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(modelSchema);
  if (node === null || typeof node !== "object") return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (VALIDATION_ONLY.has(key)) continue;
    // Inside `properties`, keys are field names, never keywords.
    out[key] =
      key === "properties"
        ? Object.fromEntries(Object.entries(value as object).map(([k, v]) => [k, modelSchema(v)]))
        : modelSchema(value);
  }
  return out;
}

/** The tool definitions the server lists, made once from core's contracts. */
export function toolDefinitions(): Tool[] {
  return (TOOL_ORDER as readonly ToolName[]).map((name) => {
    const contract: ToolContract = TOOL_CONTRACTS[name];
    return {
      name,
      title: contract.title,
      description: contract.description,
      inputSchema: modelSchema(jsonSchema(contract.input, "input")) as Tool["inputSchema"],
      outputSchema: jsonSchema(contract.output, "output") as Tool["outputSchema"],
      annotations: { title: contract.title, ...contract.annotations },
    };
  });
}

/**
 * The most the model-visible definitions of all tools may take together (issue 19; CI fails above it).
 * A client sends them with every model request, in every session.
 */
export const TOOLDEFS_BUDGET_BYTES = 4096;

/**
 * The bytes of the definitions a client sends its model: name, description and input schema
 * of each tool, as JSON (what the real clients send, docs/tokens.md).
 */
export function modelVisibleBytes(
  tools: readonly Pick<Tool, "name" | "description" | "inputSchema">[],
): number {
  return tools.reduce(
    (sum, t) =>
      sum +
      Buffer.byteLength(
        JSON.stringify({ name: t.name, description: t.description, input_schema: t.inputSchema }),
      ),
    0,
  );
}
