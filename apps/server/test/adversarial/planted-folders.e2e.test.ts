// Adversarial table: folders of the data directory swapped for symlinks out of it, or given to another
// user, at every level (SPEC §9 "The data directory is a closed box"), also while claims are held
// across them. Each case goes through the real built server (or the real hook) and is checked by the
// arena four ways.
import fs from "node:fs";
import path from "node:path";
import { createMessageId } from "@oxtail/core/runtime";
import { afterAll, beforeAll, describe, expect } from "vitest";
import { A, Arena, B, C, type Case, table } from "./arena.ts";
import { DEAD_TOKEN, messageJson } from "./outside.ts";
import { afterHold, bodies, decoys, hookB, ids, inData, list, read, send, startC } from "./planted.ts";

let arena: Arena;
beforeAll(async () => {
  arena = await new Arena().start();
});
afterAll(async () => {
  try {
    await arena.drain();
  } finally {
    await arena.dispose();
  }
});

const { at, box, planted } = inData(() => arena);

// Folder levels first: a swapped level must not meet a claim some earlier read still holds.
const levels: Case[] = [
  {
    name: "mailboxes/ is a symlink out of the data directory: send is unsafe-path, nothing written there",
    plant: (a) => a.plants.symlink(at("mailboxes"), a.outside.at("mailboxes")),
    act: send,
    expect: "unsafe-path",
  },
  {
    name: "mailboxes/ is a symlink: read_my_messages is unsafe-path, the outside message is not delivered",
    plant: (a) => a.plants.symlink(at("mailboxes"), a.outside.at("mailboxes")),
    act: read,
    expect: "unsafe-path",
  },
  {
    name: "mailboxes/<B> is a symlink: no outside claim recovered, no outside temp file deleted",
    plant: (a) => a.plants.symlink(box(), a.outside.at("mbox")),
    act: read,
    expect: "unsafe-path",
  },
  {
    name: "mailboxes/<B>/new is a symlink: send is unsafe-path",
    plant: (a) => a.plants.symlink(box("new"), a.outside.at("mbox/new")),
    act: send,
    expect: "unsafe-path",
  },
  {
    name: "mailboxes/<B>/cur is a symlink: read is unsafe-path, the dead claim outside stays",
    plant: (a) => a.plants.symlink(box("cur"), a.outside.at("mbox/cur")),
    act: read,
    expect: "unsafe-path",
  },
  {
    name: "mailboxes/<B>/tmp is a symlink: send is unsafe-path, the dead temp file outside stays",
    plant: (a) => a.plants.symlink(box("tmp"), a.outside.at("mbox/tmp")),
    act: send,
    expect: "unsafe-path",
  },
  {
    name: "mailboxes/<B>/new is a regular file: send is unsafe-path",
    plant: (a) => a.plants.replace(box("new"), (f) => fs.writeFileSync(f, "x", { mode: 0o600 })),
    act: send,
    expect: "unsafe-path",
  },
  {
    name: "mailboxes/<B>/new is a FIFO: read is unsafe-path and does not hang",
    plant: (a) => a.plants.replace(box("new"), (f) => a.plants.fifo(f)),
    act: read,
    expect: "unsafe-path",
  },
  {
    name: "mailboxes/<B>/new is owned by another user: read is unsafe-path, nothing read through it",
    root: true,
    plant: (a) => a.plants.foreign(box("new")),
    act: read,
    expect: "unsafe-path",
  },
  {
    name: "mailboxes/<B> is owned by another user: send is unsafe-path",
    root: true,
    plant: (a) => a.plants.foreign(box()),
    act: send,
    expect: "unsafe-path",
  },
  {
    name: "the hook with a symlinked mailboxes/<B>: exits 0, prints nothing, delivers nothing",
    plant: (a) => a.plants.symlink(box(), a.outside.at("mbox")),
    act: hookB,
    expect: "ok",
    check: (out) => expect(out).toMatchObject({ code: 0, stdout: "" }),
  },
  {
    name: "sessions/ is a symlink: list_project_sessions is unsafe-path, the dead record outside is not pruned",
    plant: (a) => a.plants.symlink(at("sessions"), a.outside.at("sessions")),
    act: list,
    expect: "unsafe-path",
  },
  {
    name: "sessions/ is owned by another user: send_message is unsafe-path (no peer looked up through it)",
    root: true,
    plant: (a) => a.plants.foreign(at("sessions")),
    act: send,
    expect: "unsafe-path",
  },
  {
    name: "identity/ is a symlink: a starting server takes no cwd, pane or transcript from the drop outside",
    plant: (a) => a.plants.symlink(at("identity"), a.outside.at("identity")),
    act: startC,
    expect: "ok",
    check: (out, a) => {
      const record = out.record as { client: { cwd: string; transcript_path: string | null }; tmux: unknown };
      expect(record.client.cwd).toBe(a.project);
      expect(record.client.transcript_path ?? "").not.toContain(a.outside.root);
      expect(JSON.stringify(record.tmux ?? null)).not.toContain("%999");
    },
  },
  {
    name: "identity/ is a symlink: the SessionStart hook writes no drop through it",
    plant: (a) => a.plants.symlink(at("identity"), a.outside.at("empty")),
    act: (a) => a.hook("SessionStart", { session_id: C, cwd: a.project }),
    expect: "ok",
    check: (out) => expect(out.code).toBe(0),
  },
  {
    name: "wakes/ is a symlink: ask_peer still delivers its question and reports the wake, no error",
    plant: (a) => a.plants.symlink(at("wakes"), a.outside.at("wakes")),
    act: (a) => a.call(a.a, "ask_peer", { target: B, body: "question", timeout_ms: 300 }),
    expect: "ok",
    check: (out) => expect(out).toMatchObject({ timed_out: true }),
  },
  {
    name: "sent/ is a symlink: send_message with an idempotency_key is unsafe-path before anything is sent",
    plant: (a) => {
      fs.mkdirSync(at("sent"), { recursive: true, mode: 0o700 });
      a.plants.symlink(at("sent"), a.outside.at("sent"));
    },
    act: (a) => a.call(a.a, "send_message", { target: B, body: "once", idempotency_key: "k-sent" }),
    expect: "unsafe-path",
  },
  {
    name: "loose modes (0777 data directory, 0777 new/): tightened to 0700, mail still delivered",
    plant: (a) => {
      a.plants.chmod(a.home, 0o777);
      a.plants.chmod(box("new"), 0o777);
    },
    act: read,
    expect: "ok",
    check: (out, a) => {
      expect(ids(out).length).toBeGreaterThan(0);
      expect(fs.statSync(a.home).mode & 0o777).toBe(0o700);
      expect(fs.statSync(box("new")).mode & 0o777).toBe(0o700);
    },
  },
  {
    name: "sessions/ is a symlink: reading one's own mail still works (a bad folder stops only its own users)",
    plant: (a) => a.plants.symlink(at("sessions"), a.outside.at("sessions")),
    act: read,
    expect: "ok",
    check: (out) => expect(ids(out).length).toBeGreaterThan(0),
  },
];

// Claims made before a folder was swapped, settled after it.
const held: Case[] = [
  {
    name: "cur/ swapped for a symlink while an answer's messages are held: the acknowledgement deletes nothing outside",
    act: async (a) => {
      const out = await read(a);
      const token = ((await a.call(a.b, "get_my_session")).record as { instance_id: string }).instance_id;
      const dir = decoys(
        a,
        ids(out).map((id) => `${id}.json.${token}`),
      );
      a.plants.symlink(box("cur"), dir);
      await afterHold();
      return { ...out, decoys: dir, left: fs.readdirSync(dir).length };
    },
    expect: "ok",
    check: (out) => expect(out.left).toBe(ids(out).length),
  },
  {
    name: "new/ swapped for a symlink when a server stops holding an answer: nothing moved outside, the mail comes back",
    act: async (a) => {
      const out = await read(a);
      const dir = decoys(a, []);
      a.plants.symlink(box("new"), dir);
      await a.restartB();
      const outside = fs.readdirSync(dir);
      a.plants.undo();
      const again = await read(a);
      return { ...again, outside, first: ids(out) };
    },
    expect: "ok",
    check: (out) => {
      expect(out.outside).toEqual([]);
      const back = (out.messages as { id: string; redelivered?: boolean }[]).filter((m) =>
        (out.first as string[]).includes(m.id),
      );
      expect(back.map((m) => m.id)).toEqual(out.first);
      expect(back.every((m) => m.redelivered)).toBe(true);
    },
  },
  {
    name: "redelivered/ a symlink to a folder with a file named like a reply: ask_peer's retry takes it, deletes nothing there",
    act: async (a) => {
      const args = { target: B, body: "still there?", idempotency_key: "q-marks" };
      const first = await a.call(a.a, "ask_peer", { ...args, timeout_ms: 300 });
      await read(a);
      const reply = await a.call(a.b, "send_message", {
        target: A,
        body: "yes",
        reply_to: first.question_id,
      });
      const dir = decoys(a, [String(reply.message_id)]);
      a.plants.symlink(path.join(a.mailboxDir(A), "redelivered"), dir);
      const retry = await a.call(a.a, "ask_peer", { ...args, timeout_ms: 5000 });
      await afterHold();
      return { ...retry, left: fs.readdirSync(dir).length };
    },
    expect: "ok",
    check: (out) => {
      expect(out).toMatchObject({ replayed: true, timed_out: false, reply: { body: "yes" }, left: 1 });
      expect((out.reply as { redelivered?: boolean }).redelivered).toBeUndefined();
    },
  },
  {
    name: "bad/ is a symlink out: an unparsable message is left in place, nothing moved outside",
    plant: (a) => {
      a.plants.symlink(box("bad"), a.outside.at("mbox/bad"));
      a.plants.file(planted().file, "{ not json");
    },
    act: read,
    expect: "ok",
    check: (out) => expect(ids(out).length).toBeGreaterThan(0),
  },
  {
    name: "redelivered/ is a symlink out when a dead reader's claim comes back: no mark written there, the message returns",
    plant: (a) => {
      a.plants.symlink(box("redelivered"), a.outside.at("empty"));
      const id = createMessageId(Date.now() - 5000);
      fs.writeFileSync(path.join(box("cur"), `${id}.json.${DEAD_TOKEN}`), messageJson(id, B, "recovered"), {
        mode: 0o600,
      });
    },
    act: read,
    expect: "ok",
    check: (out) => expect(bodies(out)).toContain("recovered"),
  },
];

describe("planted folders", () => table([...levels, ...held], () => arena));
