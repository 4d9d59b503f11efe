// The OpenCode adapter's own rules beyond the kit: the server password, loopback only, a server that is
// gone, an exited OpenCode, and onboarding that leaves a user's files alone.
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { isOxtailError } from "@oxtail/core";
import { makeAgentRecord } from "@oxtail/core/testing";
import { afterEach, describe, expect, it } from "vitest";
import openCodeAdapter from "../src/index.ts";
import { openCodeOnboarding } from "../src/onboarding.ts";
import { pluginSource } from "../src/plugin.ts";
import { readOpenCodeTranscript } from "../src/transcript.ts";
import { PROMPT_ASYNC_WAKE } from "../src/wake-prompt.ts";
import { RECORDED_SESSION, type StandInServer, standInServer, stateLine } from "./stand-in-server.ts";

const dirs: string[] = [];
const servers: StandInServer[] = [];
const children: ChildProcess[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) child.kill("SIGKILL");
  for (const server of servers.splice(0)) await server.close();
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-opencode-test-"));
  dirs.push(dir);
  return dir;
}

function logWith(line: string): string {
  const file = path.join(tempDir(), "state.jsonl");
  fs.writeFileSync(file, line, { mode: 0o600 });
  return file;
}

/** A process standing in for OpenCode, with the environment given (the adapter reads /proc/<pid>/environ). */
async function fakeOpenCode(env: Record<string, string>): Promise<number> {
  const child = spawn("sleep", ["60"], { env: { PATH: process.env.PATH, ...env }, stdio: "ignore" });
  children.push(child);
  await new Promise((resolve) => child.once("spawn", resolve));
  return child.pid as number;
}

const wake = () => openCodeAdapter().wakeStrategies?.find((s) => s.name === PROMPT_ASYNC_WAKE);
const agentFor = (file: string) =>
  makeAgentRecord({
    client: { type: "opencode", session_id: "00000000-0000-8000-8000-000000000001", transcript_path: file },
  });

describe("the prompt_async wake", () => {
  it("sends basic auth with the password set in the OpenCode process, and only oxtail's wake line", async () => {
    const server = await standInServer({ password: "s3cret pw" });
    servers.push(server);
    const pid = await fakeOpenCode({ OPENCODE_SERVER_PASSWORD: "s3cret pw" });
    const file = logWith(stateLine({ status: "idle", serverUrl: server.url, pid }));
    const outcome = await wake()?.wake(
      { agent: agentFor(file), adapter: null, options: {} },
      { attempt: "first" },
    );
    expect(outcome).toMatchObject({ attempted: true, outcome: "unverified", strategy: PROMPT_ASYNC_WAKE });
    expect(server.prompts).toHaveLength(1);
    expect(server.prompts[0]?.session).toBe(RECORDED_SESSION);
    expect(JSON.stringify(server.prompts[0]?.body)).toContain("[oxtail]");
  });

  it("says why when the server wants a password oxtail cannot read", async () => {
    const server = await standInServer({ password: "pw" });
    servers.push(server);
    const pid = await fakeOpenCode({});
    const file = logWith(stateLine({ status: "idle", serverUrl: server.url, pid }));
    const outcome = await wake()?.wake(
      { agent: agentFor(file), adapter: null, options: {} },
      { attempt: "first" },
    );
    expect(outcome).toMatchObject({ attempted: true, outcome: "failed" });
    expect(outcome?.reason).toContain("401");
  });

  it("never talks to a server that is not loopback http, and never wakes a busy session", async () => {
    for (const url of ["http://example.com:4096/", "https://127.0.0.1:4096/", "http://user@127.0.0.1:1/"]) {
      const readiness = await wake()?.readiness({
        agent: agentFor(logWith(stateLine({ status: "idle", serverUrl: url }))),
        adapter: null,
        options: {},
      });
      expect(readiness?.ready, url).toBe(false);
    }
    const server = await standInServer();
    servers.push(server);
    const busy = logWith(stateLine({ status: "busy", serverUrl: server.url }));
    const outcome = await wake()?.wake(
      { agent: agentFor(busy), adapter: null, options: {} },
      { attempt: "first" },
    );
    expect(outcome).toMatchObject({ attempted: false, outcome: "skipped" });
    expect(server.prompts).toHaveLength(0);
  });
});

describe("transcripts and liveness", () => {
  it("a server that is gone is no-transcript, saying why", async () => {
    const server = await standInServer();
    const url = server.url;
    await server.close();
    const file = logWith(stateLine({ status: "idle", serverUrl: url }));
    await expect(readOpenCodeTranscript(file, { limit: 5 })).rejects.toSatisfy(
      (error: unknown) => isOxtailError(error, "no-transcript") && /--port/.test((error as Error).message),
    );
  });

  it("an OpenCode that has exited is unknown, not idle", async () => {
    const pid = await fakeOpenCode({});
    const child = children.pop() as ChildProcess;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
    const file = logWith(stateLine({ status: "idle", serverUrl: "http://127.0.0.1:1/", pid }));
    const live = await openCodeAdapter().liveness?.(agentFor(file));
    expect(live?.state).toBe("unknown");
    expect(live?.reason).toContain("exited");
  });
});

describe("onboarding", () => {
  const context = (home: string, over: Record<string, unknown> = {}) => ({
    env: {},
    home,
    cwd: home,
    project: false,
    hooksOnly: false,
    noHooks: false,
    server: { command: "/usr/bin/oxtail", args: [] },
    hookProgram: "/usr/bin/oxtail-hook",
    options: {},
    ...over,
  });

  it("writes into opencode.jsonc when the user has that one, and refuses a plugin file that is not oxtail's", async () => {
    const home = tempDir();
    const dir = path.join(home, ".config", "opencode");
    fs.mkdirSync(path.join(dir, "plugins"), { recursive: true });
    fs.writeFileSync(path.join(dir, "opencode.jsonc"), '{\n  // mine\n  "theme": "dark"\n}\n');
    const plan = await openCodeOnboarding().plan(context(home));
    expect(plan.map((c) => path.relative(home, c.path))).toEqual([
      ".config/opencode/opencode.jsonc",
      ".config/opencode/plugins/oxtail.js",
    ]);
    // The plugin runs this install's hook program after each tool call.
    expect(plan[1]?.after).toBe(pluginSource("/usr/bin/oxtail-hook"));
    expect(plan[1]?.after).toContain('const HOOK = "/usr/bin/oxtail-hook";');
    fs.writeFileSync(path.join(dir, "plugins", "oxtail.js"), "export const Mine = async () => ({});\n");
    await expect(openCodeOnboarding().plan(context(home))).rejects.toSatisfy((error: unknown) =>
      isOxtailError(error, "invalid-input"),
    );
    expect(await openCodeOnboarding().unplan(context(home))).toEqual([]);
  });
});
