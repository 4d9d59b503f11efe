import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createMailbox } from "../src/mailbox/mailbox.ts";
import { createFsMailboxStore } from "../src/mailbox/store-fs.ts";
import { sessionMailboxKey } from "../src/mailbox/types.ts";
import { spawnChild } from "./children.ts";
import { tempDir } from "./helpers.ts";

// The 16 × 1000 run, with random SIGKILLs of senders and readers, is `npm run bench -- chaos`.
const SENDERS = 8;
const PER_SENDER = 250;
const INBOX = sessionMailboxKey("dddddddd-dddd-4ddd-8ddd-dddddddddddd");

type Child = ReturnType<typeof spawnChild>;

function readLines(file: string): string[] {
  return fs.existsSync(file) ? fs.readFileSync(file, "utf8").split("\n").filter(Boolean) : [];
}

/**
 * Check the model log against what the senders logged as sent: every sent message
 * delivered (0 lost), no id shown twice (0 duplicated), and each sender's seqs in order.
 */
function verify(home: string, modelLog: string, senders = SENDERS) {
  const delivered = readLines(modelLog).map((line) => {
    const [id, body] = line.split(" ") as [string, string];
    const [sender, seq] = body.split(":").map(Number) as [number, number];
    return { id, sender, seq };
  });
  const ids = new Set(delivered.map((d) => d.id));
  let lost = 0;
  let outOfOrder = 0;
  for (let s = 0; s < senders; s++) {
    const sent = new Set(readLines(path.join(home, `sent-${s}.log`)).map(Number));
    const seqs = delivered.filter((d) => d.sender === s).map((d) => d.seq);
    const got = new Set(seqs);
    for (const seq of sent) if (!got.has(seq)) lost += 1;
    for (let i = 1; i < seqs.length; i++) if ((seqs[i] as number) < (seqs[i - 1] as number)) outOfOrder += 1;
  }
  return { delivered: delivered.length, duplicated: delivered.length - ids.size, lost, outOfOrder };
}

function startSender(home: string, index: number, first: number, count: number): Child {
  return spawnChild("sender.ts", [
    home,
    INBOX,
    String(index),
    String(first),
    String(count),
    path.join(home, `sent-${index}.log`),
  ]);
}

function startReader(
  home: string,
  modelLog: string,
  stopFile: string,
  mode = "",
  maxMessages?: string,
): Child {
  return spawnChild("reader.ts", [
    home,
    INBOX,
    modelLog,
    stopFile,
    mode,
    ...(maxMessages ? [maxMessages] : []),
  ]);
}

describe("mailbox across processes", () => {
  it(`${SENDERS} senders × ${PER_SENDER} messages while a reader drains: 0 lost, 0 duplicated, order kept`, async () => {
    const home = tempDir();
    const modelLog = path.join(home, "model.log");
    const stopFile = path.join(home, "stop");
    const reader = startReader(home, modelLog, stopFile);
    const senders = Array.from({ length: SENDERS }, (_, i) => startSender(home, i, 0, PER_SENDER));
    const codes = await Promise.all(senders.map((s) => s.done));
    expect(codes, senders.map((s) => s.output()).join("\n")).toEqual(Array(SENDERS).fill(0));
    fs.writeFileSync(stopFile, "");
    expect(await reader.done, reader.output()).toBe(0);
    const result = verify(home, modelLog);
    console.log(`[multiprocess] ${JSON.stringify(result)}`);
    expect(result).toEqual({ delivered: SENDERS * PER_SENDER, duplicated: 0, lost: 0, outOfOrder: 0 });
  });

  it("a reader killed again and again mid-batch still makes progress: bounded claims, redelivered ones flagged", async () => {
    const home = tempDir();
    const modelLog = path.join(home, "model.log");
    const stopFile = path.join(home, "stop");
    const sender = startSender(home, 0, 0, 100);
    expect(await sender.done).toBe(0);
    const box = path.join(home, "mailboxes", INBOX);
    const unsettled = () =>
      fs.readdirSync(path.join(box, "new")).length + fs.readdirSync(path.join(box, "cur")).length;
    // Each reader delivers and acknowledges 2 batches of 10, delivers a third, and is killed before its ack.
    let before = unsettled();
    for (let run = 0; run < 4; run++) {
      const crashing = startReader(home, modelLog, stopFile, "crash-after-batches:2", "10");
      await crashing.done;
      expect(crashing.signalCode).toBe("SIGKILL");
      const after = unsettled();
      expect(after, `run ${run}`).toBeLessThan(before);
      before = after;
    }
    fs.writeFileSync(stopFile, "");
    const reader = startReader(home, modelLog, stopFile, undefined, "10");
    expect(await reader.done, reader.output()).toBe(0);
    // Every batch a killed reader had delivered came back once, marked as redelivered.
    expect(reader.output()).toContain("redelivered 10 flagged 10");
    expect(verify(home, modelLog, 1)).toEqual({ delivered: 100, duplicated: 0, lost: 0, outOfOrder: 0 });
    expect(unsettled()).toBe(0);
  });

  it("a claim left by a killed reader goes back to the mailbox, and a waiter gets it", async () => {
    const home = tempDir();
    const mailbox = createMailbox({ store: createFsMailboxStore({ home, pollMs: 200 }) });
    const from = { session_id: null, instance_id: "1-1", client_type: "test", display_name: "t" };
    for (const body of ["first", "second"]) {
      await mailbox.send({ from, fromMailbox: "instance-1-1" as never, to: INBOX, toSessionId: null, body });
    }
    const hanging = startReader(home, path.join(home, "m.log"), path.join(home, "stop"), "hang-after-claim");
    await new Promise<void>((resolve) => {
      const tick = setInterval(() => {
        if (hanging.output().includes("claimed")) {
          clearInterval(tick);
          resolve();
        }
      }, 10);
    });
    expect(hanging.output()).toContain("claimed 2");
    // While the claimer lives, its claim is respected.
    expect(await mailbox.peek(INBOX)).toEqual([]);
    const waiting = mailbox.waitFor(INBOX, (m) => m.body === "second", { timeoutMs: 20_000 });
    hanging.kill("SIGKILL");
    await hanging.done;
    const claim = await waiting;
    expect(claim?.messages.map((m) => m.body)).toEqual(["second"]);
    await claim?.ack();
    expect((await mailbox.claim(INBOX)).messages.map((m) => m.body)).toEqual(["first"]);
  });

  it("a reader killed after delivering but before acknowledging: redelivered, recognised by id, shown once", async () => {
    const home = tempDir();
    const modelLog = path.join(home, "model.log");
    const stopFile = path.join(home, "stop");
    const sender = startSender(home, 0, 0, 50);
    expect(await sender.done).toBe(0);
    const crashing = startReader(home, modelLog, stopFile, "crash-before-ack");
    await crashing.done;
    expect(crashing.signalCode).toBe("SIGKILL");
    expect(readLines(modelLog)).toHaveLength(50);
    fs.writeFileSync(stopFile, "");
    const reader = startReader(home, modelLog, stopFile);
    expect(await reader.done, reader.output()).toBe(0);
    expect(reader.output()).toContain("redelivered 50 flagged 50");
    expect(verify(home, modelLog)).toEqual({ delivered: 50, duplicated: 0, lost: 0, outOfOrder: 0 });
  });
});
