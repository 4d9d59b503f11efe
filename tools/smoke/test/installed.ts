import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { npmEnv } from "@oxtail/check-package";

/** oxtail installed from its tarballs into a prefix, as a user's `npm install` lays it out. */
export interface Installed {
  prefix: string;
  /** `<prefix>/node_modules/.bin/<command>`: the link npm made. */
  bin(command: string): string;
}

/** What a command answered. */
export interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `npm install --prefix <prefix> <tarballs…>`: the tarballs, their dependencies from the registry. */
export function installTarballs(prefix: string, tarballs: readonly string[]): Installed {
  fs.mkdirSync(prefix, { recursive: true });
  execFileSync(
    "npm",
    [
      "install",
      "--prefix",
      prefix,
      "--no-audit",
      "--no-fund",
      "--no-package-lock",
      "--loglevel=error",
      ...tarballs,
    ],
    { cwd: prefix, env: npmEnv(), stdio: ["ignore", "pipe", "pipe"] },
  );
  return { prefix, bin: (command) => path.join(prefix, "node_modules", ".bin", command) };
}

/**
 * A user's environment and nothing else: HOME, a PATH with the installed commands first, no
 * OXTAIL_HOME, CLAUDE_CONFIG_DIR or CODEX_HOME (every default lands under HOME), no TMUX, and a
 * private tmux socket folder.
 */
export function userEnv(home: string, installed: Installed): NodeJS.ProcessEnv {
  const tmuxDir = path.join(home, "..", `${path.basename(home)}-tmux`);
  fs.mkdirSync(tmuxDir, { recursive: true });
  return {
    HOME: home,
    PATH: [
      path.dirname(installed.bin("oxtail")),
      path.dirname(process.execPath),
      "/usr/local/bin",
      "/usr/bin",
      "/bin",
    ].join(":"),
    TMUX_TMPDIR: tmuxDir,
    LANG: "C.UTF-8",
  };
}

/** Run a command to its end. */
export function run(
  command: string,
  args: readonly string[],
  options: { env: NodeJS.ProcessEnv; cwd: string; input?: string },
): Ran {
  const result = spawnSync(command, args, {
    env: options.env,
    cwd: options.cwd,
    input: options.input ?? "",
    encoding: "utf8",
    timeout: 60_000,
  });
  if (result.error) throw result.error;
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Start an MCP server command and connect the SDK's Client to it over stdio. */
export async function connectMcp(
  command: string,
  args: readonly string[],
  options: { env: NodeJS.ProcessEnv; cwd: string },
): Promise<{ client: Client; stderr: () => string }> {
  const transport = new StdioClientTransport({
    command,
    args: [...args],
    env: options.env as Record<string, string>,
    cwd: options.cwd,
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
  });
  const client = new Client({ name: "oxtail-smoke", version: "0.0.0" });
  await client.connect(transport);
  return { client, stderr: () => stderr };
}

/**
 * Queue one message for `to` with the installed `@oxtail/core` (a script inside the prefix, so
 * `@oxtail/core` resolves to the installed copy). Returns the message id.
 */
export function sendMail(
  installed: Installed,
  env: NodeJS.ProcessEnv,
  message: { to: string; from: string; body: string },
): string {
  const script = path.join(installed.prefix, "send-mail.mjs");
  fs.writeFileSync(
    script,
    [
      'import { resolveHome } from "@oxtail/core";',
      'import { createFsMailboxStore, createMailbox, sessionMailboxKey } from "@oxtail/core/runtime";',
      "const [to, from, body] = process.argv.slice(2);",
      "const mailbox = createMailbox({ store: createFsMailboxStore({ home: resolveHome(process.env) }) });",
      "const sender = { session_id: from, instance_id: '1-1', client_type: 'codex', display_name: 'smoke peer' };",
      "const sent = await mailbox.send({ from: sender, fromMailbox: sessionMailboxKey(from), to: sessionMailboxKey(to), toSessionId: to, body });",
      "process.stdout.write(sent.id);",
      "",
    ].join("\n"),
  );
  return execFileSync(process.execPath, [script, message.to, message.from, message.body], {
    env,
    encoding: "utf8",
  });
}

/**
 * Everything under `dir`, for a byte-for-byte comparison: each entry's type and mode, a file's
 * contents, a link's target (links are not followed).
 */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (relative: string) => {
    const full = path.join(dir, relative);
    const stat = fs.lstatSync(full);
    const mode = (stat.mode & 0o7777).toString(8);
    if (stat.isSymbolicLink()) out[relative] = `link -> ${fs.readlinkSync(full)}`;
    else if (stat.isFile()) out[relative] = `file ${mode} ${fs.readFileSync(full, "utf8")}`;
    else if (stat.isDirectory()) {
      if (relative) out[relative] = `dir ${mode}`;
      for (const name of fs.readdirSync(full).sort()) walk(path.join(relative, name));
    } else out[relative] = `other ${mode}`;
  };
  walk("");
  return out;
}
