import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import readline from "node:readline";

/** A bench child process with a line reader over its stdout. */
export interface BenchChild {
  process: ChildProcess;
  /** Resolves with the next stdout line. */
  nextLine(): Promise<string>;
  /** Resolves when it exits. */
  exited: Promise<number | null>;
}

/** Start a TypeScript child from this folder, resolving workspace packages to sources. */
export function spawnBenchChild(script: string, args: string[]): BenchChild {
  const child = spawn(
    process.execPath,
    ["--conditions=@oxtail/source", "--import", "tsx", path.join(import.meta.dirname, script), ...args],
    { stdio: ["pipe", "pipe", "inherit"] },
  );
  const queue: string[] = [];
  const waiters: ((line: string) => void)[] = [];
  readline.createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (line) => {
    const waiter = waiters.shift();
    if (waiter) waiter(line);
    else queue.push(line);
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return {
    process: child,
    exited,
    nextLine: () => {
      const line = queue.shift();
      return line !== undefined ? Promise.resolve(line) : new Promise((resolve) => waiters.push(resolve));
    },
  };
}
