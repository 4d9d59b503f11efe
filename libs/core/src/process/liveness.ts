import { execFileSync } from "node:child_process";
import fs from "node:fs";

/** State (field 3) and start time (field 22) of `/proc/<pid>/stat`, or null when unreadable. */
function procStat(pid: number): { state: string; startTime: string | null } | null {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return null;
  }
  // The command name (field 2) is in parentheses and may contain spaces or ')'.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return { state: fields[0] ?? "", startTime: fields[19] ?? null };
}

function psField(pid: number, field: "lstart" | "stat"): string | null {
  try {
    const out = execFileSync("ps", ["-o", `${field}=`, "-p", String(pid)], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
    return out || null;
  } catch {
    return null;
  }
}

/**
 * When a process started, as an opaque string that changes when a pid is reused:
 * on Linux the start time in clock ticks since boot (field 22 of /proc/<pid>/stat),
 * elsewhere `ps -o lstart`. Null when the process does not exist or it cannot be told.
 */
export function processStartTime(pid: number): string | null {
  if (!Number.isInteger(pid) || pid <= 0) return null;
  if (process.platform === "linux") return procStat(pid)?.startTime ?? null;
  return psField(pid, "lstart");
}

/**
 * True when the process `pid` runs and, if `startTime` is given, is the same process
 * that had that start time (so a reused pid does not resurrect a dead record). A zombie
 * (exited, not yet reaped by its parent: state `Z`) is dead.
 */
export function isProcessAlive(pid: number, startTime?: string | null): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  const known = startTime !== undefined && startTime !== null;
  if (process.platform === "linux") {
    const stat = procStat(pid);
    // Unreadable /proc: the pid answered kill(0), which is all that can be told without a start time.
    if (!stat) return !known;
    if (stat.state === "Z" || stat.state === "X") return false;
    return !known || stat.startTime === startTime;
  }
  if (psField(pid, "stat")?.startsWith("Z")) return false;
  return !known || psField(pid, "lstart") === startTime;
}

/** This process's identity: pid and start time, and a token made of both. */
export interface ProcessIdentity {
  pid: number;
  startTime: string | null;
  /** `<pid>-<start time>`, safe in file names. */
  token: string;
}

let self: ProcessIdentity | undefined;

/** The identity of the current process (computed once). */
export function selfProcess(): ProcessIdentity {
  if (!self || self.pid !== process.pid) {
    const startTime = processStartTime(process.pid);
    self = { pid: process.pid, startTime, token: processToken(process.pid, startTime) };
  }
  return self;
}

/** `<pid>-<start>`, with the start time reduced to file-name-safe characters. */
export function processToken(pid: number, startTime: string | null): string {
  const start = (startTime ?? "0").replace(/[^A-Za-z0-9]/g, "");
  return `${pid}-${start || "0"}`;
}

/** Parse a {@link processToken} back into a liveness check. */
export function isProcessTokenAlive(token: string): boolean {
  const match = /^(\d+)-([A-Za-z0-9]+)$/.exec(token);
  if (!match) return false;
  const pid = Number(match[1]);
  const start = processStartTime(pid);
  return start !== null && isProcessAlive(pid) && processToken(pid, start) === token;
}
