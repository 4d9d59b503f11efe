// npm run agents -- <command>
//   demo      one real Claude Code, one real Codex and one real Gemini CLI in the same project, each
//             driven by a scripted model; prints their screens side by side. (It grows into an oxtail ask_peer round trip as
//             the server and wake land.)
//   install   install the pinned clients into the cache and print where they are.
//   record-fixtures [claude|codex|gemini]   record real transcripts into the adapters' test fixtures.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Agent } from "./agent.ts";
import { CLIENT_PACKAGES, ensureClient } from "./install.ts";
import { PrivateTmux } from "./tmux.ts";

const command = process.argv[2] ?? "demo";
const ECHO_SERVER = path.join(import.meta.dirname, "..", "fixtures", "echo-mcp.mjs");

function sideBySide(screens: string[], width: number): string {
  const columns = screens.map((s) => s.replace(/\s+$/, "").split("\n"));
  const rows = Math.max(...columns.map((c) => c.length));
  const out: string[] = [];
  for (let i = 0; i < rows; i++)
    out.push(
      columns
        .map((c) => (c[i] ?? "").slice(0, width).padEnd(width))
        .join(" │ ")
        .trimEnd(),
    );
  return out.join("\n");
}

async function demo(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-agents-demo-"));
  fs.mkdirSync(path.join(dir, ".git"));
  const log = path.join(dir, "echo.log");
  const tmux = new PrivateTmux("oxtail-demo");
  const size = { width: 64, height: 30 };
  const echo = { echo: { command: process.execPath, args: [ECHO_SERVER], env: { ECHO_MCP_LOG: log } } };
  console.log(`▶ project ${dir}, private tmux socket -L ${tmux.socket}`);
  const agents: Agent[] = [];
  try {
    console.log("▶ starting a real Claude Code, Codex and Gemini CLI (scripted models on loopback)…");
    const [claude, codex, gemini] = await Promise.all([
      Agent.start({
        kind: "claude",
        projectDir: dir,
        tmux,
        size,
        mcpServers: echo,
        script: [
          [
            { tool: "echo", server: "echo", args: { text: "hello from Claude Code" } },
            { sayLastToolResult: true, prefix: "Claude heard: " },
          ],
        ],
      }),
      Agent.start({
        kind: "codex",
        projectDir: dir,
        tmux,
        size,
        mcpServers: echo,
        script: [
          [{ tool: "echo", server: "echo", args: { text: "hello from Codex" } }, { say: "Codex is done." }],
        ],
      }),
      Agent.start({
        kind: "gemini",
        projectDir: dir,
        tmux,
        size,
        mcpServers: echo,
        script: [
          [
            { tool: "echo", server: "echo", args: { text: "hello from Gemini CLI" } },
            { say: "Gemini CLI is done." },
          ],
        ],
      }),
    ]);
    agents.push(claude, codex, gemini);
    await Promise.all(agents.map((a) => a.waitForMcp(`${log}.ready`)));
    console.log("▶ all three are idle at their prompts; submitting one prompt to each…");
    await Promise.all(agents.map((a) => a.prompt("Say hello through the echo tool.")));
    const calls = fs
      .readFileSync(log, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l).text);
    console.log(
      `▶ the echo MCP server saw ${calls.length} calls: ${calls.map((c) => JSON.stringify(c)).join(", ")}`,
    );
    console.log(
      `\n${["Claude Code", "Codex", "Gemini CLI"].map((t) => t.padEnd(size.width)).join(" │ ")}\n${Array.from({ length: 3 }, () => "─".repeat(size.width)).join("─┼─")}`,
    );
    console.log(sideBySide([claude.screen(), codex.screen(), gemini.screen()], size.width));
  } finally {
    for (const agent of agents) await agent.stop();
    tmux.kill();
    fs.rmSync(dir, { recursive: true, force: true });
    console.log("\n▶ stopped the clients and every process they started.");
  }
}

if (command === "demo") {
  await demo();
} else if (command === "record-fixtures") {
  const { recordClaude, recordCodex, recordGemini } = await import("./record-fixtures.ts");
  const tmux = new PrivateTmux("oxtail-fixtures");
  try {
    const which = process.argv[3];
    if (!which || which === "claude") await recordClaude(tmux);
    if (!which || which === "codex") await recordCodex(tmux);
    if (!which || which === "gemini") await recordGemini(tmux);
  } finally {
    tmux.kill();
  }
} else if (command === "install") {
  for (const kind of Object.keys(CLIENT_PACKAGES) as (keyof typeof CLIENT_PACKAGES)[])
    console.log(`${kind}: ${ensureClient(kind)}`);
} else {
  console.error("usage: npm run agents -- [demo|install|record-fixtures [claude|codex|gemini]]");
  process.exit(2);
}
