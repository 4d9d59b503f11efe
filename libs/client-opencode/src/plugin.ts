/** The first line of oxtail's plugin file: how setup, uninstall and doctor know the file is oxtail's. */
export const PLUGIN_MARKER =
  "// oxtail plugin for OpenCode: written by `oxtail setup`, removed by `oxtail uninstall`.";

/** The plugin's hook event for mid-turn delivery (OpenCode's own name, passed to the hook program). */
export const TOOL_AFTER_EVENT = "tool.execute.after";

/**
 * The plugin `oxtail setup` puts into OpenCode's plugin folder. OpenCode (Bun) loads it at start-up
 * and hands it every bus event. It keeps, for each session it sees, one small append-only state log
 * `$OXTAIL_HOME/opencode/<uuid>.jsonl` (the session's id, the TUI's server URL, its pid and folder, and
 * busy/idle from `session.status` / `session.idle`), and an identity drop
 * `$OXTAIL_HOME/identity/<uuid>.json` in core's format (docs/protocol.md) for the session's oxtail
 * server. After each tool call of a session (`tool.execute.after`) it runs oxtail's hook program,
 * `hookProgram` (setup writes its path in), whose shell front answers at once when no mail waits; mail
 * it hands over is appended to the tool's output, which is what the model reads next (mid-turn
 * delivery). It sends nothing over the network, never throws into OpenCode, and never follows a
 * symlink. Plain JavaScript on node: modules only, so Node can run it in tests too.
 */
export function pluginSource(hookProgram: string | null): string {
  return `${PLUGIN_MARKER}
// It records which OpenCode session runs here, the TUI's server URL and the session's busy/idle
// status, under $OXTAIL_HOME (default ~/.oxtail), and after each tool call hands over the session's
// oxtail mail (peers' messages) with the tool's output, through oxtail's hook program.
import { spawn } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const MAX_LOG_BYTES = 1024 * 1024;
const HOOK = ${JSON.stringify(hookProgram)};
const HOOK_TIMEOUT_MS = 10000;
const MAX_HOOK_OUTPUT = 64 * 1024;

function oxtailHome() {
  const configured = (process.env.OXTAIL_HOME || "").trim();
  return path.resolve(configured || path.join(os.homedir(), ".oxtail"));
}

function sessionUuid(id) {
  const h = crypto.createHash("sha256").update("opencode-session:" + id).digest();
  h[6] = (h[6] & 0x0f) | 0x80;
  h[8] = (h[8] & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString("hex");
  return x.slice(0, 8) + "-" + x.slice(8, 12) + "-" + x.slice(12, 16) + "-" + x.slice(16, 20) + "-" + x.slice(20, 32);
}

function privateDir(dir) {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const stat = fs.lstatSync(dir);
  if (!stat.isDirectory()) throw new Error("not a directory: " + dir);
}

function append(file, line) {
  const flags = fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT | fs.constants.O_NOFOLLOW;
  const fd = fs.openSync(file, flags, 0o600);
  try {
    // A log that grew past its bound starts over with this line (only the newest lines matter).
    if (fs.fstatSync(fd).size > MAX_LOG_BYTES) fs.ftruncateSync(fd, 0);
    fs.writeSync(fd, line + "\\n");
  } finally {
    fs.closeSync(fd);
  }
}

function replace(file, text) {
  const tmp = file + "." + process.pid + ".tmp";
  const flags = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW;
  const fd = fs.openSync(tmp, flags, 0o600);
  try {
    fs.writeSync(fd, text);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

function tmuxSocket() {
  const value = process.env.TMUX || "";
  const socket = value.split(",")[0];
  return socket ? socket : null;
}

// Run the hook program for one event of a session: the mail it printed (framed for the model), or "".
function runHook(event, uuid) {
  return new Promise((resolve) => {
    if (!HOOK) return resolve("");
    let out = "";
    let child;
    try {
      child = spawn(HOOK, ["opencode", event, "deliver"], { stdio: ["pipe", "pipe", "ignore"] });
    } catch {
      return resolve("");
    }
    const timer = setTimeout(() => child.kill("SIGKILL"), HOOK_TIMEOUT_MS);
    child.stdout.on("data", (chunk) => {
      if (out.length < MAX_HOOK_OUTPUT) out += chunk;
    });
    child.on("error", () => {
      clearTimeout(timer);
      resolve("");
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve(code === 0 ? out.slice(0, MAX_HOOK_OUTPUT) : "");
    });
    child.stdin.on("error", () => {});
    child.stdin.end(JSON.stringify({ session_id: uuid, hook_event_name: event }) + "\\n");
  });
}

export const OxtailPlugin = async (input) => {
  const serverUrl = input && input.serverUrl ? String(input.serverUrl) : null;
  const cwd = input && typeof input.directory === "string" ? input.directory : process.cwd();
  const last = new Map();
  function record(sessionID, status, event) {
    if (typeof sessionID !== "string" || !/^ses_[0-9A-Za-z]{1,64}$/.test(sessionID)) return;
    if (last.get(sessionID) === status) return;
    last.set(sessionID, status);
    try {
      const home = oxtailHome();
      const uuid = sessionUuid(sessionID);
      const at = new Date().toISOString();
      const dir = path.join(home, "opencode");
      privateDir(dir);
      const log = path.join(dir, uuid + ".jsonl");
      append(log, JSON.stringify({ v: 1, session: sessionID, status, event, server_url: serverUrl, pid: process.pid, cwd, at }));
      const identity = path.join(home, "identity");
      privateDir(identity);
      const pids = [process.pid, process.ppid].filter((pid) => Number.isInteger(pid) && pid > 0);
      replace(path.join(identity, uuid + ".json"), JSON.stringify({
        v: 1, client_type: "opencode", session_id: uuid, transcript_path: log, cwd,
        ancestor_pids: pids, tmux_pane: process.env.TMUX_PANE || null, tmux_socket: tmuxSocket(),
        event, at,
      }) + "\\n");
    } catch {
      // oxtail must never break OpenCode: a state that cannot be written is simply not recorded.
    }
  }
  return {
    "${TOOL_AFTER_EVENT}": async (call, output) => {
      try {
        if (!call || typeof call.sessionID !== "string" || !/^ses_[0-9A-Za-z]{1,64}$/.test(call.sessionID)) return;
        if (!output || typeof output.output !== "string") return;
        const mail = await runHook("${TOOL_AFTER_EVENT}", sessionUuid(call.sessionID));
        if (mail.trim()) output.output = output.output + "\\n\\n" + mail.trim();
      } catch {
        // ignored: the tool's own output stays as it was
      }
    },
    event: async ({ event }) => {
      try {
        const p = (event && event.properties) || {};
        if (event.type === "session.status" && p.status && typeof p.status.type === "string")
          record(p.sessionID, p.status.type === "idle" ? "idle" : "busy", "session.status");
        else if (event.type === "session.idle") record(p.sessionID, "idle", "session.idle");
        else if (event.type === "session.created" && p.info) record(p.info.id, "idle", "session.created");
      } catch {
        // ignored: see above
      }
    },
  };
};
`;
}
