import fs from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { World } from "./harness.ts";

const PLAINLOG_SESSION = "0c0c0c0c-0c0c-4c0c-8c0c-0c0c0c0c0c0c";
const A = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa";
const FIXTURES = path.resolve(import.meta.dirname, "../../../examples/adapter-plainlog/test/fixtures");

let world: World;
beforeEach(() => {
  world = new World();
});
afterEach(async () => {
  await world.dispose();
});

describe("adapters loaded at start-up", () => {
  it("loads a third-party adapter by package name (OXTAIL_ADAPTERS), which then detects and reads its client", async () => {
    const root = world.project();
    const env = { OXTAIL_ADAPTERS: "oxtail-client-plainlog", PLAINLOG_DIR: FIXTURES };
    const plain = await world.agent({
      cwd: root,
      clientName: "plainlog",
      env: { ...env, PLAINLOG_SESSION_ID: PLAINLOG_SESSION },
    });
    const mine = await plain.call("get_my_session");
    expect(mine.adapters).toEqual([
      { name: "claude", loaded: true },
      { name: "codex", loaded: true },
      { name: "gemini", loaded: true },
      { name: "opencode", loaded: true },
      { name: "plainlog", loaded: true },
    ]);
    expect((mine.record as { client: { type: string; session_id: string } }).client).toMatchObject({
      type: "plainlog",
      session_id: PLAINLOG_SESSION,
    });
    // A Claude peer with the same adapter configured reads the Plainlog agent's transcript.
    const claude = await world.agent({ cwd: root, claudeSession: A, env });
    const read = await claude.call("read_session", { name: PLAINLOG_SESSION, limit: 2 });
    expect(read).toMatchObject({ ok: true, mode: "transcript", client: "plainlog" });
    expect(read.turns).toEqual([{ user: "ship it" }, { assistant: "shipped" }]);
  });

  it("loads adapters named in $OXTAIL_HOME/config.json", async () => {
    fs.writeFileSync(
      path.join(world.home, "config.json"),
      JSON.stringify({ adapters: ["oxtail-client-plainlog"] }),
      { mode: 0o600 },
    );
    const agent = await world.agent({ cwd: world.project() });
    expect((await agent.call("get_my_session")).adapters).toContainEqual({ name: "plainlog", loaded: true });
  });

  it("reports a broken or missing adapter and keeps serving", async () => {
    const root = world.project();
    const agent = await world.agent({
      cwd: root,
      claudeSession: A,
      env: { OXTAIL_ADAPTERS: "no-such-oxtail-adapter,zod" },
    });
    const adapters = (await agent.call("get_my_session")).adapters as {
      name: string;
      loaded: boolean;
      error?: string;
    }[];
    expect(adapters.find((a) => a.name === "no-such-oxtail-adapter")).toMatchObject({
      loaded: false,
      error: expect.stringContaining("adapter-not-found"),
    });
    expect(adapters.find((a) => a.name === "zod")).toMatchObject({
      loaded: false,
      error: expect.stringContaining("adapter-invalid"),
    });
    expect(await agent.call("list_project_sessions")).toMatchObject({ ok: true });
  });
});
