// The table runner of the adversarial suite (issue 11, "Done when"). One Arena is one world (a data
// directory, a private tmux, real built servers for agents A and B in one project) shared by the
// cases of a table. Every case is checked four ways: its error code (or documented outcome), that the
// servers still serve afterwards, that nothing outside OXTAIL_HOME changed (a sentinel tree and the
// project, snapshotted with paths, types, modes, owners and bytes), and that no message was lost
// (every message sent before or during the case was delivered by it or still waits, readable).

import { execFileSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import claudeAdapter from "@oxtail/client-claude";
import { hookMode } from "@oxtail/core";
import {
  createFsMailboxStore,
  createMailbox,
  type MailboxKey,
  sessionMailboxKey,
} from "@oxtail/core/runtime";
import { expect, it } from "vitest";
import { type AgentSpec, type TestAgent, World } from "../harness.ts";
import { Outside } from "./outside.ts";
import { Plants } from "./plants.ts";

export const A = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa";
export const B = "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb";
export const C = "cccccccc-cccc-4ccc-8ccc-cccccccccccc";
/** The real hook program (built by the global setup). */
export const HOOK = path.resolve(import.meta.dirname, "../../../hook/bin/oxtail-hook");
/** Foreign owners, FIFOs in odd places and mounts need root; such cases are skipped otherwise. */
export const IS_ROOT = process.getuid?.() === 0;
/** A call that takes longer than this is a hang: the case fails instead of the run. */
const CALL_TIMEOUT_MS = 15_000;

export type Result = Record<string, unknown>;

/** One row of a table. */
export interface Case {
  name: string;
  /** Make the hostile state (after this case's canary message was sent). Plants are undone after `act`. */
  plant?: (arena: Arena) => void | Promise<void>;
  /** What the caller does: a tool call, a hook run, a server start. */
  act: (arena: Arena) => Promise<Result>;
  /** The error code the act must answer with, or "ok" for the documented non-error outcome. */
  expect: string;
  /** Further checks of the outcome (run before the plants are undone). */
  check?: (out: Result, arena: Arena) => void | Promise<void>;
  /** Needs root (foreign owners, mounts): skipped, saying so, otherwise. */
  root?: boolean;
  /**
   * A known bug in code this suite may not change (the hook, the server's start-up): the case runs
   * as `it.fails`, and this says what goes wrong and where.
   */
  fails?: string;
}

/** Register a table's cases as tests of `arena()`. */
export function table(cases: readonly Case[], arena: () => Arena): void {
  for (const c of cases) {
    if (c.root && !IS_ROOT) it.skip(`${c.name} (skipped: needs root)`, () => {});
    else if (c.fails) it.fails(c.name, () => arena().run(c));
    else it(c.name, () => arena().run(c));
  }
}

/** What a hook run printed. */
export interface HookRun extends Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A world shared by one table's cases, with the four checks. */
export class Arena {
  readonly world = new World();
  readonly outside: Outside;
  readonly plants = new Plants();
  /** The project A and B work in (a folder with a `.git` directory). */
  readonly project: string;
  a!: TestAgent;
  b!: TestAgent;
  /** Messages sent and not yet seen delivered: id → recipient session. */
  private readonly pending = new Map<string, string>();
  /** Ids handed to a model (a tool answer, a hook's output). */
  readonly delivered = new Set<string>();
  private readonly extraSnapshots: string[] = [];
  private readonly servingChecks: (() => Promise<void>)[] = [];

  constructor() {
    this.project = this.world.project();
    this.outside = new Outside().populate(B, this.project, [B, C]);
  }

  get home(): string {
    return this.world.home;
  }

  /** Start A and B (claude sessions in the project, each with its own pane). */
  async start(spec: Partial<AgentSpec> = {}): Promise<this> {
    this.a = await this.agent({ cwd: this.project, claudeSession: A, ...spec });
    this.b = await this.agent({ cwd: this.project, claudeSession: B, ...spec });
    return this;
  }

  /** Stop B's server (its stdin closes, as when its client exits) and start a new one for B. */
  async restartB(): Promise<void> {
    await this.b.close();
    this.b = await this.agent({ cwd: this.project, claudeSession: B });
  }

  /**
   * One more agent (its server closed with the world). The loop guard's rate budget is off: every case
   * sends its canary from A to B, hundreds in a row, which is what the budget stops (it has its own
   * tests, apps/server/test/loopguard.e2e.test.ts).
   */
  agent(spec: AgentSpec): Promise<TestAgent> {
    return this.world.agent({
      ...spec,
      env: { MCP_TRACE_FILE: this.tracePath, OXTAIL_LOOP_GUARD: "off", ...spec.env },
    });
  }

  /** The trace of every server and hook of the arena (inside the data directory's parent, not in it). */
  get tracePath(): string {
    return `${this.home}.trace`;
  }

  /** Also snapshot `dir` before and after each case (it is outside the data directory). */
  watchOutside(dir: string): void {
    this.extraSnapshots.push(dir);
  }

  /**
   * Call a tool with a deadline; the result as {@link TestAgent.call} gives it. Sends are recorded
   * (their messages must stay deliverable), and messages handed out count as delivered.
   */
  async call(agent: TestAgent, tool: string, args: Result = {}): Promise<Result> {
    const result = await agent.client.callTool({ name: tool, arguments: args }, undefined, {
      timeout: CALL_TIMEOUT_MS,
    });
    const out: Result = result.isError
      ? JSON.parse((result.content as { text: string }[])[0]?.text ?? "{}")
      : (result.structuredContent as Result);
    this.record(tool, args, out);
    return out;
  }

  /** Note what a tool call sent (to be found again) and handed out (delivered). */
  record(tool: string, args: Result, out: Result): void {
    if (out.ok !== true) return;
    if (tool === "send_message" && typeof out.message_id === "string")
      this.pending.set(out.message_id, String(out.to_session_id ?? args.target).toLowerCase());
    if (tool === "ask_peer" && typeof out.question_id === "string")
      this.pending.set(out.question_id, String(args.target).toLowerCase());
    for (const m of (out.messages as { id: string }[] | undefined) ?? []) this.delivered.add(m.id);
    const reply = out.reply as { id: string } | null | undefined;
    if (reply) this.delivered.add(reply.id);
  }

  /** A message from A to B through A's server, to be found again after the case. */
  async canary(label: string): Promise<string> {
    const out = await this.call(this.a, "send_message", { target: B, body: `canary: ${label}` });
    expect(out, `the canary of ${label}`).toMatchObject({ ok: true });
    return out.message_id as string;
  }

  /**
   * Run the real hook program (`oxtail-hook claude <event>`) with `payload` on stdin. Messages in
   * its output count as delivered. A hook still running after the deadline is killed (and fails).
   */
  async hook(event: string, payload: Result | string, env: Record<string, string> = {}): Promise<HookRun> {
    // The command line `oxtail setup` writes: the event's declared mode and the session variable.
    const hooks = claudeAdapter().hooks;
    const spec = hooks?.events.find((e) => e.event === event);
    const args = spec
      ? ["claude", event, hookMode(spec), ...(hooks?.sessionEnv ? [hooks.sessionEnv] : [])]
      : ["claude", event];
    const child = spawn(HOOK, args, {
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        HOME: this.home,
        OXTAIL_HOME: this.home,
        OXTAIL_NODE: process.execPath,
        MCP_TRACE_FILE: this.tracePath,
        ...env,
      },
      stdio: ["pipe", "pipe", "pipe"],
    });
    child.stdin.on("error", () => {});
    child.stdin.end(typeof payload === "string" ? payload : JSON.stringify(payload));
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, CALL_TIMEOUT_MS);
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    clearTimeout(timer);
    expect(timedOut, `the hook ${event} hung`).toBe(false);
    for (const match of `${stdout}\n${stderr}`.matchAll(
      /message ([0-9a-f]{12}-[0-9a-f]{4}-[0-9a-f]{6})[ ,]/g,
    ))
      if (match[1]) this.delivered.add(match[1]);
    return { ok: true, code, stdout, stderr };
  }

  /** The folder of a mailbox, or of one of its subfolders. */
  mailboxDir(session: string, sub?: "new" | "cur" | "tmp" | "bad" | "redelivered"): string {
    const root = path.join(this.home, "mailboxes", session.toLowerCase());
    return sub ? path.join(root, sub) : root;
  }

  /** The messages waiting for `session` (read by a separate reader: this test process). */
  async waiting(session: string): Promise<string[]> {
    const mailbox = createMailbox({ store: createFsMailboxStore({ home: this.home }) });
    return (await mailbox.peek(sessionMailboxKey(session) as MailboxKey)).map((m) => m.id);
  }

  /** Run one case and check it four ways. */
  async run(c: Case): Promise<void> {
    const before = this.snapshotOutside();
    await this.canary(c.name);
    let out: Result;
    try {
      await c.plant?.(this);
      out = await c.act(this);
      const shown = JSON.stringify(out).slice(0, 600);
      if (c.expect === "ok") expect(out.ok, `${c.name}: ${shown}`).toBe(true);
      else {
        expect(out, `${c.name}: ${shown}`).toMatchObject({ ok: false, error: c.expect });
        expect(typeof out.message).toBe("string");
      }
      await c.check?.(out, this);
    } finally {
      this.plants.undo();
    }
    await this.expectServing();
    await this.expectNothingLost();
    expect(this.snapshotOutside(), `${c.name}: something outside OXTAIL_HOME changed`).toEqual(before);
  }

  /** One more check that a server still serves, run after every case. */
  alsoServing(check: () => Promise<void>): void {
    this.servingChecks.push(check);
  }

  /** Both servers answer a call that reads the data directory. */
  async expectServing(): Promise<void> {
    for (const check of this.servingChecks) await check();
    for (const agent of [this.a, this.b]) {
      const out = await this.call(agent, "list_project_sessions");
      expect(out, "a follow-up call").toMatchObject({ ok: true });
      const mine = (out.rows as { me?: true }[]).filter((r) => r.me);
      expect(mine.length, "the caller lists itself").toBe(1);
    }
  }

  /** Every message sent so far was delivered, or waits readable in its mailbox (in order). */
  async expectNothingLost(): Promise<void> {
    for (const id of [...this.pending.keys()]) if (this.delivered.has(id)) this.pending.delete(id);
    const bySession = new Map<string, string[]>();
    for (const [id, to] of this.pending) bySession.set(to, [...(bySession.get(to) ?? []), id]);
    for (const [session, ids] of bySession) {
      // A claim released by a failed call goes back at once; allow a moment for a settle in flight.
      let waiting: string[] = [];
      for (let i = 0; i < 40; i++) {
        waiting = await this.waiting(session);
        if (ids.every((id) => waiting.includes(id))) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      const missing = ids.filter((id) => !waiting.includes(id));
      expect(missing, `messages to ${session} lost`).toEqual([]);
      const order = waiting.filter((id) => ids.includes(id));
      expect(order).toEqual([...ids].sort());
    }
  }

  /**
   * The end of a table: every message still waiting is read through the recipients' own servers
   * (read_my_messages), so "deliverable" was real.
   */
  async drain(): Promise<void> {
    for (const [agent, session] of [
      [this.b, B],
      [this.a, A],
    ] as const) {
      for (let i = 0; i < 100; i++) {
        const out = await this.call(agent, "read_my_messages", { max_messages: 500, max_bytes: 1024 * 1024 });
        expect(out).toMatchObject({ ok: true });
        if ((out.messages as unknown[]).length === 0 && out.remaining === 0) break;
      }
      const left = [...this.pending].filter(([id, to]) => to === session && !this.delivered.has(id));
      expect(left, `messages to ${session} never read`).toEqual([]);
    }
  }

  /** Paths, types, modes, owners and bytes of everything outside the data directory that a case could reach. */
  snapshotOutside(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const root of [this.outside.root, this.project, ...this.extraSnapshots])
      Object.assign(out, snapshot(root));
    return out;
  }

  async dispose(): Promise<void> {
    this.plants.undo();
    await this.world.dispose();
    this.outside.dispose();
    fs.rmSync(this.tracePath, { force: true });
  }
}

/** Every entry under `root` (not followed), keyed by path, valued by type, mode, owner and content hash. */
export function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (file: string): void => {
    let stat: fs.Stats;
    try {
      stat = fs.lstatSync(file);
    } catch {
      out[file] = "missing";
      return;
    }
    const meta = `${(stat.mode & 0o7777).toString(8)} ${stat.uid}:${stat.gid}`;
    if (stat.isDirectory()) {
      out[file] = `dir ${meta}`;
      for (const name of fs.readdirSync(file).sort()) walk(path.join(file, name));
    } else if (stat.isSymbolicLink()) out[file] = `link ${fs.readlinkSync(file)}`;
    else if (stat.isFile())
      out[file] = `file ${meta} ${createHash("sha256").update(fs.readFileSync(file)).digest("hex")}`;
    else out[file] = `special ${stat.mode.toString(8)} ${meta}`;
  };
  walk(root);
  return out;
}

/** A private temp folder (removed by the caller). */
export function tempDir(prefix: string): string {
  return fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
}

/** A folder for PATH with only the programs oxtail and its hook need, and no tmux. */
export function pathWithoutTmux(dir: string): string {
  fs.mkdirSync(dir, { recursive: true });
  fs.symlinkSync(process.execPath, path.join(dir, "node"));
  for (const name of ["sh", "head", "cat", "env", "ps", "sleep"]) {
    const found = (process.env.PATH ?? "/usr/bin:/bin")
      .split(":")
      .map((bin) => path.join(bin, name))
      .find((file) => fs.existsSync(file));
    if (found) fs.symlinkSync(found, path.join(dir, name));
  }
  expect(() => execFileSync("sh", ["-c", "command -v tmux"], { env: { PATH: dir } })).toThrow();
  return dir;
}
