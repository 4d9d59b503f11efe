import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createFsIdempotencyStore, IDEMPOTENCY_TTL_MS } from "../src/mailbox/idempotency.ts";
import type { MailboxKey } from "../src/mailbox/types.ts";
import { tempDir } from "./helpers.ts";

const SENDER = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa" as MailboxKey;

describe("idempotency keys", () => {
  it("runs an action once per key and scope; a retry gets the first result", async () => {
    const store = createFsIdempotencyStore({ home: tempDir() });
    let runs = 0;
    const act = async () => ({ n: ++runs });
    expect(await store.once(SENDER, "send", "k", act)).toEqual({ value: { n: 1 }, replayed: false });
    expect(await store.once(SENDER, "send", "k", act)).toEqual({ value: { n: 1 }, replayed: true });
    expect(await store.once(SENDER, "ask", "k", act)).toEqual({ value: { n: 2 }, replayed: false });
    expect(await store.once(SENDER, "send", "k2", act)).toEqual({ value: { n: 3 }, replayed: false });
    expect(runs).toBe(3);
  });

  it("concurrent calls with one key run the action once", async () => {
    const store = createFsIdempotencyStore({ home: tempDir() });
    let runs = 0;
    const act = async () => {
      runs += 1;
      await new Promise((r) => setTimeout(r, 100));
      return { n: runs };
    };
    const results = await Promise.all([1, 2, 3].map(() => store.once(SENDER, "send", "same", act)));
    expect(runs).toBe(1);
    expect(results.filter((r) => r.replayed)).toHaveLength(2);
  });

  it("a failed action leaves no record, so a retry runs it; an expired record runs it again", async () => {
    const home = tempDir();
    let now = Date.now();
    const store = createFsIdempotencyStore({ home, now: () => now });
    await expect(
      store.once(SENDER, "send", "k", async () => Promise.reject(new Error("boom"))),
    ).rejects.toThrow("boom");
    expect(await store.once(SENDER, "send", "k", async () => ({ ok: 1 }))).toMatchObject({ replayed: false });
    now += IDEMPOTENCY_TTL_MS + 1;
    expect(await store.once(SENDER, "send", "k", async () => ({ ok: 2 }))).toEqual({
      value: { ok: 2 },
      replayed: false,
    });
  });

  it("refuses empty or overlong keys, and keeps its files private", async () => {
    const home = tempDir();
    const store = createFsIdempotencyStore({ home });
    await expect(store.once(SENDER, "send", "", async () => 1)).rejects.toMatchObject({
      code: "invalid-input",
    });
    await expect(store.once(SENDER, "send", "x".repeat(201), async () => 1)).rejects.toMatchObject({
      code: "invalid-input",
    });
    await store.once(SENDER, "send", "k", async () => 1);
    const dir = path.join(home, "sent", SENDER);
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
    for (const name of fs.readdirSync(dir))
      expect(fs.statSync(path.join(dir, name)).mode & 0o777).toBe(0o600);
  });
});
