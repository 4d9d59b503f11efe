import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createFsMailboxStore, createMailbox, NULL_TRACER, sessionMailboxKey } from "@oxtail/core";
import { afterEach, describe, expect, it } from "vitest";
import { takeMail } from "../src/handle.ts";
import { sleepUntilMail, takeMailForWake } from "../src/sleeper.ts";

const ME = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa";
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
function home(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-sleeper-"));
  dirs.push(d);
  return d;
}
async function mail(h: string) {
  const mailbox = createMailbox({ store: createFsMailboxStore({ home: h }) });
  const from = { session_id: null, instance_id: "1-1", client_type: "codex", display_name: "p" };
  await mailbox.send({
    from,
    fromMailbox: "instance-1-1" as never,
    to: sessionMailboxKey(ME),
    toSessionId: ME,
    body: "hi",
  });
}

describe("the asyncRewake sleeper", () => {
  it("waits until mail arrives, then reports woke (the hook exits 2), and leaves the mail in place", async () => {
    const h = home();
    const sleeping = sleepUntilMail({ sessionId: ME, home: h, claudeDir: h, tracer: NULL_TRACER });
    await new Promise((r) => setTimeout(r, 100));
    expect(fs.existsSync(path.join(h, "sleepers", `${ME}.json`))).toBe(true);
    await mail(h);
    expect(await sleeping).toBe("woke");
    expect(fs.existsSync(path.join(h, "sleepers", `${ME}.json`))).toBe(false);
    expect(
      await createMailbox({ store: createFsMailboxStore({ home: h }) }).hasPending(sessionMailboxKey(ME)),
    ).toBe(true);
  });

  it("gives up after its lifetime, and refuses a session id that is not one", async () => {
    const h = home();
    expect(
      await sleepUntilMail({ sessionId: ME, home: h, claudeDir: h, tracer: NULL_TRACER, lifetimeMs: 50 }),
    ).toBe("expired");
    expect(await sleepUntilMail({ sessionId: "../../x", home: h, claudeDir: h, tracer: NULL_TRACER })).toBe(
      "invalid",
    );
  });

  it("takes over a stale lock left by a dead sleeper", async () => {
    const h = home();
    fs.mkdirSync(path.join(h, "sleepers"), { recursive: true, mode: 0o700 });
    fs.writeFileSync(
      path.join(h, "sleepers", `${ME}.json`),
      JSON.stringify({ pid: 999_999, start_time: "1" }),
    );
    await mail(h);
    expect(await sleepUntilMail({ sessionId: ME, home: h, claudeDir: h, tracer: NULL_TRACER })).toBe("woke");
  });

  it("when another reader takes the mail first, it sleeps on and wakes with the next message", async () => {
    const h = home();
    const mailbox = createMailbox({ store: createFsMailboxStore({ home: h }) });
    let takes = 0;
    const waking = takeMailForWake(
      { sessionId: ME, home: h, claudeDir: h, tracer: NULL_TRACER },
      async (s) => {
        takes++;
        if (takes === 1) {
          // Another reader (say, a PreToolUse hook) drains the mailbox before the sleeper can.
          await (await mailbox.drain(sessionMailboxKey(s))).ack();
          return null;
        }
        return takeMail({ home: h, tracer: NULL_TRACER }, s);
      },
    );
    await mail(h);
    await new Promise((r) => setTimeout(r, 300));
    expect(takes).toBe(1);
    expect(fs.existsSync(path.join(h, "sleepers", `${ME}.json`))).toBe(true); // asleep again
    await mail(h);
    const { outcome, mail: woke } = await waking;
    expect(outcome).toBe("woke");
    expect(takes).toBe(2);
    expect(woke?.text).toContain("hi");
    await woke?.delivered();
    expect(await mailbox.hasPending(sessionMailboxKey(ME))).toBe(false);
  });
});
