import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { latencyMetrics, type Metric, round, wallNow } from "./metrics.ts";

const ROOT = path.resolve(import.meta.dirname, "..", "..", "..");
/** The built oxtail server, as a client's MCP config starts it. */
export const OXTAIL_SERVER = path.join(ROOT, "apps/server/dist/main.mjs");
/** The no-op SDK server every startup and footprint figure is compared with. */
export const NOOP_SERVER = path.join(import.meta.dirname, "children", "noop-mcp.mjs");

/** Options of the startup bench. */
export interface StartupBenchOptions {
  runs: number;
}

export const DEFAULTS: StartupBenchOptions = { runs: 30 };

/** A started server and what it took to get there. */
export interface StartedServer {
  client: Client;
  pid: number;
  /** Spawn → `tools/list` answered, ms. */
  readyMs: number;
  close(): Promise<void>;
}

/** Spawn `script` with Node, as an MCP client would, and wait until `tools/list` is answered. */
export async function startMeasured(
  script: string,
  env: Record<string, string>,
  cwd: string,
): Promise<StartedServer> {
  const started = wallNow();
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [script],
    env,
    cwd,
    stderr: "ignore",
  });
  const client = new Client({ name: "bench-client", version: "1" });
  await client.connect(transport);
  await client.listTools();
  const readyMs = wallNow() - started;
  return { client, pid: transport.pid as number, readyMs, close: () => client.close() };
}

/**
 * Cold start: spawn → `tools/list` answered, for oxtail and for a no-op SDK server started the
 * same way, alternating, in one run (SPEC §8: ≤ 1.2× the no-op server).
 */
export async function runStartupBench(options: StartupBenchOptions = DEFAULTS): Promise<Metric[]> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-bench-startup-"));
  const project = fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-bench-startup-proj-"));
  const env = { PATH: process.env.PATH ?? "", HOME: home, OXTAIL_HOME: path.join(home, ".oxtail") };
  const oxtail: number[] = [];
  const noop: number[] = [];
  try {
    for (let i = 0; i < options.runs; i++) {
      for (const [script, into] of [
        [OXTAIL_SERVER, oxtail],
        [NOOP_SERVER, noop],
      ] as const) {
        const server = await startMeasured(script, env, project);
        into.push(server.readyMs);
        await server.close();
      }
    }
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
    fs.rmSync(project, { recursive: true, force: true });
  }
  const metrics = latencyMetrics("startup", "cold_start", oxtail, {
    baseline: noop,
    label: "no-op MCP SDK server, same run",
    targetP50: null,
  });
  const p50 = metrics[0];
  if (p50?.baseline) p50.target = round(p50.baseline * 1.2);
  return metrics;
}
