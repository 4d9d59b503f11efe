// The baseline of the startup and footprint benches: a no-op MCP server made with the SDK the
// way its README shows (McpServer, one tool, stdio), started the same way as oxtail.
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";

const server = new McpServer({ name: "noop", version: "1.0.0" });
server.registerTool("noop", { description: "Does nothing." }, async () => ({ content: [] }));
await server.connect(new StdioServerTransport());
