import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import { TOOL_CONTRACTS, type ToolContract, type ToolName } from "@oxtail/core/runtime";
import { z } from "zod";
import { TOOL_ORDER } from "./tool-list.js";

/** A JSON Schema of a zod object, as MCP `tools/list` carries it (no `$schema` line). */
function jsonSchema(schema: z.ZodObject, io: "input" | "output"): Tool["inputSchema"] {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: "any" }) as Record<
    string,
    unknown
  >;
  return { ...rest, type: "object" } as Tool["inputSchema"];
}

/** The tool definitions the server lists, made once from core's contracts. */
export function toolDefinitions(): Tool[] {
  return (TOOL_ORDER as readonly ToolName[]).map((name) => {
    const contract: ToolContract = TOOL_CONTRACTS[name];
    return {
      name,
      title: contract.title,
      description: contract.description,
      inputSchema: jsonSchema(contract.input, "input"),
      outputSchema: jsonSchema(contract.output, "output") as Tool["outputSchema"],
      annotations: { title: contract.title, ...contract.annotations },
    };
  });
}
