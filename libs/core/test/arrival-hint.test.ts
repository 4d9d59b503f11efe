import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  arrivalHintPath,
  clearArrivalHint,
  createFsMailboxStore,
  createMailbox,
  keepArrivalHints,
  readSessionTransport,
  sessionMailboxKey,
} from "../src/runtime.ts";
import { tempDir } from "./helpers.ts";

const ME = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa";
const KEY = sessionMailboxKey(ME);
const from = { session_id: null, instance_id: "1-1", client_type: null, display_name: "peer" };

const dirs: string[] = [];
const stops: (() => void)[] = [];
afterEach(() => {
  for (const stop of stops.splice(0)) stop();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

async function until<T>(what: string, check: () => T | false | null | undefined): Promise<T> {
  for (let i = 0; i < 500; i++) {
    const got = check();
    if (got) return got;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`gave up waiting for ${what}`);
}

/** A data directory whose mailbox `store` the server would hold, and the hint it keeps. */
function world() {
  const home = tempDir("oxtail-hints-");
  dirs.push(home);
  // The store stands in for a transport whose mail lives elsewhere: the hint is all others see.
  const store = createFsMailboxStore({ home });
  const mailbox = createMailbox({ store });
  const hint = arrivalHintPath(home, KEY);
  const keep = () => {
    const stop = keepArrivalHints({ home, store, key: () => KEY, session: () => ME, pollMs: 50 });
    stops.push(stop);
    return stop;
  };
  const send = (body: string) =>
    mailbox.send({
      from,
      fromMailbox: sessionMailboxKey("bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb"),
      to: KEY,
      toSessionId: ME,
      body,
    });
  return { home, mailbox, hint, keep, send };
}

describe("arrival hints (mail kept outside the data directory)", () => {
  it("are present while mail waits, private, and gone once it was taken or the keeper stops", async () => {
    const w = world();
    w.keep();
    await w.send("one");
    await until("the hint", () => fs.existsSync(w.hint));
    expect(fs.statSync(w.hint).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.dirname(w.hint)).mode & 0o777).toBe(0o700);
    const claim = await w.mailbox.claim(KEY);
    await claim.ack();
    await until("the hint to go", () => !fs.existsSync(w.hint));
    // A taker that cleared the hint too early is put right: mail that waits brings it back.
    await w.send("two");
    await until("the hint again", () => fs.existsSync(w.hint));
    clearArrivalHint(w.home, KEY);
    await until("the hint put back", () => fs.existsSync(w.hint));
    stops.pop()?.();
    expect(fs.existsSync(w.hint)).toBe(false);
  });

  it("are set for mail that waited before the keeper started", async () => {
    const w = world();
    await w.send("early");
    w.keep();
    await until("the hint", () => fs.existsSync(w.hint));
  });

  it("record the transport's variables for the session's hook program while the keeper runs", async () => {
    const w = world();
    const environment = { OXTAIL_TRANSPORT: "nats", OXTAIL_NATS_URL: "nats://127.0.0.1:4222" };
    const store = createFsMailboxStore({ home: w.home });
    let session: string | null = null;
    const stop = keepArrivalHints({
      home: w.home,
      store,
      key: () => KEY,
      session: () => session,
      environment,
      pollMs: 20,
    });
    stops.push(stop);
    expect(readSessionTransport(w.home, ME)).toBeNull();
    // Known once the server learns its session.
    session = ME;
    expect(await until("the record", () => readSessionTransport(w.home, ME.toUpperCase()))).toEqual(
      environment,
    );
    const file = path.join(w.home, "transports", `${ME}.json`);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    stops.pop()?.();
    expect(readSessionTransport(w.home, ME)).toBeNull();
    // What is not a record is never half-used: other names, other values, another shape, a bad id.
    fs.writeFileSync(file, JSON.stringify({ v: 1, env: { PATH: "/tmp/evil" } }), { mode: 0o600 });
    expect(readSessionTransport(w.home, ME)).toBeNull();
    fs.writeFileSync(file, JSON.stringify({ v: 1, env: { OXTAIL_NATS_URL: 7 } }), { mode: 0o600 });
    expect(readSessionTransport(w.home, ME)).toBeNull();
    fs.writeFileSync(file, "{not json", { mode: 0o600 });
    expect(readSessionTransport(w.home, ME)).toBeNull();
    expect(readSessionTransport(w.home, "../../etc/passwd")).toBeNull();
    // A folder swapped for a symlink is not read through.
    fs.writeFileSync(file, JSON.stringify({ v: 1, env: environment }), { mode: 0o600 });
    expect(readSessionTransport(w.home, ME)).toEqual(environment);
    const moved = path.join(w.home, "moved");
    fs.renameSync(path.dirname(file), moved);
    fs.symlinkSync(moved, path.join(w.home, "transports"));
    expect(() => readSessionTransport(w.home, ME)).not.toThrow();
    expect(readSessionTransport(w.home, ME)).toBeNull();
  });

  it("never remove through a folder swapped for a symlink", () => {
    const w = world();
    const elsewhere = tempDir("oxtail-elsewhere-");
    dirs.push(elsewhere);
    fs.writeFileSync(path.join(elsewhere, KEY), "keep me");
    fs.symlinkSync(elsewhere, path.join(w.home, "arrivals"));
    clearArrivalHint(w.home, KEY);
    expect(fs.readFileSync(path.join(elsewhere, KEY), "utf8")).toBe("keep me");
  });
});
