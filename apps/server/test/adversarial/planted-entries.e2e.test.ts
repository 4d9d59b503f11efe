// Adversarial table: hostile entries planted in the data directory's folders (SPEC §9 "The data
// directory is a closed box"): FIFOs, sockets, symlinks, folders and foreign-owned files where files
// are expected, oversized and malformed messages and records, leftovers of dead processes, planted
// locks, drops and idempotency records. Each case goes through the real built server (or the real
// hook) and is checked by the arena four ways.
import fs from "node:fs";
import path from "node:path";
import { createMessageId } from "@oxtail/core/runtime";
import { afterAll, beforeAll, describe, expect } from "vitest";
import { A, Arena, B, C, type Case, table } from "./arena.ts";
import { DEAD_TOKEN, deadRecordJson, messageJson } from "./outside.ts";
import { bodies, hookB, ids, inData, keyRecordName, kind, list, read, send, startC } from "./planted.ts";
import { lexists } from "./plants.ts";

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

/** A planted entry in B's new/ is skipped by read_my_messages: never delivered, moved or opened blocking. */
const skippedInNew = (
  name: string,
  make: (file: string, a: Arena) => void | Promise<void>,
  root = false,
): Case => {
  let entry = "";
  let what = "";
  return {
    name: `${name} in new/: read_my_messages delivers the rest and leaves it in place`,
    root,
    plant: async (a) => {
      const p = planted();
      entry = p.file;
      await make(p.file, a);
      what = kind(p.file);
    },
    act: read,
    expect: "ok",
    check: (out) => {
      expect(ids(out).length).toBeGreaterThan(0);
      expect(ids(out)).not.toContain(path.basename(entry, ".json"));
      expect(bodies(out).join()).not.toContain("FROM-OUTSIDE");
      expect(kind(entry)).toBe(what);
    },
  };
};

/** A malformed regular file in B's new/ is moved to bad/; the rest is delivered. */
const quarantined = (name: string, content: (id: string) => string | Buffer): Case => {
  let p = { id: "", file: "" };
  return {
    name: `${name} in new/: moved to bad/, the rest delivered`,
    plant: (a) => {
      p = planted();
      a.plants.file(p.file, content(p.id));
      a.plants.onUndo(() => fs.rmSync(path.join(box("bad"), path.basename(p.file)), { force: true }));
    },
    act: read,
    expect: "ok",
    check: (out) => {
      expect(ids(out)).not.toContain(p.id);
      expect(ids(out).length).toBeGreaterThan(0);
      expect(lexists(p.file)).toBe(false);
      expect(lexists(path.join(box("bad"), path.basename(p.file)))).toBe(true);
    },
  };
};

const entries: Case[] = [
  skippedInNew("a FIFO named like a message", (f, a) => a.plants.fifo(f)),
  skippedInNew("a unix socket named like a message", (f, a) => a.plants.socket(f)),
  skippedInNew("a symlink to a valid message outside", (f, a) =>
    a.plants.symlink(f, a.outside.at("message.json")),
  ),
  skippedInNew("a dangling symlink named like a message", (f, a) =>
    a.plants.symlink(f, a.outside.at("nowhere")),
  ),
  skippedInNew("a folder named like a message", (f, a) => a.plants.dir(f)),
  skippedInNew(
    "a valid message owned by another user",
    (f, a) => {
      a.plants.file(f, messageJson(path.basename(f, ".json"), B, "FROM-OUTSIDE: foreign"));
      a.plants.foreign(f);
    },
    true,
  ),
  quarantined("a valid message padded to 2 MiB", (id) =>
    Buffer.concat([Buffer.from(messageJson(id, B)), Buffer.alloc(2 * 1024 * 1024, 0x20)]),
  ),
  quarantined("unparsable JSON", () => "{ not json"),
  quarantined("a message whose id differs from its name", () =>
    messageJson(createMessageId(Date.now() - 9000), B),
  ),
  quarantined("a message body with NUL and escape bytes but over 8 KiB", (id) =>
    messageJson(id, B, "\u0000\u001b[2J".repeat(3000)),
  ),
  {
    name: "a FIFO named like a dead reader's claim in cur/: not recovered, not opened, left in place",
    plant: (a) =>
      a.plants.fifo(path.join(box("cur"), `${createMessageId(Date.now() - 5000)}.json.${DEAD_TOKEN}`)),
    act: read,
    expect: "ok",
    check: (out) => expect(ids(out).length).toBeGreaterThan(0),
  },
  {
    name: "a symlink named like a dead reader's claim, pointing outside: not recovered, the target stays",
    plant: (a) =>
      a.plants.symlink(
        path.join(box("cur"), `${a.outside.messageId}.json.${DEAD_TOKEN}`),
        a.outside.at(`mbox/cur/${a.outside.messageId}.json.${DEAD_TOKEN}`),
      ),
    act: read,
    expect: "ok",
    check: (out, a) => expect(ids(out)).not.toContain(a.outside.messageId),
  },
  {
    name: "a real claim left by a dead reader comes back, marked redelivered",
    plant: () => {
      const id = createMessageId(Date.now() - 5000);
      fs.writeFileSync(path.join(box("cur"), `${id}.json.${DEAD_TOKEN}`), messageJson(id, B, "stale claim"), {
        mode: 0o600,
      });
    },
    act: read,
    expect: "ok",
    check: (out) => {
      const m = (out.messages as { body: string; redelivered?: boolean }[]).find(
        (x) => x.body === "stale claim",
      );
      expect(m?.redelivered).toBe(true);
    },
  },
  {
    name: "a FIFO as a redelivery mark: not a mark (the message is not flagged), not opened",
    plant: (a) => {
      const p = planted();
      a.plants.file(p.file, messageJson(p.id, B, "with a FIFO mark"));
      a.plants.fifo(path.join(box("redelivered"), p.id));
    },
    act: read,
    expect: "ok",
    check: (out) => {
      const m = (out.messages as { body: string; redelivered?: boolean }[]).find(
        (x) => x.body === "with a FIFO mark",
      );
      expect(m).toBeDefined();
      expect(m?.redelivered).toBeUndefined();
    },
  },
  {
    name: "a FIFO and a symlink named like dead writers' temp files: a send works, both left alone",
    plant: (a) => {
      a.plants.fifo(path.join(box("tmp"), `${createMessageId(Date.now())}.${DEAD_TOKEN}.tmp`));
      a.plants.symlink(
        path.join(box("tmp"), `${a.outside.messageId}.${DEAD_TOKEN}.tmp`),
        a.outside.at(`mbox/tmp/${a.outside.messageId}.${DEAD_TOKEN}.tmp`),
      );
    },
    act: async (a) => {
      const out = await send(a);
      await read(a); // recovery runs on every read: it must leave both alone too
      return out;
    },
    expect: "ok",
  },
  {
    name: "the hook with a FIFO in new/: delivers the real mail, exits 0, does not hang",
    plant: (a) => a.plants.fifo(planted().file),
    act: hookB,
    expect: "ok",
    check: (out) => {
      expect(out.code).toBe(0);
      expect(String(out.stdout)).toContain("canary");
    },
  },
];

const idempotency: Case[] = [
  {
    name: "a FIFO where send_message's idempotency record goes: unsafe-path, nothing sent, the server does not spin",
    plant: (a) => a.plants.fifo(at("sent", A, keyRecordName("k-fifo"))),
    act: (a) => a.call(a.a, "send_message", { target: B, body: "once", idempotency_key: "k-fifo" }),
    expect: "unsafe-path",
  },
  {
    name: "a 2 MiB file where send_message's idempotency record goes: not one, replaced; the send goes out once",
    plant: (a) => a.plants.file(at("sent", A, keyRecordName("k-big")), Buffer.alloc(2 * 1024 * 1024, 0x20)),
    act: async (a) => {
      const args = { target: B, body: "once", idempotency_key: "k-big" };
      const first = await a.call(a.a, "send_message", args);
      const again = await a.call(a.a, "send_message", args);
      expect(again).toMatchObject({ ok: true, replayed: true, message_id: first.message_id });
      return first;
    },
    expect: "ok",
  },
  {
    name: "an expired idempotency record owned by another user: the pruning after a keyed send leaves it",
    root: true,
    plant: (a) => {
      const file = at("sent", A, `${"e".repeat(40)}.json`);
      a.plants.file(file, "{}");
      const old = new Date(Date.now() - 3 * 24 * 3600 * 1000);
      fs.utimesSync(file, old, old);
      a.plants.foreign(file);
    },
    act: (a) => a.call(a.a, "send_message", { target: B, body: "keyed", idempotency_key: "k-prune" }),
    expect: "ok",
    check: () => expect(lexists(at("sent", A, `${"e".repeat(40)}.json`))).toBe(true),
  },
];

/** A planted registry record is skipped by list_project_sessions; the caller still lists itself. */
const records: Case[] = [
  ...(
    [
      ["a FIFO", (f: string, a: Arena) => a.plants.fifo(f), false],
      ["a unix socket", (f: string, a: Arena) => a.plants.socket(f), false],
      [
        "a symlink to a dead record outside",
        (f: string, a: Arena) => a.plants.symlink(f, a.outside.at("record.json")),
        false,
      ],
      ["a 2 MiB file", (f: string, a: Arena) => a.plants.file(f, Buffer.alloc(2 * 1024 * 1024, 0x20)), false],
      [
        "a dead server's record owned by another user",
        (f: string, a: Arena) => {
          a.plants.file(f, deadRecordJson(a.project, null, path.basename(f, ".json")));
          a.plants.foreign(f);
        },
        true,
      ],
    ] as const
  ).map(
    ([name, make, root]): Case => ({
      name: `${name} as a registry record: listed as nothing, never pruned, and start-up is not blocked`,
      root,
      plant: (a) => make(at("sessions", "3999998-1.json"), a),
      act: async (a) => {
        const out = await list(a);
        const started = await startC(a);
        expect(started).toMatchObject({ ok: true });
        return out;
      },
      expect: "ok",
      check: (out) => {
        expect(lexists(at("sessions", "3999998-1.json"))).toBe(true);
        expect((out.rows as { id?: string }[]).map((r) => r.id).sort()).toEqual(
          [A, B].map((s) => s.slice(0, 8)),
        );
      },
    }),
  ),
  {
    name: "a FIFO as C's identity drop: C's server starts and answers (detection skips it)",
    plant: (a) => a.plants.fifo(at("identity", `${C}.json`)),
    act: startC,
    expect: "ok",
  },
  {
    name: "a FIFO as B's wake lock: ask_peer delivers, its wake reports without hanging",
    plant: (a) => a.plants.fifo(at("wakes", `${B}.lock`)),
    act: (a) => a.call(a.a, "ask_peer", { target: B, body: "question", timeout_ms: 300 }),
    expect: "ok",
  },
  {
    name: "a symlink as B's wake lock, to a lock file outside: the outside file is not replaced",
    plant: (a) => a.plants.symlink(at("wakes", `${B}.lock`), a.outside.at("lock.json")),
    act: (a) => a.call(a.a, "ask_peer", { target: B, body: "question", timeout_ms: 300 }),
    expect: "ok",
  },
  {
    name: "a FIFO as B's sleeper lock: wake_status answers",
    plant: (a) => a.plants.fifo(at("sleepers", `${B}.json`)),
    act: (a) => a.call(a.a, "wake_status", { target: B }),
    expect: "ok",
  },
];

describe("planted entries", () => table([...entries, ...idempotency, ...records], () => arena));
