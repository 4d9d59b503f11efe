import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { assertNoAskCycle, findAskCycle, findLateAsk } from "../src/asks/chain.ts";
import { createFsAskStore } from "../src/asks/store-fs.ts";
import { ASK_KEPT_MS, type PendingAsk } from "../src/asks/types.ts";
import { isOxtailError } from "../src/errors.ts";
import { createMessageId } from "../src/ids.ts";
import { modeOf, tempDir } from "./helpers.ts";

const A = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa";
const B = "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb";
const C = "cccccccc-cccc-4ccc-8ccc-cccccccccccc";
const party = (mailbox: string) => ({ mailbox, display_name: `agent ${mailbox.slice(0, 1)}` });

function ask(asker: string, target: string, extra: Partial<PendingAsk> = {}): PendingAsk {
  const now = Date.now();
  return {
    v: 1,
    question_id: createMessageId(now),
    asker: party(asker),
    target: party(target),
    created_at: now,
    deadline: now + 60_000,
    status: "waiting",
    updated_at: now,
    ...extra,
  };
}

describe("ask store (file system)", () => {
  it("keeps asks as private files, read back, listed and removed", async () => {
    const home = tempDir();
    const store = createFsAskStore({ home });
    const one = ask(A, B);
    await store.put(one);
    expect(await store.get(one.question_id)).toEqual(one);
    expect(await store.list()).toEqual([one]);
    expect(modeOf(path.join(home, "asks"))).toBe(0o700);
    expect(modeOf(path.join(home, "asks", `${one.question_id}.json`))).toBe(0o600);
    await store.put({ ...one, status: "timed-out" });
    expect((await store.get(one.question_id))?.status).toBe("timed-out");
    await store.remove(one.question_id);
    expect(await store.list()).toEqual([]);
  });

  it("skips hostile and malformed entries, never follows or deletes them", async () => {
    const home = tempDir();
    const store = createFsAskStore({ home });
    const good = ask(A, B);
    await store.put(good);
    const dir = path.join(home, "asks");
    const outside = path.join(tempDir(), "secret.json");
    fs.writeFileSync(outside, JSON.stringify(ask(B, C)));
    const planted = ask(C, A);
    fs.symlinkSync(outside, path.join(dir, `${planted.question_id}.json`));
    const fifo = ask(B, A);
    const { execFileSync } = await import("node:child_process");
    execFileSync("mkfifo", [path.join(dir, `${fifo.question_id}.json`)]);
    const garbage = ask(C, B);
    fs.writeFileSync(path.join(dir, `${garbage.question_id}.json`), "{not json", { mode: 0o600 });
    const renamed = ask(B, C);
    fs.writeFileSync(path.join(dir, `${createMessageId()}.json`), JSON.stringify(renamed), { mode: 0o600 });
    expect(await store.list()).toEqual([good]);
    expect(await store.get(planted.question_id)).toBeNull();
    expect(fs.lstatSync(path.join(dir, `${planted.question_id}.json`)).isSymbolicLink()).toBe(true);
    expect(fs.existsSync(outside)).toBe(true);
  });

  it("prunes records long past their deadline", async () => {
    const store = createFsAskStore({ home: tempDir() });
    const old = ask(A, B, { deadline: Date.now() - ASK_KEPT_MS - 1000 });
    await store.put(old);
    expect(await store.list()).toEqual([]);
    expect(await store.get(old.question_id)).toBeNull();
  });
});

describe("ask chain", () => {
  it("finds the cycle an ask would close, through every waiting link", () => {
    const now = Date.now();
    const asks = [ask(A, B), ask(B, C)];
    // C asking A: A waits for B, B waits for C.
    expect(findAskCycle(asks, party(C), party(A), now)?.map((l) => l.session_id)).toEqual([C, A, B, C]);
    // A asking C: C waits for nobody.
    expect(findAskCycle(asks, party(A), party(C), now)).toBeNull();
    // B asking A back: A waits for B.
    expect(findAskCycle(asks, party(B), party(A), now)?.map((l) => l.session_id)).toEqual([B, A, B]);
  });

  it("ignores asks that no longer wait (timed out, answered, or past their deadline)", () => {
    const now = Date.now();
    const asks = [
      ask(A, B, { status: "timed-out" }),
      ask(B, C, { deadline: now - 1 }),
      ask(C, A, { status: "answered" }),
    ];
    expect(findAskCycle(asks, party(B), party(A), now)).toBeNull();
    expect(findAskCycle(asks, party(C), party(B), now)).toBeNull();
    expect(findAskCycle(asks, party(A), party(C), now)).toBeNull();
  });

  it("refuses with ask-cycle and the chain", async () => {
    const store = createFsAskStore({ home: tempDir() });
    await store.put(ask(A, B));
    await store.put(ask(B, C));
    const error = await assertNoAskCycle(store, party(C), party(A)).catch((e) => e);
    expect(isOxtailError(error, "ask-cycle")).toBe(true);
    expect(error.data.chain).toEqual(
      [C, A, B, C].map((m) => ({ session_id: m, display_name: `agent ${m[0]}` })),
    );
    await expect(assertNoAskCycle(store, party(A), party(C))).resolves.toBeUndefined();
  });

  it("finds the timed-out ask a late reply answers, by reply_to first", () => {
    const now = Date.now();
    const older = ask(A, B, { status: "timed-out", created_at: now - 5000 });
    const newer = ask(A, B, { status: "timed-out", created_at: now - 1000 });
    const live = ask(C, B);
    const asks = [older, newer, live];
    const reply = (reply_to: string | null, to = A) => ({ from: B, to, reply_to, created_ms: now });
    expect(findLateAsk(asks, reply(older.question_id), now)).toBe(older);
    expect(findLateAsk(asks, reply(null), now)).toBe(newer);
    // C still waits for B: its reply is taken by the wait itself, not a late one.
    expect(findLateAsk(asks, reply(live.question_id, C), now)).toBeNull();
    // Past the deadline with nobody marking it (the asker's server went away): late too.
    const gone = ask(C, A, { deadline: now - 1, created_at: now - 100 });
    expect(findLateAsk([gone], { from: A, to: C, reply_to: null, created_ms: now }, now)).toBe(gone);
  });
});
