import fs from "node:fs";

/**
 * Pids of every process whose environment carries `marker` (e.g. `HOME=/tmp/agent-x`).
 * The harness gives each agent a unique HOME, so this finds what it started even when a
 * process detached from its parent (Codex's app-server daemon, leaked MCP children).
 */
export function processesWithEnv(marker: string): number[] {
  const out: number[] = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const env = fs.readFileSync(`/proc/${entry}/environ`, "utf8").split("\0");
      if (env.includes(marker)) out.push(Number(entry));
    } catch {
      // gone, or not ours to read
    }
  }
  return out;
}

/** SIGTERM the pids, wait up to `graceMs`, then SIGKILL what is left. Returns those that needed SIGKILL. */
export async function terminate(pids: readonly number[], graceMs = 3000): Promise<number[]> {
  const alive = (pid: number): boolean => {
    try {
      process.kill(pid, 0);
      return !fs.readFileSync(`/proc/${pid}/stat`, "utf8").includes(") Z ");
    } catch {
      return false;
    }
  };
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGTERM");
    } catch {
      // already gone
    }
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && pids.some(alive)) await new Promise((r) => setTimeout(r, 50));
  const stubborn = pids.filter(alive);
  for (const pid of stubborn) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // gone
    }
  }
  return stubborn;
}
