// `oxtail top` in a real private tmux, over real built servers: the screen follows the fleet live, the
// keys select an agent and show its turns, and a composed message reaches the agent's mailbox.
import os from "node:os";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SERVER, until, World } from "./harness.ts";

const A = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa";
const B = "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb";

let world: World;
beforeEach(() => {
  world = new World();
});
afterEach(async () => {
  await world.dispose();
});

const quote = (v: string) => `'${v.replace(/'/g, "'\\''")}'`;

describe("oxtail top", () => {
  it("shows the fleet live in tmux; ↓ selects, enter shows turns, m composes a message that reaches the agent, b broadcasts, q quits", async () => {
    const root = world.project();
    const a = await world.agent({ cwd: root, pane: world.tmux.session("alpha", root), claudeSession: A });
    const b = await world.agent({ cwd: root, pane: world.tmux.session("beta", root), claudeSession: B });
    await b.call("set_my_state", { purpose: "writes the docs" });
    const env = {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: os.homedir(),
      OXTAIL_HOME: world.home,
      TMUX_TMPDIR: world.tmux.tmpdir,
      TERM: "xterm-256color",
    };
    const assignments = Object.entries(env)
      .map(([k, v]) => `${k}=${quote(v)}`)
      .join(" ");
    world.tmux.run([
      "new-session",
      "-d",
      "-s",
      "viewer",
      "-x",
      "120",
      "-y",
      "30",
      "-c",
      root,
      `env -i ${assignments} ${quote(process.execPath)} ${quote(SERVER)} top; echo "top exited $?"; sleep 3600`,
    ]);
    const screen = () => world.tmux.run(["capture-pane", "-p", "-t", "viewer"]);
    const keys = (...k: string[]) => world.tmux.run(["send-keys", "-t", "viewer", ...k]);
    const shows = (what: string, test: (s: string) => boolean) =>
      until(what, () => {
        const s = screen();
        return test(s) ? s : null;
      });

    const first = await shows("the fleet", (s) => s.includes("writes the docs") && /^› alpha/m.test(s));
    expect(first).toMatch(
      new RegExp(`^oxtail top {2}${root.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} {2}2 agents`),
    );
    expect(first).toMatch(/^ {2}beta .*writes the docs$/m);

    // A message between agents shows up by itself (file-system events, no key pressed).
    await a.call("send_message", { target: "beta", body: "hello <b>beta</b>\u001b[2J" });
    await shows("the message", (s) => /alpha → beta \[queued\] hello <b>beta<\/b>\[2J/.test(s));

    keys("Down");
    await shows("beta selected", (s) => /^› beta/m.test(s));
    keys("Enter");
    await shows("beta's turns", (s) => s.includes("Recent turns of beta:"));
    keys("Escape");
    keys("m");
    await shows("the compose line", (s) => s.includes("message to beta: "));
    keys("-l", "please rebase on main");
    await shows("the typed text", (s) => s.includes("message to beta: please rebase on main"));
    keys("Enter");
    await shows("sent", (s) => s.includes("sent 1 message"));
    const got = (await b.call("read_my_messages")).messages as { body: string; origin?: string }[];
    expect(got.map((m) => [m.body, m.origin ?? "agent"])).toEqual([
      ["hello <b>beta</b>\u001b[2J", "agent"],
      ["please rebase on main", "operator"],
    ]);

    // b: one message to every agent.
    keys("b");
    await shows("the broadcast line", (s) => s.includes("message to every agent: "));
    keys("-l", "stand-up in 5");
    keys("Enter");
    await shows("sent to both", (s) => s.includes("sent 2 messages"));
    for (const agent of [a, b])
      expect(
        ((await agent.call("read_my_messages")).messages as { body: string }[]).map((m) => m.body),
      ).toEqual(["stand-up in 5"]);

    keys("q");
    await shows("top gone", (s) => s.includes("top exited 0"));
  });
});
