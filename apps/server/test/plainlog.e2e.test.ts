// The example third-party adapter (examples/adapter-plainlog), loaded by name next to the built-ins,
// through the built CLI, hook program and server: setup writes its files, doctor runs its checks,
// uninstall restores every byte; the hook program delivers mail at its events in its answers; ask_peer
// wakes an idle Plainlog agent through the example's own wake strategy, with nothing typed anywhere.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { WAKE_LINE } from "@oxtail/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type AdapterDetection, chooseDetection } from "../src/identity.ts";
import { until, World } from "./harness.ts";
import { oxtailIn, put, snapshot } from "./setup-helpers.ts";

const PLAINLOG = "oxtail-client-plainlog";
const FAKE_CLIENT = path.join(import.meta.dirname, "fake-plainlog.mjs");
const FIXTURES = path.resolve(import.meta.dirname, "../../../examples/adapter-plainlog/test/fixtures");
const P = "0c0c0c0c-0c0c-4c0c-8c0c-0c0c0c0c0c0c";
const A = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa";

let root: string;
let home: string;
let world: World;
beforeEach(() => {
  root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-plainlog-")));
  home = path.join(root, "home");
  fs.mkdirSync(home);
  world = new World();
});
afterEach(async () => {
  await world.dispose();
  fs.rmSync(root, { recursive: true, force: true });
});

const oxtail = (...args: string[]) => oxtailIn(home, args, { env: { OXTAIL_ADAPTERS: PLAINLOG } });
/** The user's own Plainlog files, there before setup. */
const USER_CONFIG =
  '{\n  // my Plainlog\n  "theme": "dark",\n  "mcpServers": { "search": { "command": "search-mcp" } }\n}\n';
const USER_HOOKS = '{\n  "hooks": [\n    { "on": "turn_end", "run": "notify-send done" }\n  ]\n}\n';
const hooksIn = (file: string) =>
  JSON.parse(fs.readFileSync(file, "utf8")).hooks as { on: string; run: string }[];

describe("setup, doctor and uninstall through a third-party adapter loaded by name", () => {
  it("setup --plainlog writes its files, doctor runs its checks, uninstall restores every byte", () => {
    put(home, ".plainlog/config.json", USER_CONFIG);
    put(home, ".plainlog/hooks.json", USER_HOOKS);
    const before = snapshot(home);
    const help = oxtail("setup", "--help").out;
    for (const flag of ["--plainlog", "--tool-hook", "--no-tool-hook"]) expect(help).toContain(flag);

    const setup = oxtail("setup", "--plainlog");
    expect(setup.code, setup.err).toBe(0);
    expect(setup.out).toContain(`updated ${path.join(home, ".plainlog", "config.json")} (MCP server)`);
    expect(setup.out).toContain(`updated ${path.join(home, ".plainlog", "hooks.json")} (hooks)`);
    const config = fs.readFileSync(path.join(home, ".plainlog", "config.json"), "utf8");
    expect(config).toContain("// my Plainlog");
    expect(config).toContain('"oxtail"');
    const hooks = hooksIn(path.join(home, ".plainlog", "hooks.json"));
    expect(hooks.map((h) => h.on)).toEqual(["turn_end", "session_start", "prompt", "tool", "turn_end"]);
    expect(hooks[1]?.run).toMatch(/oxtail-hook'? plainlog session_start record PLAINLOG_SESSION_ID$/);
    expect(hooks[3]?.run).toMatch(/oxtail-hook'? plainlog tool deliver PLAINLOG_SESSION_ID$/);

    const doctor = oxtail("doctor");
    expect(doctor.code, doctor.out).toBe(0);
    expect(doctor.out).toMatch(/^ {2}plainlog \(Plainlog\): transcript, liveness, hooks, onboarding, wake;/m);
    expect(doctor.out).toContain("checking: the clients set up (plainlog)");
    expect(doctor.out).toMatch(
      /^ok {2}Plainlog: the MCP server in .*config\.json starts and lists \d+ tools/m,
    );
    expect(doctor.out).toMatch(/^ok {2}Plainlog: hooks at session_start, prompt, tool, turn_end in /m);
    expect(doctor.out).toMatch(
      /^ok {2}Plainlog: the hook runs \(.*plainlog session_start record .*exits 0\)/m,
    );
    expect(doctor.out).toContain("oxtail doctor: all good.");

    const uninstall = oxtail("uninstall", "--plainlog");
    expect(uninstall.code, uninstall.err).toBe(0);
    expect(snapshot(home)).toEqual(before);
  });
});

/** Run a hook command line as Plainlog does: through /bin/sh, its session in the environment, the event on stdin. */
function runHook(command: string, event: string, sessionsDir: string) {
  const payload = { event, session: P, cwd: root, transcript: path.join(sessionsDir, `${P}.jsonl`) };
  const r = spawnSync("/bin/sh", ["-c", command], {
    input: JSON.stringify(payload),
    env: {
      PATH: process.env.PATH,
      HOME: home,
      OXTAIL_HOME: world.home,
      OXTAIL_ADAPTERS: PLAINLOG,
      PLAINLOG_SESSION_ID: P,
      PLAINLOG_DIR: sessionsDir,
    },
    encoding: "utf8",
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("the hook program at Plainlog's events", () => {
  it("delivers waiting mail as {context} mid-turn and {continue} as a turn ends; nothing without mail", async () => {
    expect(oxtail("install-hook", "--plainlog").code).toBe(0);
    const hooks = hooksIn(path.join(home, ".plainlog", "hooks.json"));
    const command = (event: string) => hooks.find((h) => h.on === event)?.run as string;
    const project = world.project();
    const env = { OXTAIL_ADAPTERS: PLAINLOG, PLAINLOG_DIR: FIXTURES };
    const plain = await world.agent({
      cwd: project,
      clientName: "plainlog",
      env: { ...env, PLAINLOG_SESSION_ID: P },
    });
    const sender = await world.agent({ cwd: project, claudeSession: A, env });

    expect(runHook(command("tool"), "tool", FIXTURES)).toEqual({ code: 0, stdout: "", stderr: "" });
    await sender.call("send_message", { target: P, body: "first: the parser is yours" });
    const mid = runHook(command("tool"), "tool", FIXTURES);
    expect(mid.code).toBe(0);
    expect(JSON.parse(mid.stdout).context).toContain("first: the parser is yours");
    expect(runHook(command("tool"), "tool", FIXTURES).stdout).toBe("");

    await sender.call("send_message", { target: P, body: "second: and the lexer" });
    const end = runHook(command("turn_end"), "turn_end", FIXTURES);
    expect(end.code).toBe(0);
    expect(JSON.parse(end.stdout)).toEqual({ continue: expect.stringContaining("second: and the lexer") });
    expect(runHook(command("session_start"), "session_start", FIXTURES)).toEqual({
      code: 0,
      stdout: "",
      stderr: "",
    });
    // Delivered mail was acknowledged: nothing is left for the agent to read.
    expect(await plain.call("read_my_messages")).toMatchObject({ ok: true, messages: [] });
  });
});

describe("ask_peer wakes an idle Plainlog agent through the example's own wake strategy", () => {
  it("writes oxtail's wake line to the session's inbox, the client starts a turn, nothing is typed", async () => {
    const project = world.project();
    const sessions = fs.mkdtempSync(path.join(root, "sessions-"));
    const transcript = path.join(sessions, `${P}.jsonl`);
    fs.writeFileSync(
      transcript,
      '{"event":"turn_start","ts":"2026-11-24T10:00:00Z"}\n{"role":"user","text":"plan the release","ts":"2026-11-24T10:00:00Z"}\n{"role":"assistant","text":"planned","ts":"2026-11-24T10:00:09Z"}\n{"event":"turn_end","ts":"2026-11-24T10:00:10Z"}\n',
    );
    const env = { OXTAIL_ADAPTERS: PLAINLOG, PLAINLOG_DIR: sessions };
    const plain = await world.agentInPane({
      session: "plainlog",
      cwd: project,
      clientName: "plainlog",
      env: { ...env, PLAINLOG_SESSION_ID: P },
      command: `${JSON.stringify(process.execPath)} ${JSON.stringify(FAKE_CLIENT)} ${JSON.stringify(sessions)} ${P}`,
    });
    const inbox = path.join(sessions, `${P}.wake`);
    await until("the stand-in Plainlog to keep its inbox", () => fs.existsSync(inbox));
    const asker = await world.agent({ cwd: project, claudeSession: A, env });
    expect(await asker.call("wake_status", { target: P })).toMatchObject({
      ok: true,
      client_type: "plainlog",
      liveness: { state: "idle" },
      strategy: "plainlog-wake",
      ready: true,
    });

    const SECRET = "what is six times seven? (only the mailbox may carry this)";
    const asked = asker.call("ask_peer", { target: P, body: SECRET, timeout_ms: 30_000 });
    // The woken turn reads the mail, and answers it.
    await until("the woken turn in the transcript", () =>
      fs.readFileSync(transcript, "utf8").includes(WAKE_LINE),
    );
    const mail = (await plain.call("read_my_messages")) as { messages: { id: string; body: string }[] };
    expect(mail.messages.map((m) => m.body)).toEqual([SECRET]);
    await plain.call("send_message", { target: A, body: "42", reply_to: mail.messages[0]?.id });
    const answer = await asked;

    expect(answer).toMatchObject({
      ok: true,
      timed_out: false,
      reply: { body: "42" },
      wake: { attempted: true, strategy: "plainlog-wake", outcome: "submitted" },
    });
    expect(fs.readFileSync(inbox, "utf8")).toBe(`${WAKE_LINE}\n`);
    expect(fs.readFileSync(transcript, "utf8")).not.toContain(SECRET);
    const pane = world.tmux.run(["capture-pane", "-p", "-t", plain.pane]);
    expect(pane).toContain("plainlog (stand-in)");
    expect(pane).not.toContain("[oxtail]");
    expect(pane).not.toContain(SECRET);
  });
});

describe("when two adapters both match", () => {
  const report = (matched: boolean, found: number, sessionId?: string): AdapterDetection["report"] => ({
    matched,
    strategies: Array.from({ length: 3 }, (_, i) => ({ strategy: `s${i}`, found: i < found, reason: "r" })),
    ...(sessionId ? { session: { sessionId } } : {}),
  });

  it("takes the one with a session id, then the most strategies that found something, then load order", () => {
    const pick = (...reports: AdapterDetection["report"][]) =>
      chooseDetection(reports.map((r, i) => ({ name: `adapter-${i}`, report: r })))?.name ?? null;
    expect(pick(report(true, 3), report(true, 1, P))).toBe("adapter-1");
    expect(pick(report(true, 1, A), report(true, 2, P))).toBe("adapter-1");
    expect(pick(report(true, 2, A), report(true, 2, P))).toBe("adapter-0");
    expect(pick(report(true, 1), report(true, 1), report(true, 1))).toBe("adapter-0");
    expect(pick(report(false, 3, A), report(true, 0))).toBe("adapter-1");
    expect(pick(report(false, 3, A))).toBeNull();
  });

  it("a server under both clients' variables takes the detection that says more, and a tie goes to the built-in", async () => {
    const project = world.project();
    const env = { OXTAIL_ADAPTERS: PLAINLOG, PLAINLOG_DIR: FIXTURES, PLAINLOG_SESSION_ID: P };
    const type = async (spec: Parameters<World["agent"]>[0]) =>
      ((await (await world.agent(spec)).call("get_my_session")).record as { client: { type: string } }).client
        .type;
    // Claude: CLAUDECODE=1 without a session id (1 strategy); Plainlog: its session id and transcript.
    expect(await type({ cwd: project, env: { ...env, CLAUDECODE: "1" } })).toBe("plainlog");
    // Both with a session id and two strategies each (Claude: clientInfo and env): the built-in, loaded first.
    expect(await type({ cwd: project, claudeSession: A, env })).toBe("claude");
  });
});
