import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type TestAgent, until, World } from "./harness.ts";

// SPEC §1 "Project" through the real built server: real git repositories, worktrees and nested
// repositories; each agent is a real oxtail process driven by the SDK client over stdio.

const A = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa";
const B = "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb";
const C = "cccccccc-cccc-4ccc-8ccc-cccccccccccc";

type Row = { id?: string; name?: string; worktree?: string; me?: true };
type Msg = { id: string; body: string; re?: string; from: string };
const short = (session: string) => session.slice(0, 8);

let world: World;
let base: string;
beforeEach(() => {
  world = new World();
  base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-scope-e2e-")));
});
afterEach(async () => {
  await world.dispose();
  fs.rmSync(base, { recursive: true, force: true });
});

/** Real git, with no system config, a throwaway HOME and the identity on the command line. */
function git(cwd: string, ...args: string[]): void {
  execFileSync(
    "git",
    [
      "-c",
      "user.name=oxtail test",
      "-c",
      "user.email=test@oxtail.invalid",
      "-c",
      "init.defaultBranch=main",
      ...args,
    ],
    {
      cwd,
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        HOME: path.join(base, "git-home"),
        GIT_CONFIG_NOSYSTEM: "1",
      },
      stdio: "ignore",
    },
  );
}

/** A repository with one commit (a worktree needs something to check out). */
function repo(dir: string): string {
  fs.mkdirSync(dir, { recursive: true });
  git(dir, "init", "-q");
  fs.writeFileSync(path.join(dir, "README"), "x\n");
  git(dir, "add", "README");
  git(dir, "commit", "-q", "-m", "init");
  return dir;
}

/** Play a peer: take the next question from its mailbox and answer it. */
async function answer(peer: TestAgent, to: string, body: string): Promise<Msg> {
  const question = await until(
    "a question",
    async () => ((await peer.call("read_my_messages")).messages as Msg[])[0],
  );
  await peer.call("send_message", { target: to, body, reply_to: question.id });
  return question;
}

describe("worktrees of one repository are one project", () => {
  it("agents in two worktrees list each other with their worktrees, and ask_peer is answered both ways", async () => {
    const main = repo(path.join(base, "repo"));
    const feature = path.join(base, "feature");
    git(main, "worktree", "add", "-q", "-b", "feature", feature);
    world.tmux.session("shell-feature", path.join(feature));
    const a = await world.agent({ cwd: main, pane: world.tmux.session("alpha", main), claudeSession: A });
    const b = await world.agent({
      cwd: feature,
      pane: world.tmux.session("beta", feature),
      claudeSession: B,
    });

    const fromA = await a.call("list_project_sessions");
    expect(fromA).toMatchObject({
      ok: true,
      project_root: main,
      project_id: path.join(main, ".git"),
      inferred: true,
    });
    const rowsA = fromA.rows as Row[];
    // A worktree is shown when it is not the reader's own, relative to the reader's.
    const mine = rowsA.find((r) => r.id === short(A));
    expect(mine).toMatchObject({ me: true });
    expect(mine?.worktree).toBeUndefined();
    expect(rowsA.find((r) => r.id === short(B))).toMatchObject({
      worktree: path.relative(main, feature),
      name: "beta",
    });
    // A tmux session with no agent, whose pane is in the sibling worktree, is in the project too.
    expect(rowsA.find((r) => r.name === "shell-feature")).toEqual({
      name: "shell-feature",
      worktree: path.relative(main, feature),
    });
    const fromB = await b.call("list_project_sessions");
    expect(fromB).toMatchObject({
      project_root: feature,
      project_id: path.join(main, ".git"),
      inferred: true,
    });
    expect((fromB.rows as Row[]).find((r) => r.id === short(A))).toMatchObject({
      worktree: path.relative(feature, main),
    });

    const asking = a.call("ask_peer", { target: "beta", body: "from main?", timeout_ms: 30_000 });
    const q1 = await answer(b, A, "yes, from feature");
    expect(await asking).toMatchObject({
      ok: true,
      timed_out: false,
      reply: { body: "yes, from feature", re: q1.id },
    });
    const back = b.call("ask_peer", { target: A, body: "and back?", timeout_ms: 30_000 });
    const q2 = await answer(a, B, "back from main");
    expect(await back).toMatchObject({
      ok: true,
      timed_out: false,
      reply: { body: "back from main", re: q2.id },
    });
  });

  it("project_root may name a sibling worktree or the main checkout; / and .. are out-of-scope", async () => {
    const main = repo(path.join(base, "repo"));
    const feature = path.join(base, "feature");
    git(main, "worktree", "add", "-q", "-b", "feature", feature);
    const paneB = world.tmux.session("beta", feature, "sh -c 'printf \"beta at work\\n\"; sleep 3600'");
    const a = await world.agent({ cwd: main, claudeSession: A });
    const b = await world.agent({ cwd: feature, pane: paneB, claudeSession: B });

    const listed = await a.call("list_project_sessions", { project_root: feature });
    expect(listed).toMatchObject({ ok: true, project_root: feature, inferred: false });
    expect((listed.rows as Row[]).map((r) => r.id).sort()).toEqual([short(A), short(B)]);
    expect(await b.call("list_project_sessions", { project_root: main })).toMatchObject({
      ok: true,
      project_root: main,
      inferred: false,
    });
    const read = await until("beta's pane", async () => {
      const r = await a.call("read_session", { name: "beta", mode: "pane", project_root: feature });
      return String(r.pane_text).includes("beta at work") ? r : null;
    });
    expect(read).toMatchObject({ ok: true, id: short(B), worktree: path.relative(main, feature) });

    for (const projectRoot of ["/", "..", base, os.tmpdir()]) {
      expect(await a.call("list_project_sessions", { project_root: projectRoot }), projectRoot).toMatchObject(
        {
          ok: false,
          error: "out-of-scope",
        },
      );
      expect(await a.call("read_session", { name: B, project_root: projectRoot }), projectRoot).toMatchObject(
        {
          ok: false,
          error: "out-of-scope",
        },
      );
    }
  });
});

describe("scope is a boundary", () => {
  it("read_session with project_root / does not reach another project's transcript", async () => {
    const mine = repo(path.join(base, "mine"));
    const theirs = repo(path.join(base, "theirs"));
    const a = await world.agent({ cwd: mine, claudeSession: A });
    const other = await world.agent({ cwd: theirs, claudeSession: C });
    const b = await world.agent({
      cwd: theirs,
      claudeSession: B,
      claudeDir: world.claudeDirWithTranscript(B, theirs),
    });
    // The transcript is readable, from its own project.
    expect(await other.call("read_session", { name: B })).toMatchObject({
      ok: true,
      mode: "transcript",
      id: short(B),
    });

    for (const args of [{ name: B, project_root: "/" }, { name: B, project_root: theirs }, { name: B }]) {
      const result = await a.call("read_session", args);
      expect(result, JSON.stringify(args)).toMatchObject({ ok: false, error: "out-of-scope" });
      expect(result.turns).toBeUndefined();
    }
    expect(b).toBeDefined();
  });

  it("a parent repository and a nested one see neither each other: out-of-scope both ways, nothing delivered", async () => {
    const parent = repo(path.join(base, "parent"));
    const nested = repo(path.join(parent, "packages/nested"));
    const p = await world.agent({ cwd: parent, pane: world.tmux.session("outer", parent), claudeSession: A });
    const n = await world.agent({ cwd: nested, pane: world.tmux.session("inner", nested), claudeSession: B });

    const fromP = await p.call("list_project_sessions");
    expect(fromP).toMatchObject({ project_id: path.join(parent, ".git") });
    expect((fromP.rows as Row[]).map((r) => r.name)).toEqual(["outer"]);
    const fromN = await n.call("list_project_sessions");
    expect(fromN).toMatchObject({ project_id: path.join(nested, ".git") });
    expect((fromN.rows as Row[]).map((r) => r.name)).toEqual(["inner"]);

    for (const [from, targets] of [
      [p, ["inner", B]],
      [n, ["outer", A]],
    ] as const) {
      for (const target of targets) {
        for (const [tool, args] of [
          ["send_message", { target, body: "hi" }],
          ["ask_peer", { target, body: "hi", timeout_ms: 200 }],
          ["read_session", { name: target }],
          ["wake_status", { target }],
        ] as const) {
          const result = await from.call(tool, args);
          expect(result, `${tool} ${target}`).toMatchObject({ ok: false, error: "out-of-scope" });
          expect(String(result.message), `${tool} ${target}`).toContain("exists");
        }
      }
    }
    expect(await n.call("list_project_sessions", { project_root: parent })).toMatchObject({
      ok: false,
      error: "out-of-scope",
    });
    expect(await p.call("list_project_sessions", { project_root: nested })).toMatchObject({
      ok: false,
      error: "out-of-scope",
    });
    expect((await n.call("read_my_messages")).messages).toEqual([]);
    expect((await p.call("read_my_messages")).messages).toEqual([]);
  });
});
