// What `oxtail doctor` lends adapters' checks: start a configured MCP server as a client would
// (initialize + tools/list through the SDK), and run a configured hook command with a payload. Both
// run against a throwaway OXTAIL_HOME, so a probe never shows up as a peer nor touches real mail.
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CommandLine, DoctorContext } from "@oxtail/core";

/** How long a probe may take, ms. */
export const PROBE_TIMEOUT_MS = 20_000;

type Probes = Pick<DoctorContext, "probeServer" | "probeHook">;

/** The error a failed start printed: Node's `Error: …` line with its code, else the last line. */
function errorOf(stderr: string, fallback: string): string {
  const lines = stderr
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "");
  const error = lines.find((l) => /^[\w.]*Error\b.*:/.test(l)) ?? lines.at(-1);
  const code = /code: '([A-Z_]+)'/.exec(stderr)?.[1];
  if (!error) return fallback;
  return code && !error.includes(code) ? `${error} (${code})` : error;
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer to ${what} within ${ms / 1000} s`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The probes, with `env` as the environment (plus a private OXTAIL_HOME) and `cwd` as the folder. */
export function createProbes(env: NodeJS.ProcessEnv, cwd: string, timeoutMs = PROBE_TIMEOUT_MS): Probes {
  const scratch = () => fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-doctor-"));
  return {
    async probeServer(server: CommandLine) {
      const home = scratch();
      const transport = new StdioClientTransport({
        command: server.command,
        args: server.args,
        cwd,
        env: { ...(env as Record<string, string>), OXTAIL_HOME: home },
        stderr: "pipe",
      });
      let stderr = "";
      transport.stderr?.on("data", (chunk: Buffer) => {
        if (stderr.length < 64_000) stderr += chunk.toString("utf8");
      });
      const client = new Client({ name: "oxtail-doctor", version: "1" });
      try {
        await withTimeout(client.connect(transport), timeoutMs, "initialize");
        const { tools } = await withTimeout(client.listTools(), timeoutMs, "tools/list");
        return { ok: true as const, tools: tools.map((t) => t.name) };
      } catch (error) {
        return { ok: false as const, error: errorOf(stderr, (error as Error).message) };
      } finally {
        await client.close().catch(() => {});
        fs.rmSync(home, { recursive: true, force: true });
      }
    },
    probeHook(command: string, stdin: string, extraEnv: Readonly<Record<string, string>> = {}) {
      const home = scratch();
      return new Promise((resolve) => {
        const child = spawn("/bin/sh", ["-c", command], {
          cwd,
          env: { ...env, ...extraEnv, OXTAIL_HOME: home },
          stdio: ["pipe", "pipe", "pipe"],
        });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (c: Buffer) => {
          stdout += c.toString("utf8");
        });
        child.stderr.on("data", (c: Buffer) => {
          stderr += c.toString("utf8");
        });
        const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
        const done = (exitCode: number | null, error?: string) => {
          clearTimeout(timer);
          fs.rmSync(home, { recursive: true, force: true });
          resolve({ exitCode, stdout, stderr, ...(error ? { error } : {}) });
        };
        child.on("error", (error) => done(null, error.message));
        child.on("close", (code, signal) =>
          done(code, signal ? `killed by ${signal} after ${timeoutMs / 1000} s` : undefined),
        );
        child.stdin.on("error", () => {});
        child.stdin.end(`${stdin}\n`);
      });
    },
  };
}
