import fs from "node:fs";

/** One process in an ancestry chain (Linux `/proc`). */
export interface ProcessInfo {
  pid: number;
  ppid: number;
  /** Kernel command name (≤ 15 chars). */
  comm: string;
  /** Full command line, arguments joined by spaces. */
  cmdline: string;
  /** Start time in clock ticks since boot (opaque). */
  startTime: string;
}

/** What `/proc/<pid>` says about a process, or null when it is gone or not Linux. */
export function processInfo(pid: number): ProcessInfo | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const open = stat.indexOf("(");
    const close = stat.lastIndexOf(")");
    const fields = stat.slice(close + 2).split(" ");
    let cmdline = "";
    try {
      cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean).join(" ");
    } catch {
      // unreadable: leave empty
    }
    return {
      pid,
      ppid: Number(fields[1]),
      comm: stat.slice(open + 1, close),
      cmdline,
      startTime: fields[19] ?? "",
    };
  } catch {
    return null;
  }
}

/** The chain from `pid`'s parent up to (not including) pid 1, nearest first. */
export function processAncestry(pid: number = process.pid, maxDepth = 64): ProcessInfo[] {
  const out: ProcessInfo[] = [];
  let current = processInfo(pid);
  while (current && current.ppid > 1 && out.length < maxDepth) {
    const parent = processInfo(current.ppid);
    if (!parent) break;
    out.push(parent);
    current = parent;
  }
  return out;
}

/** A process's environment (readable for the same user), or null. */
export function processEnvironment(pid: number): Record<string, string> | null {
  try {
    const env: Record<string, string> = {};
    for (const entry of fs.readFileSync(`/proc/${pid}/environ`, "utf8").split("\0")) {
      const at = entry.indexOf("=");
      if (at > 0) env[entry.slice(0, at)] = entry.slice(at + 1);
    }
    return env;
  } catch {
    return null;
  }
}

/** Paths of the regular files a process holds open (from `/proc/<pid>/fd`). */
export function openFiles(pid: number): string[] {
  const out: string[] = [];
  let fds: string[];
  try {
    fds = fs.readdirSync(`/proc/${pid}/fd`);
  } catch {
    return out;
  }
  for (const fd of fds) {
    try {
      const target = fs.readlinkSync(`/proc/${pid}/fd/${fd}`);
      if (target.startsWith("/")) out.push(target);
    } catch {
      // closed meanwhile
    }
  }
  return out;
}

/** When a process started, in ms since the epoch (Linux), or null. */
export function processStartedAt(pid: number): number | null {
  const info = processInfo(pid);
  if (!info) return null;
  try {
    const uptime = Number(fs.readFileSync("/proc/uptime", "utf8").split(" ")[0]);
    const ticksPerSecond = 100;
    const bootMs = Date.now() - uptime * 1000;
    return Math.round(bootMs + (Number(info.startTime) / ticksPerSecond) * 1000);
  } catch {
    return null;
  }
}

/** The tmux socket path in a `$TMUX` value (`/tmp/tmux-0/default,1234,0` → `/tmp/tmux-0/default`), or null. */
export function tmuxSocketFromEnv(value: string | undefined | null): string | null {
  return value ? (value.split(",")[0] ?? null) || null : null;
}
