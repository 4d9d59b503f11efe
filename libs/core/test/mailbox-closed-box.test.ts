// Mailboxes in a closed box (SPEC §9): every folder level (`mailboxes/`, `<key>/`, `tmp/`, `new/`,
// `cur/`, `bad/`) is checked on reads as well as writes, and planted entries are skipped and
// traced, never opened blocking, moved or deleted. Nothing outside the data directory changes.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createMailbox } from "../src/mailbox/mailbox.ts";
import { createFsMailboxStore } from "../src/mailbox/store-fs.ts";
import { type MailboxKey, sessionMailboxKey } from "../src/mailbox/types.ts";
import { createTracer } from "../src/trace/trace.ts";
import { CAN_CHOWN, modeOf, tempDir } from "./helpers.ts";
import { chownForeign, guardFifos, listenSocket, mkfifo, snapshot } from "./planted.ts";

const ALICE = sessionMailboxKey("aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa");
const BOB = sessionMailboxKey("bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb");
const CAROL = sessionMailboxKey("cccccccc-cccc-4ccc-8ccc-cccccccccccc");
/** A message id older than any sent in the test, so it would be delivered first. */
const OLD_ID = "000000000001-00000000-00000001";
const DEAD_TOKEN = "999999-1";

function setup(home = tempDir()) {
  const traceFile = path.join(tempDir(), "trace.ndjson");
  const store = createFsMailboxStore({ home, tracer: createTracer(traceFile) });
  const mailbox = createMailbox({ store });
  const send = (to: MailboxKey, body: string) =>
    mailbox.send({
      from: { session_id: ALICE, instance_id: "1-1", client_type: "claude", display_name: "alice" },
      fromMailbox: ALICE,
      to,
      toSessionId: to,
      body,
    });
  const box = (key: MailboxKey, ...sub: string[]) => path.join(home, "mailboxes", key, ...sub);
  const traced = (kind: string) =>
    (fs.existsSync(traceFile) ? fs.readFileSync(traceFile, "utf8").trim().split("\n") : [])
      .filter(Boolean)
      .map((line) => JSON.parse(line))
      .filter((t) => t.kind === kind);
  const drainBodies = async (key: MailboxKey) => {
    const claim = await mailbox.claim(key);
    await claim.ack();
    return claim.messages.map((m) => m.body);
  };
  return { home, store, mailbox, send, box, traced, drainBodies };
}

/** Another data directory whose BOB mailbox has a waiting message, a dead reader's claim and a dead writer's temp file. */
async function outsideHome(): Promise<string> {
  const other = setup(tempDir("oxtail-outside-"));
  await other.send(BOB, "outside, waiting");
  const claimed = await other.send(BOB, "outside, claimed by a dead reader");
  fs.renameSync(
    other.box(BOB, "new", `${claimed.id}.json`),
    other.box(BOB, "cur", `${claimed.id}.json.${DEAD_TOKEN}`),
  );
  fs.writeFileSync(other.box(BOB, "tmp", `${OLD_ID}.${DEAD_TOKEN}.tmp`), "{ partial", { mode: 0o600 });
  return other.home;
}

const LEVELS: Record<string, string[]> = {
  "mailboxes/": ["mailboxes"],
  "<key>/": ["mailboxes", BOB],
  "<key>/tmp/": ["mailboxes", BOB, "tmp"],
  "<key>/new/": ["mailboxes", BOB, "new"],
  "<key>/cur/": ["mailboxes", BOB, "cur"],
};

describe("mailbox folders in a closed box", () => {
  it.each(Object.keys(LEVELS))(
    "refuses a symlinked %s on every path and touches nothing outside",
    async (level) => {
      const { home, mailbox, store, send, traced, drainBodies } = setup();
      await send(BOB, "inside");
      const outside = await outsideHome();
      const before = snapshot(outside);
      const parts = LEVELS[level] as string[];
      fs.rmSync(path.join(home, ...parts), { recursive: true });
      fs.symlinkSync(path.join(outside, ...parts), path.join(home, ...parts));
      for (const use of [
        () => mailbox.claim(BOB),
        () => mailbox.hasPending(BOB),
        () => store.peek(BOB),
        () => mailbox.take(BOB, () => true),
        () => send(BOB, "more"),
      ]) {
        await expect(use()).rejects.toMatchObject({ code: "unsafe-path" });
      }
      expect(snapshot(outside)).toEqual(before);
      expect(traced("home.unsafe")[0]).toMatchObject({ reason: "is a symbolic link" });
      if (level !== "mailboxes/") {
        // The rest keeps working.
        await send(CAROL, "for carol");
        expect(await drainBodies(CAROL)).toEqual(["for carol"]);
      }
    },
  );

  it("never moves a quarantined file out through a symlinked bad/", async () => {
    const { send, box, drainBodies } = setup();
    await send(BOB, "good");
    const outside = tempDir("oxtail-outside-");
    fs.symlinkSync(outside, box(BOB, "bad"));
    fs.writeFileSync(box(BOB, "new", `${OLD_ID}.json`), "{ not json", { mode: 0o600 });
    expect(await drainBodies(BOB)).toEqual(["good"]);
    expect(fs.readdirSync(outside)).toEqual([]);
  });

  it("tightens every loose level (0777) on a read", async () => {
    const { home, mailbox, send, box } = setup();
    await send(BOB, "x");
    const levels = [
      home,
      path.join(home, "mailboxes"),
      box(BOB),
      box(BOB, "tmp"),
      box(BOB, "new"),
      box(BOB, "cur"),
    ];
    for (const dir of levels) fs.chmodSync(dir, 0o777);
    await mailbox.hasPending(BOB);
    for (const dir of levels) expect(modeOf(dir), dir).toBe(0o700);
  });

  it.runIf(CAN_CHOWN)("refuses a level owned by another user instead of reading through it", async () => {
    for (const sub of [[], ["new"], ["cur"], ["tmp"]]) {
      const { mailbox, send, box, drainBodies } = setup();
      await send(BOB, "for bob");
      chownForeign(box(BOB, ...sub));
      await expect(mailbox.claim(BOB), sub.join("/")).rejects.toMatchObject({ code: "unsafe-path" });
      await send(CAROL, "for carol");
      expect(await drainBodies(CAROL)).toEqual(["for carol"]);
    }
  });
});

describe("planted entries in a mailbox", () => {
  it("skips a FIFO, a socket and a symlink posing as waiting messages, promptly, and leaves them", async () => {
    const { home, mailbox, store, send, box, traced, drainBodies } = setup();
    await send(BOB, "good");
    const outsideMessage = path.join(tempDir("oxtail-outside-"), "m.json");
    fs.copyFileSync(box(BOB, "new", fs.readdirSync(box(BOB, "new"))[0] as string), outsideMessage);
    const fifo = box(BOB, "new", `${OLD_ID}.json`);
    mkfifo(fifo);
    await listenSocket(box(BOB, "new", "000000000001-00000000-00000002.json"));
    fs.symlinkSync(outsideMessage, box(BOB, "new", "000000000001-00000000-00000003.json"));
    const guard = guardFifos(home);
    for (let i = 0; i < 3; i++) expect(await mailbox.hasPending(BOB)).toBe(true);
    expect((await store.peek(BOB)).map((m) => m.body)).toEqual(["good"]);
    expect(await drainBodies(BOB)).toEqual(["good"]);
    expect(await mailbox.hasPending(BOB)).toBe(false);
    expect(await guard.stop()).toEqual([]);
    expect(fs.readdirSync(box(BOB, "new")).sort()).toEqual([
      `${OLD_ID}.json`,
      "000000000001-00000000-00000002.json",
      "000000000001-00000000-00000003.json",
    ]);
    expect(fs.readdirSync(box(BOB, "cur"))).toEqual([]);
    expect(fs.existsSync(box(BOB, "bad"))).toBe(false);
    expect(fs.existsSync(outsideMessage)).toBe(true);
    // Reported once each, however often the mailbox is looked at.
    expect(
      traced("home.unsafe")
        .map((t) => t.reason)
        .sort(),
    ).toEqual(["is a FIFO", "is a socket", "is a symbolic link"]);
  });

  it("leaves a FIFO posing as a dead reader's claim or a dead writer's temp file", async () => {
    const { home, send, box, drainBodies } = setup();
    await send(BOB, "good");
    const claim = box(BOB, "cur", `${OLD_ID}.json.${DEAD_TOKEN}`);
    const temp = box(BOB, "tmp", `${OLD_ID}.${DEAD_TOKEN}.tmp`);
    mkfifo(claim);
    mkfifo(temp);
    const guard = guardFifos(home);
    expect(await drainBodies(BOB)).toEqual(["good"]);
    expect(await guard.stop()).toEqual([]);
    expect(fs.lstatSync(claim).isFIFO()).toBe(true);
    expect(fs.lstatSync(temp).isFIFO()).toBe(true);
    expect(fs.readdirSync(box(BOB, "new"))).toEqual([]);
  });

  it("quarantines an oversized message file and delivers the rest", async () => {
    const { send, box, drainBodies } = setup();
    await send(BOB, "good");
    fs.writeFileSync(box(BOB, "new", `${OLD_ID}.json`), " ".repeat(2 * 1024 * 1024), { mode: 0o600 });
    expect(await drainBodies(BOB)).toEqual(["good"]);
    expect(fs.readdirSync(box(BOB, "bad"))).toEqual([expect.stringMatching(new RegExp(`^${OLD_ID}\\.json`))]);
  });

  it.runIf(CAN_CHOWN)("skips a message file owned by another user without moving it to bad/", async () => {
    const { send, box, store } = setup();
    await send(BOB, "good");
    const foreign = await send(BOB, "foreign");
    chownForeign(box(BOB, "new", `${foreign.id}.json`));
    expect((await store.peek(BOB)).map((m) => m.body)).toEqual(["good"]);
    expect(fs.existsSync(box(BOB, "new", `${foreign.id}.json`))).toBe(true);
    expect(fs.existsSync(box(BOB, "bad"))).toBe(false);
  });
});
