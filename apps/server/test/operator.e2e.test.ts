// Operator messages through the built CLI (`oxtail send`, `oxtail ask`) to agents served by the real
// built server: origin "operator", framed as the user's, never rate-limited, `*` for every agent.
import { spawn } from "node:child_process";
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

type Msg = { id: string; body: string; origin: string; framing: string; from: { session_id: string | null } };

/** The built CLI, run as the human in `cwd`. */
function cli(cwd: string, args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [SERVER, ...args], {
    cwd,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: cwd,
      OXTAIL_HOME: world.home,
      TMUX_TMPDIR: world.tmux.tmpdir,
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (err += d));
  return new Promise<{ code: number | null; out: string; err: string }>((resolve) =>
    child.on("exit", (code) => resolve({ code, out, err })),
  );
}

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
    const got = (await b.call("read_my_messages")).messages as Msg[];
    expect(got.map((m) => [m.body, m.origin])).toEqual([
      ["stop after this step", "operator"],
      ["then run the tests", "operator"],
      ["everyone: pause", "operator"],
    ]);
    expect(got[0]?.framing).toMatch(/^Message from the user/);
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
    const question = await until(
      "the operator's question",
      async () => ((await b.call("read_my_messages")).messages as Msg[])[0],
    );
    expect(question).toMatchObject({ body: "how far are you?", origin: "operator" });
    expect(question.framing).toMatch(/^Message from the user .*waits for your answer/);
    // The human is a party the agent can answer like any peer while the ask waits.
    const sent = await b.call("send_message", {
      target: question.from.session_id,
      body: "half way \u001b[31mred\u001b[0m",
      reply_to: question.id,
    });
    expect(sent).toMatchObject({ ok: true });
    const r = await asking;
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain("half way");
    expect(r.out).not.toContain("\u001b");
    // The operator's record is gone with the ask.
    const listed = (await b.call("list_project_sessions")).rows as { client_type: string | null }[];
    expect(listed.some((row) => row.client_type === "operator")).toBe(false);
  });

  it("oxtail ask: no reply in time is exit 2, and says the question stays delivered", async () => {
    const root = world.project();
    await world.agent({ cwd: root, pane: world.tmux.session("beta", root), claudeSession: B });
    const r = await cli(root, ["ask", B, "anyone?", "--timeout", "1"]);
    expect(r.code, r.err).toBe(2);
    expect(r.out).toMatch(/no reply within 1 s \(question [0-9a-f-]+ stays delivered/);
  });
});
