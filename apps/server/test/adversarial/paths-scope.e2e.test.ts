// Adversarial table: path tricks against project scope (SPEC §1 "Project": symmetric, the caller's
// own project only; paths compared after realpath): `/`, `..`, parents, symlinked roots and cwds,
// nested repositories, FIFOs and forged `.git` entries, agents and panes of another project.
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect } from "vitest";
import type { TestAgent } from "../harness.ts";
import { A, Arena, B, type Case, type Result, table, tempDir } from "./arena.ts";

const O = "0000aa00-0000-4000-8000-0000000000aa";
const S = "0000bb00-0000-4000-8000-0000000000bb";
const N = "0000cc00-0000-4000-8000-0000000000cc";

let arena: Arena;
/** Another project, its agent, a folder of links, and agents in a nested repository and a symlinked cwd. */
let other: string;
let o: TestAgent;
let links: string;
let nested: string;
let inNested: TestAgent;
let viaLink: TestAgent;
beforeAll(async () => {
  arena = await new Arena().start();
  other = arena.world.project("other");
  o = await arena.agent({ cwd: other, claudeSession: O });
  links = tempDir("oxtail-links-");
  fs.symlinkSync(other, path.join(links, "to-other"));
  fs.symlinkSync(arena.project, path.join(links, "to-mine"));
  nested = path.join(arena.project, "nested");
  fs.mkdirSync(path.join(nested, ".git"), { recursive: true });
  inNested = await arena.agent({ cwd: nested, claudeSession: N });
  viaLink = await arena.agent({ cwd: path.join(links, "to-mine"), claudeSession: S });
  arena.world.tmux.session("mine-shell", arena.project);
  arena.world.tmux.session("other-shell", other);
  arena.watchOutside(other);
  arena.watchOutside(links);
});
afterAll(async () => {
  try {
    await arena.drain();
  } finally {
    await arena.dispose();
    fs.rmSync(links, { recursive: true, force: true });
  }
});

const list = (project_root: string) => arena.call(arena.a, "list_project_sessions", { project_root });
const sessions = (out: Result) =>
  (out.rows as { id?: string }[])
    .map((r) => r.id)
    .filter(Boolean)
    .sort();
/** Nothing waits in O's mailbox (what an out-of-scope send would have written). */
const oHasNoMail = async (a: Arena) => expect(await a.waiting(O)).toEqual([]);

const roots: Case[] = [
  ...(
    [
      ["/", () => "/"],
      ["the project's parent folder", () => path.dirname(arena.project)],
      ["another project", () => other],
      ["a symlink to another project", () => path.join(links, "to-other")],
      ["../<other project> from the own one", () => `${arena.project}/../${path.basename(other)}`],
      ["a relative ..", () => ".."],
      [
        "a symlink, then .. (taken as the kernel takes it)",
        () => `${path.join(links, "to-mine")}/../${path.basename(other)}`,
      ],
      ["a nested repository inside the project", () => nested],
    ] as const
  ).map(
    ([what, root]): Case => ({
      name: `list_project_sessions with project_root ${what}: out-of-scope`,
      act: () => list(root()),
      expect: "out-of-scope",
    }),
  ),
  ...(
    [
      ["a folder that does not exist", () => path.join(arena.project, "missing")],
      ["a regular file", () => arena.outside.at("victim.txt")],
      ["a path with a NUL", () => `${arena.project}\u0000/..`],
    ] as const
  ).map(
    ([what, root]): Case => ({
      name: `list_project_sessions with project_root ${what}: invalid-input`,
      act: () => list(root()),
      expect: "invalid-input",
    }),
  ),
  {
    name: "list_project_sessions with project_root a FIFO: invalid-input, never opened",
    plant: (a) => a.plants.fifo(path.join(a.project, "pipe")),
    act: (a) => list(path.join(a.project, "pipe")),
    expect: "invalid-input",
  },
  ...(
    [
      ["the own project through a symlink", () => path.join(links, "to-mine")],
      ["sub/.. inside the own project", () => `${arena.project}/nested/..`],
      ["a relative .", () => "."],
    ] as const
  ).map(
    ([what, root]): Case => ({
      name: `list_project_sessions with project_root ${what}: the own project`,
      act: () => list(root()),
      expect: "ok",
      check: (out) => {
        expect(out).toMatchObject({ project_root: arena.project, inferred: false });
        expect(sessions(out)).toEqual([A, B, S].map((s) => s.slice(0, 8)).sort());
      },
    }),
  ),
];

const crossing: Case[] = [
  {
    name: "read_session of another project's agent: out-of-scope, saying where it works",
    act: (a) => a.call(a.a, "read_session", { name: O }),
    expect: "out-of-scope",
    check: (out) => expect(String(out.message)).toContain(other),
  },
  {
    name: "send_message to another project's agent: out-of-scope, nothing written",
    act: (a) => a.call(a.a, "send_message", { target: O, body: "cross" }),
    expect: "out-of-scope",
    check: (_out, a) => oHasNoMail(a),
  },
  {
    name: "ask_peer to another project's agent: out-of-scope, nothing written",
    act: (a) => a.call(a.a, "ask_peer", { target: O, body: "cross", timeout_ms: 200 }),
    expect: "out-of-scope",
    check: (_out, a) => oHasNoMail(a),
  },
  {
    name: "wake_status of another project's agent: out-of-scope",
    act: (a) => a.call(a.a, "wake_status", { target: O }),
    expect: "out-of-scope",
  },
  {
    name: "read_session of an own agent with project_root naming another project: out-of-scope",
    act: (a) => a.call(a.a, "read_session", { name: B, project_root: other }),
    expect: "out-of-scope",
  },
  {
    name: "scope is symmetric: the other project's agent cannot message into this one",
    act: (a) => a.call(o, "send_message", { target: A, body: "cross" }),
    expect: "out-of-scope",
  },
  {
    name: "a nested repository is its own project, both ways",
    act: async (a) => {
      expect(await a.call(inNested, "send_message", { target: A, body: "up" })).toMatchObject({
        error: "out-of-scope",
      });
      return a.call(a.a, "send_message", { target: N, body: "down" });
    },
    expect: "out-of-scope",
  },
  {
    name: "an agent whose cwd is a symlink to the project: one project with it, both ways",
    act: async (a) => {
      expect(sessions(await a.call(viaLink, "list_project_sessions"))).toEqual(
        [A, B, S].map((s) => s.slice(0, 8)).sort(),
      );
      const out = await a.call(viaLink, "send_message", { target: B, body: "via a link" });
      return out;
    },
    expect: "ok",
  },
  {
    name: "read_session of a tmux session whose pane works in another project: out-of-scope",
    act: (a) => a.call(a.a, "read_session", { name: "other-shell", mode: "pane" }),
    expect: "out-of-scope",
  },
  {
    name: "read_session of a tmux session whose pane works in the project: its pane",
    act: (a) => a.call(a.a, "read_session", { name: "mine-shell", mode: "pane" }),
    expect: "ok",
  },
];

/** Replace the project's `.git` (a plain folder here) for one case. */
const dotGit =
  (make: (file: string, a: Arena) => void): Case["plant"] =>
  (a) =>
    a.plants.replace(path.join(a.project, ".git"), (f) => make(f, a));

const forged: Case[] = [
  ...(
    [
      ["a FIFO", (f: string, a: Arena) => a.plants.fifo(f)],
      ["a file naming / as its git dir", (f: string) => fs.writeFileSync(f, "gitdir: /\n")],
      [
        "a file naming ../../.. as its git dir",
        (f: string) => fs.writeFileSync(f, "gitdir: ../../../../..\n"),
      ],
      ["a symlink to the other project's .git", (f: string) => fs.symlinkSync(path.join(other, ".git"), f)],
      ["a 2 MiB file", (f: string) => fs.writeFileSync(f, Buffer.alloc(2 << 20, 0x61))],
    ] as const
  ).map(
    ([what, make]): Case => ({
      name: `the project's .git is ${what}: listing answers at once and never reaches the other project`,
      plant: dotGit(make),
      act: (a) => a.call(a.b, "list_project_sessions"),
      expect: "ok",
      check: (out) => expect(sessions(out)).not.toContain(O.slice(0, 8)),
    }),
  ),
];

describe("paths and scope", () => table([...roots, ...crossing, ...forged], () => arena));
