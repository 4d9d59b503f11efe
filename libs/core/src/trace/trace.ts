import fs from "node:fs";

/** One trace record: what happened, plus any JSON-safe details. */
export interface TraceEvent {
  kind: string;
  [key: string]: unknown;
}

/** Appends NDJSON trace records; never throws. */
export interface Tracer {
  /** True when records are written somewhere. */
  readonly enabled: boolean;
  /** Append one record, stamped with the time and pid. */
  trace(event: TraceEvent): void;
}

const APPEND_FLAGS =
  fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT | fs.constants.O_NONBLOCK;

/**
 * A tracer writing NDJSON to `file` (default `$MCP_TRACE_FILE`), or a silent one when
 * no file is set. Each record is one append of one line, so records from
 * several processes never interleave inside a line.
 */
export function createTracer(file: string | undefined = process.env.MCP_TRACE_FILE): Tracer {
  if (!file) return { enabled: false, trace() {} };
  return {
    enabled: true,
    trace(event) {
      try {
        const line = JSON.stringify({ ts: new Date().toISOString(), pid: process.pid, ...event });
        // O_NONBLOCK: a FIFO nobody reads fails to open (ENXIO) instead of blocking the process.
        const fd = fs.openSync(file, APPEND_FLAGS, 0o600);
        try {
          fs.writeSync(fd, `${line}\n`);
        } finally {
          fs.closeSync(fd);
        }
      } catch {
        // Tracing must never break the caller.
      }
    },
  };
}

/** A tracer that drops everything. */
export const NULL_TRACER: Tracer = { enabled: false, trace() {} };
