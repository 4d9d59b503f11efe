/// <reference lib="dom" />
// `oxtail dashboard` in a real headless Chromium (Debian's, driven by playwright-core), over real built
// servers: the page shows a sent message, a card, an ask edge and a busy → idle change as they happen;
// compose reaches the agent; bodies full of HTML and script stay text; the server refuses requests
// without the token, from another Host or from another Origin.
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SERVER, until, World } from "./harness.ts";

const A = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa";
const B = "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb";
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
const XSS = `<img src=x onerror="window.__owned=1"><script>window.__owned=2</script><b>bold?</b>`;

if (!fs.existsSync(CHROMIUM))
  throw new Error(
    `The dashboard's browser test needs Chromium at ${CHROMIUM} (Debian: apt-get install chromium; .ci/run installs it).`,
  );

let world: World;
let browser: Browser | null = null;
let dashboard: ChildProcessWithoutNullStreams | null = null;
beforeEach(() => {
  world = new World();
});
afterEach(async () => {
  await browser?.close();
  browser = null;
  if (dashboard && dashboard.exitCode === null) {
    const gone = new Promise((r) => dashboard?.once("exit", r));
    dashboard.kill("SIGTERM");
    await gone;
  }
  dashboard = null;
  await world.dispose();
});

const projectKey = (cwd: string) => cwd.replace(/[^A-Za-z0-9]/g, "-");
const line = (record: unknown) => `${JSON.stringify(record)}\n`;

/** Start the built `oxtail dashboard`; resolves to the URL it prints. */
async function startDashboard(cwd: string, env: Record<string, string>): Promise<string> {
  const child = spawn(process.execPath, [SERVER, "dashboard"], {
    cwd,
    env: world.cliEnv(cwd, env),
    stdio: ["pipe", "pipe", "pipe"],
  });
  dashboard = child;
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  return until("the dashboard's URL", () => /http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+/.exec(out)?.[0]);
}

/** A raw request with the headers a browser would not let a page choose. */
function request(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string },
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: options.method ?? "GET", headers: options.headers }, (res) => {
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end(options.body);
  });
}

const text = (page: Page, selector: string) =>
  page.evaluate((s) => [...document.querySelectorAll(s)].map((e) => e.textContent ?? ""), selector);

describe("oxtail dashboard", () => {
  it("shows the fleet live in a real browser, sends as the user, and keeps peer text inert", async () => {
    const root = world.project();
    const claudeDir = world.project("claude");
    // beta's transcript: a prompt awaits an answer (busy).
    const transcript = path.join(claudeDir, "projects", projectKey(root), `${B}.jsonl`);
    fs.mkdirSync(path.dirname(transcript), { recursive: true });
    fs.writeFileSync(transcript, line({ type: "user", message: { content: "write the docs" } }));
    const a = await world.agent({
      cwd: root,
      pane: world.tmux.session("alpha", root),
      claudeSession: A,
      claudeDir,
    });
    const b = await world.agent({
      cwd: root,
      pane: world.tmux.session("beta", root),
      claudeSession: B,
      claudeDir,
    });
    const url = await startDashboard(root, { CLAUDE_CONFIG_DIR: claudeDir });

    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    const page = await browser.newPage();
    const dialogs: string[] = [];
    page.on("dialog", (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await page.goto(url);
    const cell = (agent: string, column: string) =>
      page.evaluate(
        ([n, c]) => document.querySelector(`tr[data-agent="${n}"] td.${c}`)?.textContent ?? null,
        [agent, column] as const,
      );
    await until("beta busy", async () => (await cell("beta", "state")) === "busy");
    expect(await page.evaluate(() => document.getElementById("live")?.textContent)).toBe("live");

    // A card, a message (full of HTML and script), an ask edge: each shows up by itself.
    await a.call("set_my_state", { purpose: "refactors the parser" });
    await until("alpha's card", async () => (await cell("alpha", "card")) === "refactors the parser");
    await a.call("send_message", { target: "beta", body: XSS });
    await until("the message", async () => (await text(page, "#messages .body")).includes(XSS));
    const asking = a.call("ask_peer", { target: "beta", body: "is the lexer done?", timeout_ms: 120_000 });
    await until("the ask edge", async () =>
      (await text(page, "#asks li.ask")).some((t) => t.startsWith("alpha waits for beta")),
    );
    expect(await page.evaluate(() => document.querySelectorAll("#graph line").length)).toBe(1);
    expect(await cell("alpha", "waits")).toBe("beta");

    // beta's turn ends: busy → idle.
    fs.appendFileSync(
      transcript,
      line({
        type: "assistant",
        message: { content: [{ type: "text", text: "done" }], stop_reason: "end_turn" },
      }),
    );
    await until("beta idle", async () => (await cell("beta", "state")) === "idle");
    // beta's recent turns, from its transcript, on a click on its row.
    await page.click('tr[data-agent="beta"]');
    await until(
      "beta's turns",
      async () => (await text(page, "#turns .body")).join("|") === "write the docs|done",
    );

    // Compose, as the user, to beta.
    await page.selectOption("#target", B);
    await page.fill("#text", "please rebase on main");
    await page.click("#compose button");
    await until("sent", async () => (await page.textContent("#sent")) === "sent 1 message");
    const got = (await b.call("read_my_messages")).messages as {
      id: string;
      body: string;
      origin?: string;
    }[];
    expect(got.map((m) => [m.body, m.origin ?? "agent"])).toEqual([
      [XSS, "agent"],
      ["is the lexer done?", "agent"],
      ["please rebase on main", "operator"],
    ]);
    await b.call("send_message", { target: "alpha", body: "yes", reply_to: got[1]?.id });
    expect(await asking).toMatchObject({ ok: true, timed_out: false });
    await until("the ask gone", async () => (await text(page, "#asks li")).join() === "nobody waits");

    // Nothing a peer wrote ran or became markup.
    expect(await page.evaluate(() => (window as unknown as { __owned?: number }).__owned)).toBeUndefined();
    expect(
      await page.evaluate(
        () => document.querySelectorAll("#messages img, #messages script, #messages b").length,
      ),
    ).toBe(0);
    expect(dialogs).toEqual([]);
  });

  it("refuses a missing token, another Host, another Origin; sends a strict CSP and no inline script", async () => {
    const root = world.project();
    await world.agent({ cwd: root, pane: world.tmux.session("alpha", root), claudeSession: A });
    const url = await startDashboard(root, {});
    const { origin, searchParams } = new URL(url);
    const token = searchParams.get("token") as string;
    const page = await request(url, {});
    expect(page.status).toBe(200);
    expect(page.headers["content-security-policy"]).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
    expect(page.body).toContain('<script src="app.js" defer></script>');
    expect(page.body).not.toMatch(/<script>|\son\w+=/);
    expect((await request(`${origin}/`, {})).status).toBe(401);
    expect((await request(`${origin}/?token=${token}x`, {})).status).toBe(401);
    expect((await request(url, { headers: { Host: `evil.example:${new URL(url).port}` } })).status).toBe(421);
    const send = (headers: Record<string, string>) =>
      request(`${origin}/api/send`, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-Oxtail-Token": token, ...headers },
        body: JSON.stringify({ target: "alpha", text: "hi" }),
      });
    expect((await send({ Origin: "http://evil.example" })).status).toBe(403);
    expect((await send({})).status).toBe(403);
    const ok = await send({ Origin: origin });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toMatchObject({ ok: true, messages: [{ to_session_id: A }] });
    const bad = await request(`${origin}/api/send`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Oxtail-Token": token, Origin: origin },
      body: JSON.stringify({ target: "nobody", text: "hi" }),
    });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body)).toMatchObject({ ok: false, error: "not-found" });
  });
});
