// `oxtail status` through the built CLI, over real built servers (simulated agents as in the demo)
// under a temporary OXTAIL_HOME: agents with their client, busy/idle, card and unread mail, an ask
// edge, a message on the timeline, attention flags, the versioned JSON shape and --all.
import fs from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { until, World } from "./harness.ts";

const A = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa";
const B = "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb";
const C = "cccccccc-cccc-4ccc-8ccc-cccccccccccc";

let world: World;
beforeEach(() => {
  world = new World();
});
afterEach(async () => {
  await world.dispose();
});

/** The built CLI, run as the human in `cwd`. */
const cli = (cwd: string, args: string[], env: Record<string, string> = {}) => world.cli(cwd, args, env);

/** Claude Code's own word on a session's busy/idle (its session file, as the harness's other tests write it). */
function sessionFile(
  claudeDir: string,
  pid: number,
  sessionId: string,
  cwd: string,
  status: "busy" | "idle",
) {
  fs.mkdirSync(path.join(claudeDir, "sessions"), { recursive: true });
  fs.writeFileSync(
    path.join(claudeDir, "sessions", `${pid}.json`),
    JSON.stringify({ pid, sessionId, cwd, status, updatedAt: Date.now() }),
  );
}

type Json = {
  v: number;
  scope: { all: boolean; worktree: string | null };
  agents: {
    name: string;
    client: string;
    state: string;
    unread: number;
    card: { purpose: string } | null;
    attention: string[];
    waiting_on: number;
    asked_by: number;
  }[];
  asks: { asker: { name: string }; target: { name: string }; in_cycle: boolean }[];
  timeline: {
    body: string;
    from: { name: string };
    to: { name: string };
    receipt: { state: string } | null;
  }[];
};

describe("oxtail status", () => {
  it("prints the project's agents, who waits for whom, who needs you and the messages; --json is the versioned model", async () => {
    const root = world.project();
    const claudeDir = world.project("claude");
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
    sessionFile(claudeDir, a.pid, A, root, "busy");
    sessionFile(claudeDir, b.pid, B, root, "idle");
    expect(await a.call("set_my_state", { purpose: "refactors the parser" })).toMatchObject({
      ok: true,
    });
    const sent = await a.call("send_message", {
      target: "beta",
      body: "please review parser.ts\u001b]0;pwned\u0007",
    });
    expect(sent.ok).toBe(true);
    // alpha asks beta and waits: an edge of the ask graph while the ask runs.
    const asking = a.call("ask_peer", { target: "beta", body: "is the lexer done?", timeout_ms: 120_000 });
    const env = { CLAUDE_CONFIG_DIR: claudeDir };
    const json = await until("the ask edge", async () => {
      const r = await cli(root, ["status", "--json"], env);
      expect(r.code, r.err).toBe(0);
      const parsed = JSON.parse(r.out) as Json;
      return parsed.asks.length === 1 ? parsed : null;
    });
    expect(json.v).toBe(1);
    expect(json.scope).toMatchObject({ all: false, worktree: root });
    expect(json.agents.map((x) => [x.name, x.client, x.state, x.unread, x.waiting_on, x.asked_by])).toEqual([
      ["alpha", "claude", "busy", 0, 1, 0],
      ["beta", "claude", "idle", 2, 0, 1],
    ]);
    expect(json.agents[0]?.card?.purpose).toMatch(/^refactors the parser/);
    expect(json.agents[1]?.attention).toEqual(["unread-while-idle"]);
    expect(json.asks[0]).toMatchObject({
      asker: { name: "alpha" },
      target: { name: "beta" },
      in_cycle: false,
    });
    expect(json.timeline.map((m) => [m.from.name, m.to.name, m.receipt?.state])).toEqual([
      ["alpha", "beta", "queued"],
      ["alpha", "beta", "queued"],
    ]);
    expect(json.timeline[1]?.body).toBe("is the lexer done?");

    // Busy with nothing new for longer than the stall time (here 0 minutes) is stalled.
    const stalled = JSON.parse(
      (await cli(root, ["status", "--json"], { ...env, OXTAIL_STALL_MINUTES: "0" })).out,
    ) as Json;
    expect(stalled.agents[0]?.attention).toEqual(["stalled"]);
    const badStall = await cli(root, ["status"], { OXTAIL_STALL_MINUTES: "soon" });
    expect(badStall.code).toBe(1);
    expect(badStall.err).toContain('OXTAIL_STALL_MINUTES="soon" is not a number of minutes.');

    const text = await cli(root, ["status"], env);
    expect(text.code, text.err).toBe(0);
    // Nothing a peer wrote reaches the terminal as a control sequence.
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to find none
    expect(text.out).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    const lines = text.out.split("\n");
    expect(lines[0]).toBe(`oxtail status: project ${root}, 2 agents`);
    expect(lines[2]).toMatch(/^AGENT +CLIENT +STATE +UNREAD +WAITS ON +ACTIVE +WORKTREE +CARD$/);
    expect(lines[3]).toMatch(/^alpha +claude +busy +0 +→beta +\S+ +\. +refactors the parser/);
    expect(lines[4]).toMatch(/^beta +claude +idle +2 +- +\S+ +\.$/);
    expect(text.out).toContain("Who waits for whom:\n  alpha → beta (asked");
    expect(text.out).toContain("Needs you:\n  beta: idle with unread mail");
    expect(text.out).toMatch(
      /Messages:\n {2}\d\d:\d\d:\d\d alpha → beta \[queued\] please review parser\.ts\]0;pwned\n/,
    );

    // beta answers; the ask ends and the edge goes.
    const question = (await b.call("read_my_messages")).messages as { id: string; body: string }[];
    const q = question.find((m) => m.body === "is the lexer done?");
    await b.call("send_message", { target: "alpha", body: "yes", reply_to: q?.id });
    expect(await asking).toMatchObject({ ok: true, timed_out: false });
    const after = JSON.parse((await cli(root, ["status", "--json"], env)).out) as Json;
    expect(after.asks).toEqual([]);
    expect(after.agents.find((x) => x.name === "beta")?.attention).toEqual(["waiting-on-human"]);
  });

  it("shows only this folder's project; --all shows every project's", async () => {
    const root = world.project();
    const other = world.project("other");
    await world.agent({ cwd: root, pane: world.tmux.session("alpha", root), claudeSession: A });
    await world.agent({ cwd: other, pane: world.tmux.session("gamma", other), claudeSession: C });
    const mine = JSON.parse((await cli(root, ["status", "--json"])).out) as Json;
    expect(mine.agents.map((x) => x.name)).toEqual(["alpha"]);
    const all = await cli(root, ["status", "--all"]);
    expect(all.code, all.err).toBe(0);
    expect(all.out.split("\n")[0]).toBe("oxtail status: every project, 2 agents");
    expect(all.out).toMatch(new RegExp(`^gamma .*${other.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`, "m"));
    const empty = await cli(world.project("empty"), ["status"]);
    expect(empty.out).toContain("No agent is registered here.");
  });

  it("status, top and dashboard answer --help; top needs a terminal; a bad --port is refused", async () => {
    const root = world.project();
    for (const command of ["status", "top", "dashboard"]) {
      const r = await cli(root, [command, "--help"]);
      expect(r.code, command).toBe(0);
      expect(r.out).toContain(`Usage: oxtail ${command} [options]`);
      expect(r.out).toContain("--all");
    }
    const top = await cli(root, ["top"]);
    expect(top.code).toBe(1);
    expect(top.out).toContain("oxtail top needs a terminal; use `oxtail status` (or --json) in scripts.");
    const port = await cli(root, ["dashboard", "--port", "http"]);
    expect(port.code).toBe(1);
    expect(port.err).toContain('oxtail dashboard: --port "http" is not a port number.');
  });
});
