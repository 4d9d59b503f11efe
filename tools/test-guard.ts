// Vitest global setup shared by every test run of the repository: tests leave nothing behind. It
// marks the run (an environment variable every process the tests start inherits) and, at the end,
// fails the run when a marked process still lives or the working tree gained or changed a file.
import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "..");
/** The variable that marks every process started by this test run. */
export const RUN_MARK = "OXTAIL_TEST_RUN";
/** How long processes get to end on their own after the last test, ms. */
const GRACE_MS = 5000;

function treeState(): string {
  try {
    return execFileSync("git", ["status", "--porcelain", "--untracked-files=all"], {
      cwd: ROOT,
      encoding: "utf8",
    });
  } catch {
    return "";
  }
}

/** Processes (other than this one and its own workers) whose environment carries `mark`. */
function markedProcesses(mark: string): { pid: number; command: string }[] {
  const needle = `${RUN_MARK}=${mark}`;
  const out: { pid: number; command: string }[] = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    try {
      const env = fs.readFileSync(`/proc/${pid}/environ`, "utf8");
      if (!env.split("\0").includes(needle)) continue;
      const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
      if (stat.charAt(stat.lastIndexOf(")") + 2) === "Z") continue;
      if (isVitestWorker(pid)) continue;
      const command = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim();
      out.push({ pid, command });
    } catch {
      // gone, or not readable
    }
  }
  return out;
}

/** A worker of this vitest run: a child of this process running vitest (what it started stays counted). */
function isVitestWorker(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const parent = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    return parent === process.pid && fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("vitest");
  } catch {
    return false;
  }
}

export default function setup(): () => Promise<void> {
  const mark = process.env[RUN_MARK] ?? randomUUID();
  process.env[RUN_MARK] = mark;
  const before = treeState();
  return async () => {
    const problems: string[] = [];
    let left = markedProcesses(mark);
    for (const deadline = Date.now() + GRACE_MS; left.length > 0 && Date.now() < deadline; ) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      left = markedProcesses(mark);
    }
    if (left.length > 0) {
      problems.push(
        `tests left ${left.length} process(es) running:\n${left.map((p) => `  ${p.pid} ${p.command.slice(0, 200)}`).join("\n")}`,
      );
      for (const { pid } of left) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // already gone
        }
      }
    }
    const after = treeState();
    if (after !== before) {
      const was = new Set(before.split("\n"));
      const changed = after.split("\n").filter((line) => line && !was.has(line));
      if (changed.length > 0)
        problems.push(`tests changed the working tree:\n${changed.map((l) => `  ${l}`).join("\n")}`);
    }
    if (problems.length > 0) {
      // Vitest reports an error thrown here but keeps its exit code: set it, so the run fails.
      process.exitCode = 1;
      throw new Error(`[test-guard] ${problems.join("\n")}`);
    }
  };
}
