// Adversarial table: identities and odd ids (SPEC §9 "Identity cannot be taken", docs/protocol.md
// "Identities"): upper-case, padded and look-alike session ids, `../` in ids and targets, ids held by
// live, dead, zombie and unverifiable processes, through every tool that takes one and the hook.
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { processStartTime } from "@oxtail/core";
import {
  createFsMailboxStore,
  createMailbox,
  instanceMailboxKey,
  sessionMailboxKey,
} from "@oxtail/core/runtime";
import { afterAll, beforeAll, describe, expect } from "vitest";
import type { TestAgent } from "../harness.ts";
import { A, Arena, B, type Case, type Result, table } from "./arena.ts";
import { deadRecordJson } from "./outside.ts";

/** Fresh session ids, one per case that claims one. */
const id = (n: number) => `${String(n).padStart(8, "0")}-0000-4000-8000-${String(n).padStart(12, "0")}`;
/** B's id with its first `b` replaced by a Cyrillic `в`, and with a zero-width space. */
const LOOKALIKE = `в${B.slice(1)}`;
const ZERO_WIDTH = `${B.slice(0, 8)}\u200b${B.slice(8)}`;

let arena: Arena;
/** An agent that knows no session id yet: its claims are the ones tested. */
let e: TestAgent;
beforeAll(async () => {
  arena = await new Arena().start();
  e = await arena.agent({ cwd: arena.project });
});
afterAll(async () => {
  try {
    await arena.drain();
  } finally {
    await arena.dispose();
  }
});

const claim = (session_id: unknown) => arena.call(e, "claim_session", { session_id });
const send = (a: Arena, target: string) => a.call(a.a, "send_message", { target, body: `to ${target}` });
/** Entries directly in the data directory's mailboxes/ and identity/ (a path trick would add one). */
const homeEntries = (a: Arena) =>
  ["mailboxes", "identity"].flatMap((d) => {
    try {
      return fs.readdirSync(path.join(a.home, d)).map((n) => `${d}/${n}`);
    } catch {
      return [];
    }
  });

/** Run `make` and check that no entry appeared directly under mailboxes/ or identity/. */
const addsNothing =
  (make: (a: Arena) => Promise<Result>) =>
  async (a: Arena): Promise<Result> => {
    const before = homeEntries(a);
    const out = await make(a);
    expect(homeEntries(a)).toEqual(before);
    return out;
  };

/** A process that stays a zombie (its parent never reaps it) and that parent, killed by the undo. */
async function zombie(a: Arena): Promise<{ pid: number; startTime: string }> {
  const parent: ChildProcess = spawn("sh", ["-c", "sleep 0.05 & echo $!; exec sleep 30"], {
    stdio: ["ignore", "pipe", "ignore"],
  });
  a.plants.onUndo(() => void parent.kill("SIGKILL"));
  const pid = await new Promise<number>((resolve) =>
    parent.stdout?.once("data", (d) => resolve(Number(String(d).trim()))),
  );
  const startTime = processStartTime(pid) as string;
  for (let i = 0; i < 100 && !fs.readFileSync(`/proc/${pid}/stat`, "utf8").includes(") Z "); i++)
    await new Promise((r) => setTimeout(r, 20));
  return { pid, startTime };
}

const claims: Case[] = [
  ...(
    [
      ["padded with spaces", `  ${id(1)}  `],
      ["with a trailing newline", `${id(1)}\n`],
      ["with ../ in it", `../../${id(1)}`],
      ["that is a path", "/etc/passwd"],
      ["with a Cyrillic look-alike letter", `${id(1).slice(0, 35)}а`],
      ["in full-width digits", "００００００００-0000-4000-8000-000000000001"],
      ["with a NUL", `${id(1)}\u0000`],
      ["that is empty", ""],
    ] as const
  ).map(
    ([what, value]): Case => ({
      name: `claim_session with a session id ${what}: invalid-session-id, nothing created`,
      act: addsNothing(() => claim(value)),
      expect: "invalid-session-id",
    }),
  ),
  {
    name: "claim_session of a live peer's id in upper case: session-id-in-use (ids compare in lower case)",
    act: () => claim(B.toUpperCase()),
    expect: "session-id-in-use",
  },
  {
    name: "register_my_session of a live peer's id: session-id-in-use",
    act: () => arena.call(e, "register_my_session", { session_id: A, client_type: "codex" }),
    expect: "session-id-in-use",
  },
  {
    name: "an id held by a dead server's record: claimable, and the dead record is pruned",
    plant: (a) =>
      a.plants.file(
        path.join(a.home, "sessions", "3999997-1.json"),
        deadRecordJson(a.project, id(2), "3999997-1"),
      ),
    act: () => claim(id(2)),
    expect: "ok",
    check: (_out, a) => expect(fs.existsSync(path.join(a.home, "sessions", "3999997-1.json"))).toBe(false),
  },
  {
    name: "an id held by a zombie's record: the zombie is dead, the id claimable",
    plant: async (a) => {
      const z = await zombie(a);
      a.plants.file(
        path.join(a.home, "sessions", `${z.pid}-${z.startTime}.json`),
        deadRecordJson(a.project, id(3), `${z.pid}-${z.startTime}`),
      );
    },
    act: () => claim(id(3)),
    expect: "ok",
  },
  {
    name: "an id held by a live pid whose record has no start time and is stale: expired, the id claimable",
    plant: (a) => {
      const record = JSON.parse(deadRecordJson(a.project, id(4), `${process.pid}-x`));
      Object.assign(record, { start_time: null, updated_at: new Date(Date.now() - 120_000).toISOString() });
      a.plants.file(path.join(a.home, "sessions", `${process.pid}-x.json`), JSON.stringify(record));
    },
    act: () => claim(id(4)),
    expect: "ok",
  },
  {
    name: "claim_session of a fresh upper-case id: stored in lower case, mail to either case arrives",
    act: async (a) => {
      const out = await claim(
        id(5)
          .toUpperCase()
          .replace(/0000-4000/, "ABCD-4EF0"),
      );
      expect(out).toMatchObject({ ok: true });
      const mine = String(out.session_id);
      expect(mine).toBe(mine.toLowerCase());
      for (const target of [mine, mine.toUpperCase()])
        expect(await send(a, target)).toMatchObject({ ok: true });
      const read = await a.call(e, "read_my_messages");
      expect((read.messages as unknown[]).length).toBe(2);
      return out;
    },
    expect: "ok",
  },
];

const targets: Case[] = [
  {
    name: "send_message to a peer's id in upper case: delivered to that peer",
    act: (a) => send(a, B.toUpperCase()),
    expect: "ok",
    check: (out) => expect(out.to_session_id).toBe(B),
  },
  {
    name: "send_message to a peer's id padded with spaces: the same peer",
    act: (a) => send(a, `  ${B}\t`),
    expect: "ok",
    check: (out) => expect(out.to_session_id).toBe(B),
  },
  ...(
    [
      ["../ before a peer's id", `../${B}`],
      ["a path out of the data directory", `../../../${B}/new`],
      ["/", "/"],
      ["a Cyrillic look-alike of a peer's id", LOOKALIKE],
      ["a peer's id with a zero-width space", ZERO_WIDTH],
      ["a mailbox key of the instance form", "instance-1-1"],
    ] as const
  ).map(
    ([what, target]): Case => ({
      name: `send_message to ${what}: not-found, nothing written`,
      act: addsNothing((a) => send(a, target)),
      expect: "not-found",
    }),
  ),
  {
    name: "send_message to a blank target: invalid-input",
    act: (a) => send(a, "   "),
    expect: "invalid-input",
  },
  {
    name: "read_session of ../<peer id>: not-found",
    act: (a) => a.call(a.a, "read_session", { name: `../${B}`, mode: "pane" }),
    expect: "not-found",
  },
  {
    name: "ask_peer to a look-alike id: not-found, nothing sent",
    act: (a) => a.call(a.a, "ask_peer", { target: LOOKALIKE, body: "q", timeout_ms: 200 }),
    expect: "not-found",
  },
  {
    name: "wake_status of a peer's id in upper case: that peer",
    act: (a) => a.call(a.a, "wake_status", { target: B.toUpperCase() }),
    expect: "ok",
    check: (out) => expect(out.session_id).toBe(B),
  },
];

const hook: Case[] = [
  {
    name: "the hook with an upper-case session id in the environment: delivers that session's mail",
    act: (a) =>
      a.hook("PreToolUse", { session_id: B.toUpperCase() }, { CLAUDE_CODE_SESSION_ID: B.toUpperCase() }),
    expect: "ok",
    check: (out) => expect(String(out.stdout)).toContain("canary"),
  },
  ...(
    [
      ["../../ in the payload's session id", { session_id: `../../${B}` }, {}],
      ["a look-alike session id", { session_id: LOOKALIKE }, {}],
      ["../ in CLAUDE_CODE_SESSION_ID", { session_id: B }, { CLAUDE_CODE_SESSION_ID: `../${B}` }],
    ] as const
  ).map(
    ([what, payload, env]): Case => ({
      name: `the hook with ${what}: exits 0, prints nothing, creates nothing`,
      act: addsNothing((a) => a.hook("Stop", payload, env)),
      expect: "ok",
      check: (out) => expect(out).toMatchObject({ code: 0, stdout: "" }),
    }),
  ),
  {
    name: "SessionStart with ../ in the session id and escape sequences in cwd: no identity drop",
    act: addsNothing((a) => a.hook("SessionStart", { session_id: `../${B}`, cwd: "\u001b[2J/tmp" })),
    expect: "ok",
    check: (out) => expect(out.code).toBe(0),
  },
  {
    name: "a waiting message of an unclaimed server, its redelivered/ a symlink out: the claim's merge moves nothing in",
    act: async (a) => {
      const f = await a.agent({ cwd: a.project });
      const record = (await a.call(f, "get_my_session")).record as { instance_id: string };
      const key = instanceMailboxKey(record.instance_id);
      const mailbox = createMailbox({ store: createFsMailboxStore({ home: a.home }) });
      const m = await mailbox.send({
        from: { session_id: A, instance_id: "1-1", client_type: "claude", display_name: "a" },
        fromMailbox: sessionMailboxKey(A),
        to: key,
        toSessionId: null,
        body: "for the instance",
      });
      fs.writeFileSync(a.outside.at(`empty/${m.id}`), "a file outside, named like a mark");
      a.plants.onUndo(() => fs.rmSync(a.outside.at(`empty/${m.id}`), { force: true }));
      a.plants.symlink(path.join(a.home, "mailboxes", key, "redelivered"), a.outside.at("empty"));
      const out = await a.call(f, "claim_session", { session_id: id(6) });
      const read = await a.call(f, "read_my_messages");
      expect((read.messages as { body: string }[]).map((x) => x.body)).toEqual(["for the instance"]);
      expect(fs.existsSync(a.outside.at(`empty/${m.id}`))).toBe(true);
      await f.close();
      return out;
    },
    expect: "ok",
  },
];

describe("identities and odd ids", () => table([...claims, ...targets, ...hook], () => arena));
