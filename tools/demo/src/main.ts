// npm run demo — two simulated agents, alice and bob, each in its own pane of a private tmux server,
// each driving its own real oxtail server (the built apps/server). They find each other, post state
// cards, read each other's transcript, exchange messages, and complete two ask_peer round trips: in the
// first, oxtail wakes idle bob by typing into his pane; in the second, bob's asyncRewake sleeper (the real
// hook program) wakes him with nothing typed; when he tries to ask alice back while she waits on him, the
// loop guard refuses it, and alice reads her messages' receipts. Then both screens are shown, and everything
// is removed. The story opens with `oxtail status` (the fleet view) once both have posted their cards;
// with `--dashboard`, `oxtail dashboard` serves the fleet as a web page from the start and stays up at the
// end until Ctrl-C.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import type { ToolResult } from "./results.ts";

const ROOT = path.resolve(import.meta.dirname, "../../..");
const AGENT = path.join(import.meta.dirname, "agent.ts");
const TSX = createRequire(import.meta.url).resolve("tsx");
const bold = (s: string) => (process.stdout.isTTY ? `\u001b[1m${s}\u001b[0m` : s);
const dim = (s: string) => (process.stdout.isTTY ? `\u001b[2m${s}\u001b[0m` : s);
const quote = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

console.log(
  bold("oxtail demo") + dim(" — two agents in one project, through real oxtail servers in a private tmux"),
);
// A test run builds once before any test (tools/test-build.ts) and says so: building again here would
// rewrite dist/ files that other tests are running.
if (process.env.OXTAIL_DEMO_SKIP_BUILD !== "1") {
  console.log(dim("building the server…"));
  execFileSync("npx", ["nx", "run", "oxtail:build", "--outputStyle=static"], { cwd: ROOT, stdio: "ignore" });
}

const temp = fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-demo-"));
const dirs = {
  home: path.join(temp, "oxtail-home"),
  project: path.join(temp, "project"),
  claude: path.join(temp, "claude"),
  tmux: path.join(temp, "tmux"),
};
for (const d of Object.values(dirs)) fs.mkdirSync(d, { recursive: true, mode: 0o700 });
fs.mkdirSync(path.join(dirs.project, ".git"));
const log = path.join(temp, "events.ndjson");
fs.writeFileSync(log, "");
const tmux = (args: string[]) =>
  execFileSync("tmux", args, { env: { ...process.env, TMUX_TMPDIR: dirs.tmux, TMUX: "" }, encoding: "utf8" });
const ids = { alice: randomUUID(), bob: randomUUID() };

function start(name: "alice" | "bob"): void {
  const env = {
    OXTAIL_HOME: dirs.home,
    OXTAIL_BIN: path.join(ROOT, "apps/server/dist/main.mjs"),
    OXTAIL_HOOK: path.join(ROOT, "apps/hook/bin/oxtail-hook"),
    OXTAIL_SLEEPER: path.join(ROOT, "libs/client-claude/bin/oxtail-claude-sleeper"),
    DEMO_LOG: log,
    CLAUDECODE: "1",
    CLAUDE_CODE_SESSION_ID: ids[name],
    CLAUDE_CONFIG_DIR: dirs.claude,
    TMUX_TMPDIR: dirs.tmux,
  };
  const assignments = Object.entries(env)
    .map(([k, v]) => `${k}=${quote(v)}`)
    .join(" ");
  const command = `exec env ${assignments} ${quote(process.execPath)} --conditions=@oxtail/source --import ${quote(TSX)} ${quote(AGENT)} ${name}`;
  tmux(["new-session", "-d", "-s", name, "-x", "100", "-y", "24", "-c", dirs.project, command]);
}

type Event = { agent: string; step: string; detail: ToolResult };
function narrate(e: Event): string | null {
  const who = bold(e.agent);
  const d = e.detail;
  switch (e.step) {
    case "set_my_state":
      return `📝 ${who} posts a state card: “${d.state?.purpose}”`;
    case "idle":
      return `💤 ${who} sits idle at the prompt`;
    case "list_project_sessions":
      return [
        `👀 ${who} lists the project ${dim(d.project_root ?? "?")}:`,
        ...(d.rows ?? []).map(
          (r) =>
            `     • ${r.name ?? "?"} ${dim(`(${r.client ?? "no agent"}${r.id ? ` ${r.id}` : ""}, ${r.busy === undefined ? "?" : r.busy ? "busy" : "idle"})`)}${r.me ? dim(" ← me") : ""}${r.card ? ` — “${r.card}”` : ""}`,
        ),
      ].join("\n");
    case "read_session":
      return [
        `📖 ${who} reads bob's transcript (${d.mode}, last ${d.turns?.length} turns):`,
        ...(d.turns ?? []).map((t) => {
          const [role, text] = Object.entries(t).find(([k]) => k !== "tools") ?? ["tools", ""];
          return `     ${role.padEnd(9)} ${text}${t.tools ? dim(` [${t.tools.join("; ")}]`) : ""}`;
        }),
      ].join("\n");
    case "send_message":
      return d.ok
        ? `✉️  ${who} sends a message ${dim(`(id ${d.message_id}; delivery outlook: ${d.delivery_outlook?.path})`)}`
        : `✉️  ${who} could not send: ${d.error}`;
    case "message_status":
      return [
        `🧾 ${who} checks what became of her messages:`,
        ...(d.receipts ?? []).map(
          (r) =>
            `     ${r.id}: ${r.state}${r.delivered?.via ? ` (via ${r.delivered.via})` : ""}${r.replied ? ` ${dim(`answered by ${r.replied.reply_id}`)}` : ""}`,
        ),
      ].join("\n");
    case "ask_peer_refused":
      return `🛑 ${who} tries to ask alice back while she waits on him: ${d.ok === false ? `refused, ${d.error}` : "sent (no loop guard!)"} ${dim(`(${d.message ?? ""})`)}`;
    case "wake_status":
      return `🔔 ${who} asks whether bob can be woken: ${d.ready ? `yes, by ${d.strategy}` : "no"} ${dim(`(${d.reason})`)}`;
    case "ask_peer":
      return [
        `❓ ${who} asked bob and waited: ${d.timed_out ? "no answer in time" : "got the answer"}`,
        `     wake: ${d.wake?.strategy} → ${d.wake?.outcome} ${dim(`(${d.wake?.reason})`)}`,
        ...(d.reply ? [`     reply: “${d.reply.body}” ${dim(`(re ${d.reply.re})`)}`] : []),
      ].join("\n");
    case "sleeping":
      return `💤 ${who} is idle again; his asyncRewake sleeper (the oxtail hook, as Claude Code runs it) waits on his mailbox`;
    case "woken-by-sleeper":
      return [
        `⏰ ${who} is woken by his sleeper: it exited 2 with the mail, nothing was typed into his pane`,
        ...(d.messages ?? []).map((m) => `     from ${m.from}: “${m.body}”`),
      ].join("\n");
    case "woken":
      return `⏰ ${who} is woken: oxtail typed its wake line into bob's pane ${dim(JSON.stringify(`${String(d.line).slice(0, 50)}…`))}`;
    case "read_my_messages":
      return [
        `📬 ${who} reads his mail:`,
        ...(d.messages ?? []).map((m) => `     from ${m.from}: “${m.body}”`),
      ].join("\n");
    case "done":
      return `✅ ${who} is done`;
    default:
      return null;
  }
}

function sideBySide(left: string, right: string, width: number): string {
  const a = left.replace(/\s+$/, "").split("\n");
  const b = right.replace(/\s+$/, "").split("\n");
  return Array.from(
    { length: Math.max(a.length, b.length) },
    (_, i) => `${(a[i] ?? "").slice(0, width).padEnd(width)} │ ${(b[i] ?? "").slice(0, width)}`,
  ).join("\n");
}

/** The environment the person's own `oxtail` commands run with in this demo. */
const cliEnv = {
  PATH: process.env.PATH ?? "/usr/bin:/bin",
  HOME: os.homedir(),
  OXTAIL_HOME: dirs.home,
  CLAUDE_CONFIG_DIR: dirs.claude,
  TMUX_TMPDIR: dirs.tmux,
};
const OXTAIL = path.join(ROOT, "apps/server/dist/main.mjs");

/** `oxtail dashboard` for the demo's fleet; resolves to its URL. */
async function startDashboard(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [OXTAIL, "dashboard"], {
    cwd: dirs.project,
    env: cliEnv,
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  child.stdout?.on("data", (d) => (out += d));
  for (let i = 0; i < 200; i++) {
    const url = /http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+/.exec(out)?.[0];
    if (url) return { child, url };
    await sleep(50);
  }
  throw new Error(`oxtail dashboard did not start: ${out}`);
}

let code = 0;
let dashboard: { child: ChildProcess; url: string } | null = null;
try {
  console.log(dim(`project ${dirs.project}, OXTAIL_HOME ${dirs.home}, private tmux in ${dirs.tmux}\n`));
  if (process.argv.includes("--dashboard")) {
    dashboard = await startDashboard();
    console.log(`${bold("dashboard")}: ${dashboard.url}\n`);
  }
  start("bob");
  start("alice");
  let seen = 0;
  const carded = new Set<string>();
  let statusShown = false;
  const deadline = Date.now() + 90_000;
  const finished = new Set<string>();
  while (finished.size < 2) {
    if (Date.now() > deadline) throw new Error("the demo did not finish in 90 s");
    const lines = fs.readFileSync(log, "utf8").split("\n").filter(Boolean);
    for (const line of lines.slice(seen)) {
      const event = JSON.parse(line) as Event;
      if (event.step === "done") finished.add(event.agent);
      if (event.step === "set_my_state") carded.add(event.agent);
      const text = narrate(event);
      if (text) console.log(text);
      if (!statusShown && carded.size === 2) {
        // What the person sees of the fleet, from the project folder: `oxtail status`.
        statusShown = true;
        const status = execFileSync(process.execPath, [OXTAIL, "status"], {
          cwd: dirs.project,
          env: cliEnv,
          encoding: "utf8",
        });
        console.log(`\n${bold("$ oxtail status")}\n${status}`);
      }
    }
    seen = lines.length;
    await sleep(100);
  }
  const width = 60;
  console.log(`\n${bold("alice's pane".padEnd(width))} │ ${bold("bob's pane")}`);
  console.log(
    sideBySide(tmux(["capture-pane", "-p", "-t", "alice"]), tmux(["capture-pane", "-p", "-t", "bob"]), width),
  );
  if (dashboard) {
    console.log(`\n${bold("dashboard")} still up: ${dashboard.url}  ${dim("(Ctrl-C ends the demo)")}`);
    await new Promise<void>((resolve) => process.once("SIGINT", () => resolve()));
  }
} catch (error) {
  code = 1;
  console.error(`demo failed: ${(error as Error).message}`);
} finally {
  if (dashboard && dashboard.child.exitCode === null) {
    const gone = new Promise((r) => dashboard?.child.once("exit", r));
    dashboard.child.kill("SIGTERM");
    await gone;
  }
  try {
    tmux(["kill-server"]);
  } catch {
    // already gone
  }
  await sleep(500);
  const left = fs.existsSync(path.join(dirs.home, "sessions"))
    ? fs.readdirSync(path.join(dirs.home, "sessions")).length
    : 0;
  fs.rmSync(temp, { recursive: true, force: true });
  console.log(
    dim(`\ncleaned up: tmux server stopped, ${left} registry records left behind, temp files removed.`),
  );
}
process.exit(code);
