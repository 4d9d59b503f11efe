import type fs from "node:fs";
import { ReadBuffer, serializeMessage } from "@modelcontextprotocol/sdk/shared/stdio.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";

/**
 * An MCP client transport over a pair of streams (two FIFOs): for a server that was not spawned
 * by the test but runs elsewhere — inside a tmux pane, as a real client's server does.
 */
export class StreamClientTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  private readonly buffer = new ReadBuffer();

  constructor(
    private readonly toServer: fs.WriteStream,
    private readonly fromServer: fs.ReadStream,
  ) {}

  async start(): Promise<void> {
    this.fromServer.on("data", (chunk: string | Buffer) => {
      this.buffer.append(Buffer.from(chunk));
      for (let message = this.buffer.readMessage(); message; message = this.buffer.readMessage())
        this.onmessage?.(message);
    });
    this.fromServer.on("error", (error) => this.onerror?.(error));
    this.fromServer.on("close", () => this.onclose?.());
  }

  send(message: JSONRPCMessage): Promise<void> {
    return new Promise((resolve, reject) =>
      this.toServer.write(serializeMessage(message), (error) => (error ? reject(error) : resolve())),
    );
  }

  async close(): Promise<void> {
    // The server's stdin ends: it unregisters and exits.
    this.toServer.end();
  }
}
