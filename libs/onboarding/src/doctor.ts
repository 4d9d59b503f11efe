// Doctor checks that try what the client would run, for adapters' `check()`: the configured MCP
// server is started and asked for its tools, a configured hook command is run with a test payload.
import type { CommandLine, DoctorCheck, DoctorContext } from "@oxtail/core";
import { commandLine } from "./command-hooks.js";

/** A command line as a user would type it. */
export function commandText(server: CommandLine): string {
  return commandLine(server.command, ...server.args);
}

const firstLine = (text: string) =>
  text
    .split("\n")
    .map((l) => l.trim())
    .find((l) => l !== "") ?? "";

/**
 * Start the MCP server a client's config names (as the client would) and report what it answered:
 * `ok` with its tool count, or `fix` with the error it failed with. `server` null: no entry at all.
 */
export async function probeServerCheck(
  context: DoctorContext,
  entry: { label: string; file: string; server: CommandLine | null; fix: string },
): Promise<DoctorCheck> {
  const { label, file, server, fix } = entry;
  if (!server) return { status: "fix", what: `${label}: no oxtail MCP server in ${file}`, fix };
  const result = await context.probeServer(server);
  const line = commandText(server);
  if (result.ok)
    return {
      status: "ok",
      what: `${label}: the MCP server in ${file} starts and lists ${result.tools.length} tools (${line})`,
    };
  return {
    status: "fix",
    what: `${label}: the MCP server in ${file} does not start (${line}): ${result.error}`,
    fix,
  };
}

/**
 * Run a configured hook command with a test payload for `event` (a fresh session id, so no
 * session's mail is touched) and report its exit code, or its error output when it failed.
 */
export async function probeHookCheck(
  context: DoctorContext,
  hook: { label: string; command: string; event: string; payload?: Record<string, unknown>; fix: string },
): Promise<DoctorCheck> {
  const { randomUUID } = await import("node:crypto");
  const sessionId = randomUUID();
  const payload = { session_id: sessionId, hook_event_name: hook.event, cwd: context.cwd, ...hook.payload };
  const run = await context.probeHook(hook.command, JSON.stringify(payload));
  if (!run.error && run.exitCode === 0)
    return {
      status: "ok",
      what: `${hook.label}: the hook runs (${hook.command}: a test ${hook.event} call exits 0)`,
    };
  const why = run.error ?? (firstLine(run.stderr) || firstLine(run.stdout) || "no output");
  return {
    status: "fix",
    what: `${hook.label}: the hook fails (${hook.command}: exit ${run.exitCode ?? "none"}: ${why})`,
    fix: hook.fix,
  };
}
