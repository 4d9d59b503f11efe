import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createMailbox } from "../src/mailbox/mailbox.ts";
import { createFsMailboxStore } from "../src/mailbox/store-fs.ts";
import { type MailboxKey, type Message, sessionMailboxKey } from "../src/mailbox/types.ts";
import { spawnChild } from "./children.ts";
import { tempDir } from "./helpers.ts";

const ALICE = sessionMailboxKey("aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa");
const BOB = sessionMailboxKey("bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb");
const CHILDREN = path.join(import.meta.dirname, "fixtures", "children");

function setup() {
  const home = tempDir();
  const mailbox = createMailbox({ store: createFsMailboxStore({ home }) });
  const send = (body: string, to: MailboxKey = BOB) =>
    mailbox.send({
      from: { session_id: ALICE, instance_id: "1-1", client_type: "claude", display_name: "alice" },
      fromMailbox: ALICE,
      to,
      toSessionId: to,
      body,
    });
  const box = (key: MailboxKey = BOB) => path.join(home, "mailboxes", key);
  const files = (sub: string, key: MailboxKey = BOB) =>
    fs.existsSync(path.join(box(key), sub)) ? fs.readdirSync(path.join(box(key), sub)).sort() : [];
  return { home, mailbox, send, box, files };
}

const bodies = (messages: readonly Message[]) => messages.map((m) => m.body);
const untilOutput = async (child: { output: () => string }, text: string) => {
  while (!child.output().includes(text)) await new Promise((r) => setTimeout(r, 10));
};

describe("bounded claims", () => {
  it("take at most maxMessages, oldest first, and say how many remain", async () => {
    const { mailbox, send } = setup();
    for (let i = 0; i < 5; i++) await send(`m${i}`);
    const first = await mailbox.claim(BOB, { maxMessages: 2 });
    expect(bodies(first.messages)).toEqual(["m0", "m1"]);
    expect(first.remaining).toBe(3);
    await first.ack();
    const second = await mailbox.claim(BOB, { maxMessages: 2 });
    expect(bodies(second.messages)).toEqual(["m2", "m3"]);
    expect(second.remaining).toBe(1);
    await second.ack();
    const last = await mailbox.claim(BOB, { maxMessages: 2 });
    expect([bodies(last.messages), last.remaining]).toEqual([["m4"], 0]);
    await last.ack();
    expect((await mailbox.claim(BOB)).messages).toEqual([]);
  });

  it("stay within maxBytes (each message counted as its JSON), but always move one message", async () => {
    const { mailbox, send } = setup();
    for (let i = 0; i < 4; i++) await send(`${i}:${"x".repeat(1000)}`);
    const one = JSON.stringify((await mailbox.peek(BOB))[0]).length;
    const claim = await mailbox.claim(BOB, { maxBytes: one * 2 + 10 });
    expect(claim.messages).toHaveLength(2);
    expect(claim.entries.map((e) => e.bytes)).toEqual([one, one]);
    expect(claim.remaining).toBe(2);
    await claim.ack();
    const big = await mailbox.claim(BOB, { maxBytes: 1 });
    expect(bodies(big.messages)).toEqual([`2:${"x".repeat(1000)}`]);
    expect(big.remaining).toBe(1);
  });

  it("acknowledge or release part of a claim; each message is settled once", async () => {
    const { mailbox, send, files } = setup();
    for (const body of ["a", "b", "c"]) await send(body);
    const claim = await mailbox.claim(BOB);
    const [a, b, c] = claim.messages.map((m) => m.id) as [string, string, string];
    await claim.release([c]);
    await claim.ack([a]);
    await claim.release(); // only b is left to settle
    await claim.ack(); // nothing left: a no-op
    expect(files("cur")).toEqual([]);
    expect(files("new")).toEqual([`${b}.json`, `${c}.json`]);
  });

  it("refuse limits that would claim nothing", async () => {
    const { mailbox } = setup();
    for (const limits of [
      { maxMessages: 0 },
      { maxMessages: 1.5 },
      { maxBytes: 0 },
      { maxBytes: Number.NaN },
    ]) {
      await expect(mailbox.claim(BOB, limits)).rejects.toMatchObject({ code: "invalid-input" });
    }
  });
});

describe("redelivery marks", () => {
  it("a claim recovered from a killed reader comes back marked redelivered; the mark goes at ack", async () => {
    const { home, mailbox, send, files } = setup();
    for (const body of ["first", "second", "third"]) await send(body);
    const holder = spawnChild("reader.ts", [
      home,
      BOB,
      path.join(home, "log"),
      path.join(home, "stop"),
      "hang-after-claim",
      "2",
    ]);
    await untilOutput(holder, "claimed 2");
    holder.kill("SIGKILL");
    await holder.done;
    const claim = await mailbox.claim(BOB);
    expect(claim.entries.map((e) => [e.message.body, e.redelivered])).toEqual([
      ["first", true],
      ["second", true],
      ["third", false],
    ]);
    // The mark is a file per message id, outside the stored message.
    expect(files("redelivered")).toEqual(claim.messages.slice(0, 2).map((m) => m.id));
    expect(
      JSON.parse(
        fs.readFileSync(
          path.join(home, "mailboxes", BOB, "new", "..", "redelivered", claim.messages[0]?.id as string),
          "utf8",
        ),
      ),
    ).toMatchObject({ v: 1, claimer: expect.stringMatching(/^\d+-/) });
    await claim.release();
    const again = await mailbox.take(BOB, (m) => m.body === "second");
    expect(again?.entries[0]?.redelivered).toBe(true); // released is not delivered: the mark stays
    await again?.ack();
    expect(files("redelivered")).toHaveLength(1);
    const rest = await mailbox.claim(BOB);
    await rest.ack();
    expect([files("new"), files("cur"), files("redelivered")]).toEqual([[], [], []]);
  });

  it("a released claim is not marked, and a merge carries the marks along", async () => {
    const { home, mailbox, send, files } = setup();
    const instance = "instance-4242-1" as MailboxKey;
    await send("early", instance);
    const released = await mailbox.claim(instance);
    await released.release();
    expect(files("redelivered", instance)).toEqual([]);
    const holder = spawnChild("reader.ts", [
      home,
      instance,
      path.join(home, "log"),
      path.join(home, "stop"),
      "hang-after-claim",
    ]);
    await untilOutput(holder, "claimed 1");
    holder.kill("SIGKILL");
    await holder.done;
    expect(await mailbox.merge(instance, BOB)).toBe(1);
    const claim = await mailbox.claim(BOB);
    expect(claim.entries.map((e) => [e.message.body, e.redelivered])).toEqual([["early", true]]);
    expect(files("redelivered", instance)).toEqual([]);
  });

  it("a claim held by a zombie (killed, never reaped) counts as dead", async () => {
    const { home, mailbox, send } = setup();
    await send("held by a zombie");
    // The reader runs under a parent that never reaps: `sh` execs into `sleep` after starting it.
    const reader = [
      process.execPath,
      "--conditions=@oxtail/source",
      "--import",
      "tsx",
      path.join(CHILDREN, "reader.ts"),
      home,
      BOB,
      path.join(home, "log"),
      path.join(home, "stop"),
      "hang-after-claim",
    ];
    const parent = spawn("sh", ["-c", '"$@" & echo "pid $!"; exec sleep 600', "sh", ...reader], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    parent.stdout.on("data", (d) => (out += d));
    try {
      await untilOutput({ output: () => out }, "claimed 1");
      const pid = Number(/pid (\d+)/.exec(out)?.[1]);
      process.kill(pid, "SIGKILL");
      const state = () => {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
        return stat.charAt(stat.lastIndexOf(")") + 2);
      };
      while (state() !== "Z") await new Promise((r) => setTimeout(r, 10));
      const claim = await mailbox.claim(BOB);
      expect(claim.entries.map((e) => [e.message.body, e.redelivered])).toEqual([["held by a zombie", true]]);
      expect(state()).toBe("Z"); // still unreaped: it was recognised as dead, not waited out
    } finally {
      parent.kill("SIGKILL");
      await new Promise((r) => parent.once("exit", r));
    }
  });
});
