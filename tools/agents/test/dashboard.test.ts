/// <reference lib="dom" />
// `oxtail dashboard` over a real Claude Code (pinned, scripted model, `oxtail setup --claude`), in a
// real headless Chromium (Debian's, driven by playwright-core): the agent's row shows it busy while a
// command runs and idle once its turn ends, and a message sent from the page reaches its model.
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Agent, until } from "../src/agent.ts";
import { OXTAIL_MAIN, oxtailInHome } from "../src/homes.ts";

const CHROMIUM = "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const NAME = "claude-dash";
const bash = (command: string) => ({ tool: "Bash", args: { command, description: command } });

if (!fs.existsSync(CHROMIUM))
  throw new Error(
    `This test needs Chromium at ${CHROMIUM} (Debian: apt-get install chromium; .ci/run installs it).`,
  );

let agent: Agent;
let project: string;
let browser: Browser | null = null;
let dashboard: ChildProcessWithoutNullStreams | null = null;

beforeAll(async () => {
  project = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-dashboard-proj-")));
  fs.mkdirSync(path.join(project, ".git"));
  agent = await Agent.start({
    kind: "claude",
    projectDir: project,
    name: NAME,
    beforeStart: oxtailInHome("setup", "--claude"),
    script: [
      [{ say: "hello" }],
      [bash("sleep 4"), { say: "slept" }],
      [{ tool: "read_my_messages", server: "oxtail", args: {} }, { say: "read it" }],
    ],
  });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  if (dashboard && dashboard.exitCode === null) {
    const gone = new Promise((r) => dashboard?.once("exit", r));
    dashboard.kill("SIGTERM");
    await gone;
  }
  await agent?.stop();
  if (project) fs.rmSync(project, { recursive: true, force: true });
});

/** The built `oxtail dashboard`, as the user starts it in the project (the agent's HOME: its ~/.oxtail). */
async function startDashboard(): Promise<string> {
  const child = spawn(process.execPath, [OXTAIL_MAIN, "dashboard"], {
    cwd: project,
    env: { PATH: process.env.PATH ?? "", HOME: agent.home },
    stdio: ["pipe", "pipe", "pipe"],
  });
  dashboard = child;
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  return until(
    "the dashboard's URL",
    30_000,
    () => /http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+/.exec(out)?.[0],
  );
}

describe("oxtail dashboard over a real Claude Code", () => {
  it("shows it busy while a command runs and idle after, and a message sent from the page reaches its model", async () => {
    await agent.prompt("hello"); // its session and oxtail server are up from here on
    const url = await startDashboard();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    const page = await browser.newPage();
    await page.goto(url);
    const cell = (column: string) =>
      page.evaluate(
        ([n, c]) => document.querySelector(`tr[data-agent="${n}"] td.${c}`)?.textContent ?? null,
        [NAME, column] as const,
      );
    await until("the agent's row", 60_000, async () => (await cell("client")) === "claude");
    await until("idle at its prompt", 30_000, async () => (await cell("state")) === "idle");

    const turn = agent.prompt("Work a little.");
    await until("busy while `sleep 4` runs", 30_000, async () => (await cell("state")) === "busy");
    await turn;
    await until("idle once the turn ended", 30_000, async () => (await cell("state")) === "idle");

    // Sent as the user from the page; the agent's next turn reads it.
    const session = agent.claudeSessionId() as string;
    await page.selectOption("#target", session);
    await page.fill("#text", "DASHBOARD-NOTE: please rebase on main");
    await page.click("#compose button");
    await until("sent", 30_000, async () => (await page.textContent("#sent")) === "sent 1 message");
    const before = agent.endpoint.mainRequests().length;
    await agent.prompt("Check your mail.");
    const requests = agent.endpoint
      .mainRequests()
      .slice(before)
      .map((r) => JSON.stringify(r.body));
    expect(requests.some((r) => r.includes("DASHBOARD-NOTE: please rebase on main"))).toBe(true);
  });
});
