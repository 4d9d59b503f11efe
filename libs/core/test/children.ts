import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));

/** Start a TypeScript child script from test/fixtures/children, resolving workspace sources. */
export function spawnChild(
  script: string,
  args: string[],
  stdin = false,
): ChildProcess & { done: Promise<number | null>; output: () => string } {
  const child = spawn(
    process.execPath,
    [
      "--conditions=@oxtail/source",
      "--import",
      "tsx",
      path.join(here, "fixtures", "children", script),
      ...args,
    ],
    { stdio: [stdin ? "pipe" : "ignore", "pipe", "pipe"] },
  );
  let out = "";
  child.stdout?.on("data", (chunk) => {
    out += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    out += chunk;
  });
  const done = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return Object.assign(child, { done, output: () => out });
}
