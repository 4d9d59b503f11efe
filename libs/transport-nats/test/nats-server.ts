import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

/** A private nats-server with JetStream on a free port, its store in a temporary folder. */
export interface TestNatsServer {
  url: string;
  port: number;
  /** Stop the process (the store stays): `start()` brings it back on the same port and store. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stop it and remove its store. */
  dispose(): Promise<void>;
}

/** True when `nats-server` is on the PATH. */
export function hasNatsServer(): boolean {
  return (process.env.PATH ?? "")
    .split(path.delimiter)
    .some((dir) => dir && fs.existsSync(path.join(dir, "nats-server")));
}

/** A TCP port nobody listens on now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(
  port: number,
  child: ChildProcess,
  host: string,
  timeoutMs = 20_000,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nats-server exited with ${child.exitCode}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, host);
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (open) return;
    if (Date.now() > until) throw new Error(`nats-server did not listen on ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** How {@link startNatsServer} starts it. */
export interface TestNatsServerOptions {
  /** JetStream with file storage (default true). */
  jetstream?: boolean;
  /** The address it listens on (default 127.0.0.1). */
  host?: string;
}

/** Start a nats-server (JetStream, file storage, unless `jetstream: false`) for one test. */
export async function startNatsServer(
  extraArgs: string[] = [],
  options: TestNatsServerOptions = {},
): Promise<TestNatsServer> {
  const host = options.host ?? "127.0.0.1";
  const store = fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-nats-"));
  const port = await freePort();
  let child: ChildProcess | null = null;
  const start = async () => {
    const proc = spawn(
      "nats-server",
      [
        "-a",
        host,
        "-p",
        String(port),
        ...(options.jetstream === false ? [] : ["-js", "-sd", store]),
        ...extraArgs,
      ],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    let log = "";
    proc.stderr?.on("data", (d: Buffer) => {
      log = (log + d.toString()).slice(-4000);
    });
    child = proc;
    try {
      await waitForPort(port, proc, host);
    } catch (error) {
      proc.kill("SIGKILL");
      throw new Error(`${(error as Error).message}\n${log}`);
    }
  };
  const stop = async () => {
    const proc = child;
    child = null;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise((r) => proc.once("exit", r));
    proc.kill("SIGTERM");
    const timer = setTimeout(() => proc.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(timer);
  };
  await start();
  return {
    url: `nats://${host}:${port}`,
    port,
    stop,
    start,
    async dispose() {
      await stop();
      fs.rmSync(store, { recursive: true, force: true });
    },
  };
}
