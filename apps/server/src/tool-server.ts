// The MCP server side oxtail needs, on the SDK's Protocol class: the handshake (`initialize`,
// `notifications/initialized`) and the request handlers serve.ts sets (tools/list, tools/call).
// The SDK's Server class does the same and more (sampling, elicitation, logging, tasks), and loading
// it loads a JSON Schema validator oxtail never uses: about 1 MB of heap that stayed resident in every
// server (docs/benchmarks.md, footprint). This server sends no requests to its client.
import { Protocol } from "@modelcontextprotocol/sdk/shared/protocol.js";
import {
  type Implementation,
  InitializedNotificationSchema,
  InitializeRequestSchema,
  LATEST_PROTOCOL_VERSION,
  type ServerCapabilities,
  type ServerNotification,
  type ServerRequest,
  type ServerResult,
  SUPPORTED_PROTOCOL_VERSIONS,
} from "@modelcontextprotocol/sdk/types.js";

/** What the server says about itself in its `initialize` answer. */
export interface ToolServerOptions {
  capabilities: ServerCapabilities;
  instructions?: string;
}

/** An MCP server that answers requests and sends notifications, and never asks its client anything. */
export class ToolServer extends Protocol<ServerRequest, ServerNotification, ServerResult> {
  private clientInfo: Implementation | undefined;
  /** Called once the client has confirmed the handshake (`notifications/initialized`). */
  oninitialized?: () => void;

  constructor(serverInfo: Implementation, options: ToolServerOptions) {
    super();
    this.setRequestHandler(InitializeRequestSchema, (request) => {
      this.clientInfo = request.params.clientInfo;
      const asked = request.params.protocolVersion;
      return {
        // The client's version when this SDK speaks it, else the newest one (the client decides).
        protocolVersion: SUPPORTED_PROTOCOL_VERSIONS.includes(asked) ? asked : LATEST_PROTOCOL_VERSION,
        capabilities: options.capabilities,
        serverInfo,
        ...(options.instructions ? { instructions: options.instructions } : {}),
      };
    });
    this.setNotificationHandler(InitializedNotificationSchema, () => this.oninitialized?.());
  }

  /** The client's name and version from its `initialize` request. */
  getClientVersion(): Implementation | undefined {
    return this.clientInfo;
  }

  protected assertCapabilityForMethod(method: string): void {
    throw new Error(`oxtail's server sends no requests to its client (${method})`);
  }

  protected assertNotificationCapability(): void {}

  protected assertRequestHandlerCapability(): void {}

  protected assertTaskCapability(method: string): void {
    throw new Error(`oxtail's server runs no tasks (${method})`);
  }

  protected assertTaskHandlerCapability(): void {}
}
