// npm run agents -- record-fixtures
// Records real transcripts with the real clients (scripted models, loopback) into the adapters'
// test fixtures: libs/client-claude/test/fixtures/claude-home/ and libs/client-codex/test/fixtures/codex-home/.
// Each session is scripted to cover what the transcript readers must handle: thinking / reasoning,
// several built-in and MCP tool calls with results, a sub-agent (Claude), and compaction.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Agent, until } from "./agent.ts";
import type { Script } from "./script.ts";
import type { PrivateTmux } from "./tmux.ts";
import { readJsonLines } from "./transcripts.ts";

const ROOT = path.resolve(import.meta.dirname, "..", "..", "..");
const ECHO_SERVER = path.join(import.meta.dirname, "..", "fixtures", "echo-mcp.mjs");

function project(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-fixture-proj-"));
  fs.mkdirSync(path.join(dir, ".git"));
  fs.writeFileSync(
    path.join(dir, "README.md"),
    "# fixture project\n\nA project used to record transcripts.\n",
  );
  return dir;
}

/** Copy the Claude session, keeping its layout: projects/<key>/<id>.jsonl and <id>/subagents/. */
function saveClaude(agent: Agent, claudeHome: string): string {
  const file = agent.transcriptPath();
  if (!file) throw new Error("claude: no transcript was written");
  const projects = path.join(agent.home, ".claude", "projects");
  fs.rmSync(claudeHome, { recursive: true, force: true });
  fs.cpSync(projects, path.join(claudeHome, "projects"), { recursive: true });
  return file;
}

/** Copy the Codex rollouts, keeping their layout: sessions/YYYY/MM/DD/rollout-…-<thread id>.jsonl. */
function saveCodex(agent: Agent, codexHome: string): string {
  const file = agent.transcriptPath();
  if (!file) throw new Error("codex: no rollout was written");
  fs.rmSync(codexHome, { recursive: true, force: true });
  fs.cpSync(path.join(agent.home, ".codex", "sessions"), path.join(codexHome, "sessions"), {
    recursive: true,
  });
  return file;
}

/** Start a client for recording in `dir`, with the echo MCP server, and wait until the server is up. */
async function startRecording(
  kind: "claude" | "codex" | "gemini",
  tmux: PrivateTmux,
  dir: string,
  script: Script,
): Promise<Agent> {
  const agent = await Agent.start({
    kind,
    projectDir: dir,
    tmux,
    name: `${kind}-fixture`,
    mcpServers: {
      echo: {
        command: process.execPath,
        args: [ECHO_SERVER],
        env: { ECHO_MCP_LOG: path.join(dir, "echo.log") },
      },
    },
    script,
  });
  await agent.waitForMcp(path.join(dir, "echo.log.ready"));
  return agent;
}

export async function recordClaude(tmux: PrivateTmux): Promise<void> {
  const dir = project();
  const agent = await startRecording("claude", tmux, dir, [
    [
      {
        think: "The user wants an overview. I will list the files first.",
        tool: "Bash",
        args: { command: "ls -a", description: "List files" },
      },
      { tool: "Read", args: { file_path: path.join(dir, "README.md") } },
      { say: "The project has a README describing a fixture project." },
    ],
    [
      {
        tool: "Agent",
        args: {
          description: "Count files",
          prompt: "Count the files in the project.",
          subagent_type: "claude",
        },
      },
      { say: "There are two entries besides .git." },
      { say: "The sub-agent reported back: two entries." },
    ],
    [
      { tool: "echo", server: "echo", args: { text: "fixture ping" } },
      { sayLastToolResult: true, prefix: "Echo said: " },
    ],
    [{ say: "Summary: listed files, read the README, asked a sub-agent, pinged echo." }],
    [{ think: "A short answer after compaction.", say: "Still here after compaction." }],
  ]);
  try {
    await agent.prompt("Give me an overview of this project.");
    await agent.prompt("Ask a sub-agent to count the files.");
    await agent.prompt("Ping the echo tool.");
    const file = agent.transcriptPath() as string;
    tmux.submit(agent.session, "/compact");
    await until("a compact_boundary record", 120_000, () =>
      readJsonLines(file).some((r) => r.type === "system" && r.subtype === "compact_boundary"),
    );
    await agent.waitReady();
    await agent.prompt("Are you still there?");
    const saved = saveClaude(agent, path.join(ROOT, "libs/client-claude/test/fixtures/claude-home"));
    console.log(`claude: saved ${saved}`);
  } finally {
    await agent.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function recordCodex(tmux: PrivateTmux): Promise<void> {
  const dir = project();
  const agent = await startRecording("codex", tmux, dir, [
    [
      { think: "List the files first.", tool: "exec_command", args: { cmd: "ls -a" } },
      { tool: "exec_command", args: { cmd: "cat README.md" } },
      { say: "The project has a README describing a fixture project." },
    ],
    [
      { tool: "echo", server: "echo", args: { text: "fixture ping" } },
      { sayLastToolResult: true, prefix: "Echo said: " },
    ],
    [{ think: "Short answer.", say: "Done." }],
  ]);
  try {
    await agent.prompt("Give me an overview of this project.");
    await agent.prompt("Ping the echo tool.");
    await agent.prompt("Anything else?");
    const saved = saveCodex(agent, path.join(ROOT, "libs/client-codex/test/fixtures/codex-home"));
    console.log(`codex: saved ${saved}`);
  } finally {
    await agent.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Copy the Gemini CLI chats, keeping their layout: tmp/<project>/chats/session-<time>-<id8>.jsonl. */
function saveGemini(agent: Agent, geminiHome: string): string {
  const file = agent.transcriptPath();
  if (!file) throw new Error("gemini: no chat was written");
  fs.rmSync(geminiHome, { recursive: true, force: true });
  const chats = path.dirname(file);
  const target = path.join(geminiHome, "tmp", path.basename(path.dirname(chats)), "chats");
  fs.mkdirSync(target, { recursive: true });
  fs.copyFileSync(file, path.join(target, path.basename(file)));
  return file;
}

export async function recordGemini(tmux: PrivateTmux): Promise<void> {
  const dir = project();
  const agent = await startRecording("gemini", tmux, dir, [
    [
      {
        think: "The user wants an overview. I will list the files first.",
        tool: "run_shell_command",
        args: { command: "ls -a", description: "List files" },
      },
      { tool: "read_file", args: { file_path: path.join(dir, "README.md") } },
      { say: "The project has a README describing a fixture project." },
    ],
    [
      { tool: "echo", server: "echo", args: { text: "fixture ping" } },
      { sayLastToolResult: true, prefix: "Echo said: " },
    ],
    [{ think: "A short answer.", say: "Done." }],
  ]);
  try {
    await agent.prompt("Give me an overview of this project.");
    await agent.prompt("Ping the echo tool.");
    await agent.prompt("Anything else?");
    const saved = saveGemini(agent, path.join(ROOT, "libs/client-gemini/test/fixtures/gemini-home"));
    console.log(`gemini: saved ${saved}`);
  } finally {
    await agent.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
