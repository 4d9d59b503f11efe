// Operator messages through the built CLI (`oxtail send`, `oxtail ask`) to agents served by the real
// built server: origin "operator", framed as the user's, never rate-limited, `*` for every agent.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { until, World } from "./harness.ts";

const A = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa";
const B = "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb";

let world: World;
beforeEach(() => {
  world = new World();
});
afterEach(async () => {
  await world.dispose();
});

type Msg = { id: string; body: string; origin?: string; from: string };

/** The built CLI, run as the human in `cwd`. */
const cli = (cwd: string, args: string[], env: Record<string, string> = {}) => world.cli(cwd, args, env);

describe("operator messages", () => {
  it("oxtail send: to one agent by tmux name and to every agent with *, origin operator, never rate-limited", async () => {
    const root = world.project();
    const a = await world.agent({ cwd: root, pane: world.tmux.session("alpha", root), claudeSession: A });
    const b = await world.agent({ cwd: root, pane: world.tmux.session("beta", root), claudeSession: B });
    const tight = { OXTAIL_RATE_PAIR_BURST: "1", OXTAIL_RATE_PROJECT_BURST: "1" };
    for (const text of ["stop after this step", "then run the tests"]) {
      const r = await cli(root, ["send", "beta", text], tight);
      expect(r.code, r.err).toBe(0);
      expect(r.out).toMatch(/^sent [0-9a-f-]+ to bbbbbbbb-/);
    }
    const all = await cli(root, ["send", "*", "everyone: pause", "--json"]);
    expect(all.code, all.err).toBe(0);
    expect(
      (JSON.parse(all.out).messages as { to_session_id: string }[]).map((m) => m.to_session_id).sort(),
    ).toEqual([A, B]);
    const read = await b.call("read_my_messages");
    const got = read.messages as Msg[];
    expect(got.map((m) => [m.body, m.origin])).toEqual([
      ["stop after this step", "operator"],
      ["then run the tests", "operator"],
      ["everyone: pause", "operator"],
    ]);
    // How to take them is said once for the answer: the user's own request.
    expect(read.note).toMatch(/origin "operator": the user's own request/);
    expect(read.note).not.toMatch(/peer agents/);
    expect(((await a.call("read_my_messages")).messages as Msg[]).map((m) => m.body)).toEqual([
      "everyone: pause",
    ]);
    // A target outside the project's registry: not-found, exit 1.
    const missing = await cli(root, ["send", "nobody", "x"]);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain("No agent named");
  });

  it("oxtail ask: waits for the agent's reply and prints it", async () => {
    const root = world.project();
    const b = await world.agent({ cwd: root, pane: world.tmux.session("beta", root), claudeSession: B });
    const asking = cli(root, ["ask", "beta", "how far are you?", "--timeout", "60"]);
    const read = await until("the operator's question", async () => {
      const r = await b.call("read_my_messages");
      return (r.messages as Msg[]).length ? r : null;
    });
    const question = (read.messages as Msg[])[0] as Msg;
    expect(question).toMatchObject({ body: "how far are you?", origin: "operator" });
    expect(read.note).toMatch(/the user's own request/);
    // The human is a party the agent can answer like any peer while the ask waits.
    const sent = await b.call("send_message", {
      target: question.from,
      body: "half way \u001b[31mred\u001b[0m",
      reply_to: question.id,
    });
    expect(sent).toMatchObject({ ok: true });
    const r = await asking;
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain("half way");
    expect(r.out).not.toContain("\u001b");
    // The operator's record is gone with the ask.
    const listed = (await b.call("list_project_sessions")).rows as { client?: string }[];
    expect(listed.some((row) => row.client === "operator")).toBe(false);
  });

  it("oxtail ask: no reply in time is exit 2, and says the question stays delivered", async () => {
    const root = world.project();
    await world.agent({ cwd: root, pane: world.tmux.session("beta", root), claudeSession: B });
    const r = await cli(root, ["ask", B, "anyone?", "--timeout", "1"]);
    expect(r.code, r.err).toBe(2);
    expect(r.out).toMatch(/no reply within 1 s \(question [0-9a-f-]+ stays delivered/);
  });
});
