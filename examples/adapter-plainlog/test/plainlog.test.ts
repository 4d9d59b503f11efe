// What the example does beyond the kit's checks: the exact turns, answers, files and wake line.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { type OnboardingContext, WAKE_LINE } from "@oxtail/core";
import { makeAgentRecord } from "@oxtail/core/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import plainlog from "../src/index.ts";

const FIXTURES = path.join(import.meta.dirname, "fixtures");
const SESSION = "0c0c0c0c-0c0c-4c0c-8c0c-0c0c0c0c0c0c";

let home: string;
beforeEach(() => {
  home = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "plainlog-test-")));
});
afterEach(() => fs.rmSync(home, { recursive: true, force: true }));

describe("Plainlog transcripts and detection", () => {
  it("reads its transcript's turns, markers and garbage left out", async () => {
    const tail = await plainlog({ dir: FIXTURES }).readTranscript?.(path.join(FIXTURES, `${SESSION}.jsonl`), {
      limit: 10,
    });
    expect(tail?.turns.map((x) => `${x.role}: ${x.text}`)).toEqual([
      "user: plan the release",
      "assistant: drafting the changelog",
      "user: ship it",
      "assistant: shipped",
    ]);
    expect(tail?.totalTurns).toBe(4);
  });

  it("takes the session, its transcript and tmux pane from Plainlog's environment", async () => {
    const report = await plainlog({ dir: FIXTURES }).detect({
      env: { PLAINLOG_SESSION_ID: SESSION.toUpperCase(), TMUX: "/tmp/tmux-1/default,42,0", TMUX_PANE: "%3" },
      clientInfo: { name: "plainlog", version: "1.4.2" },
      pid: process.pid,
      cwd: "/work/project",
      startedAt: Date.now(),
    });
    expect(report.strategies.map((s) => [s.strategy, s.found])).toEqual([
      ["clientInfo", true],
      ["env", true],
      ["transcript", true],
    ]);
    expect(report.session).toEqual({
      sessionId: SESSION,
      transcriptPath: path.join(FIXTURES, `${SESSION}.jsonl`),
      cwd: "/work/project",
      clientVersion: "1.4.2",
      tmuxPane: "%3",
      tmuxSocket: "/tmp/tmux-1/default",
    });
  });
});

describe("Plainlog hooks", () => {
  const hooks = plainlog().hooks;
  const spec = (event: string) => hooks?.events.find((e) => e.event === event);
  it("answers {context} while a turn runs and {continue} as it ends; nothing without mail", () => {
    const mail = { text: "[oxtail] 1 new message", count: 1 };
    for (const event of ["session_start", "prompt", "tool"])
      expect(hooks?.answer(spec(event) as never, mail)).toEqual({
        stdout: '{"context":"[oxtail] 1 new message"}',
        exitCode: 0,
      });
    expect(hooks?.answer(spec("turn_end") as never, mail)).toEqual({
      stdout: '{"continue":"[oxtail] 1 new message"}',
      exitCode: 0,
    });
    expect(hooks?.answer(spec("turn_end") as never, null)).toEqual({ exitCode: 0 });
  });
});

describe("Plainlog onboarding", () => {
  const context = (over: Partial<OnboardingContext> = {}): OnboardingContext => ({
    env: {},
    home,
    cwd: home,
    project: false,
    hooksOnly: false,
    server: { command: "/usr/bin/node", args: ["/opt/oxtail/dist/main.mjs"] },
    hookProgram: "/opt/oxtail/bin/oxtail-hook",
    options: { "tool-hook": true },
    ...over,
  });
  const onboarding = () => plainlog().onboarding as NonNullable<ReturnType<typeof plainlog>["onboarding"]>;
  const apply = async (over: Partial<OnboardingContext> = {}) => {
    for (const change of await onboarding().plan(context(over))) {
      fs.mkdirSync(path.dirname(change.path), { recursive: true });
      fs.writeFileSync(change.path, change.after as string);
    }
  };
  const json = (rel: string) => JSON.parse(fs.readFileSync(path.join(home, ".plainlog", rel), "utf8"));

  it("writes the MCP entry and one hook per event, each running oxtail-hook in its mode", async () => {
    await apply();
    expect(json("config.json")).toEqual({
      mcpServers: {
        oxtail: {
          command: "/usr/bin/node",
          args: ["/opt/oxtail/dist/main.mjs"],
          env: { OXTAIL_MANAGED: "1" },
        },
      },
    });
    const line = (event: string, mode: string) =>
      `/opt/oxtail/bin/oxtail-hook plainlog ${event} ${mode} PLAINLOG_SESSION_ID`;
    expect(json("hooks.json")).toEqual({
      hooks: [
        { on: "session_start", run: line("session_start", "record") },
        { on: "prompt", run: line("prompt", "record") },
        { on: "tool", run: line("tool", "deliver") },
        { on: "turn_end", run: line("turn_end", "deliver") },
      ],
    });
  });

  it("--no-tool-hook leaves the tool hook out; $PLAINLOG_HOME moves the files", async () => {
    await apply({ options: { "tool-hook": false } });
    expect(json("hooks.json").hooks.map((h: { on: string }) => h.on)).toEqual([
      "session_start",
      "prompt",
      "turn_end",
    ]);
    const moved = await onboarding().plan(context({ env: { PLAINLOG_HOME: path.join(home, "elsewhere") } }));
    expect(moved.map((c) => path.relative(home, c.path))).toEqual([
      "elsewhere/config.json",
      "elsewhere/hooks.json",
    ]);
  });

  it("refuses an oxtail MCP entry it did not write, and leaves it alone at uninstall", async () => {
    fs.mkdirSync(path.join(home, ".plainlog"));
    fs.writeFileSync(
      path.join(home, ".plainlog", "config.json"),
      '{ "mcpServers": { "oxtail": { "command": "mine" } } }\n',
    );
    await expect(onboarding().plan(context())).rejects.toThrow(/did not write/);
    expect(await onboarding().unplan(context())).toEqual([]);
  });
});

describe("Plainlog wake", () => {
  const target = (dir: string) => ({
    agent: makeAgentRecord({
      client: { type: "plainlog", session_id: SESSION, transcript_path: path.join(dir, `${SESSION}.jsonl`) },
    }),
    adapter: plainlog({ dir }),
    options: {},
  });
  const strategy = () => plainlog().wakeStrategies?.[0];

  it("appends oxtail's wake line to the session's inbox, and nothing else", async () => {
    fs.writeFileSync(path.join(home, `${SESSION}.wake`), "");
    expect(await strategy()?.wake(target(home))).toMatchObject({ attempted: true, outcome: "unverified" });
    expect(fs.readFileSync(path.join(home, `${SESSION}.wake`), "utf8")).toBe(`${WAKE_LINE}\n`);
  });

  it("never creates the inbox, follows a link, or writes to a busy session", async () => {
    expect(await strategy()?.wake(target(home))).toMatchObject({ attempted: false, outcome: "skipped" });
    expect(fs.existsSync(path.join(home, `${SESSION}.wake`))).toBe(false);
    fs.writeFileSync(path.join(home, "elsewhere"), "");
    fs.symlinkSync(path.join(home, "elsewhere"), path.join(home, `${SESSION}.wake`));
    expect(await strategy()?.readiness(target(home))).toMatchObject({
      ready: false,
      reason: expect.stringContaining("not a regular file"),
    });
    expect(fs.readFileSync(path.join(home, "elsewhere"), "utf8")).toBe("");
    fs.rmSync(path.join(home, `${SESSION}.wake`));
    fs.writeFileSync(path.join(home, `${SESSION}.wake`), "");
    fs.writeFileSync(
      path.join(home, `${SESSION}.jsonl`),
      '{"event":"turn_start"}\n{"role":"user","text":"go"}\n',
    );
    expect(await strategy()?.wake(target(home))).toMatchObject({
      attempted: false,
      reason: expect.stringContaining("the peer is busy"),
    });
    expect(fs.readFileSync(path.join(home, `${SESSION}.wake`), "utf8")).toBe("");
  });
});
