// Liveness is exact (SPEC §9): a zombie is dead, and a record whose start time cannot be
// verified expires.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createMailbox } from "../src/mailbox/mailbox.ts";
import { createFsMailboxStore } from "../src/mailbox/store-fs.ts";
import { sessionMailboxKey } from "../src/mailbox/types.ts";
import {
  isProcessAlive,
  isProcessTokenAlive,
  processStartTime,
  processToken,
} from "../src/process/liveness.ts";
import { createRegistry, isRecordAlive, UNVERIFIED_RECORD_TTL_MS } from "../src/registry/registry.ts";
import { createFsRegistryStore } from "../src/registry/store-fs.ts";
import { tempDir } from "./helpers.ts";
import { makeRecord } from "./records.ts";

const HAS_PERL = (() => {
  try {
    execFileSync("perl", ["-e", "1"]);
    return true;
  } catch {
    return false;
  }
})();

const parents: ChildProcess[] = [];
afterEach(async () => {
  for (const parent of parents.splice(0)) {
    // Closing its stdin makes the parent reap the zombie and exit: nothing is left behind.
    parent.stdin?.end();
    if (parent.exitCode === null) await new Promise((resolve) => parent.once("exit", resolve));
  }
});

/**
 * A real zombie: a perl parent forks a child that exits at once, and does not reap it until its
 * stdin closes. Resolves with the zombie's pid once /proc shows it in state Z.
 */
async function zombie(): Promise<number> {
  const parent = spawn(
    "perl",
    ["-e", 'my $pid = fork(); if (!$pid) { exit 0 } $| = 1; print "$pid\\n"; <STDIN>; waitpid($pid, 0);'],
    { stdio: ["pipe", "pipe", "inherit"] },
  );
  parents.push(parent);
  const pid = await new Promise<number>((resolve) =>
    parent.stdout?.once("data", (chunk) => resolve(Number(String(chunk).trim()))),
  );
  for (let i = 0; i < 500; i++) {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    if (stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z")) return pid;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`process ${pid} never became a zombie`);
}

describe("a zombie is dead", () => {
  it.runIf(HAS_PERL && process.platform === "linux")(
    "for pid checks, process tokens, registry records and mailbox claims",
    async () => {
      const pid = await zombie();
      const start = processStartTime(pid);
      expect(start).not.toBeNull();
      expect(isProcessAlive(pid)).toBe(false);
      expect(isProcessAlive(pid, start)).toBe(false);
      expect(isProcessTokenAlive(processToken(pid, start))).toBe(false);

      const home = tempDir();
      const registry = createRegistry({ store: createFsRegistryStore({ home }) });
      const record = makeRecord({ pid, start_time: start, instance_id: processToken(pid, start) });
      await registry.register(makeRecord({ start_time: processStartTime(process.pid) }));
      await createFsRegistryStore({ home }).put(record);
      const scan = await registry.scan();
      expect(scan.pruned).toBe(1);
      expect(scan.agents.map((a) => a.pid)).toEqual([process.pid]);

      // A claim held by a zombie reader goes back to new/ and is delivered.
      const inbox = sessionMailboxKey("dddddddd-dddd-4ddd-8ddd-dddddddddddd");
      const mailbox = createMailbox({ store: createFsMailboxStore({ home }) });
      const sent = await mailbox.send({
        from: { session_id: null, instance_id: "1-1", client_type: "claude", display_name: "x" },
        fromMailbox: "instance-1-1" as never,
        to: inbox,
        toSessionId: null,
        body: "claimed by a zombie",
      });
      const box = path.join(home, "mailboxes", inbox);
      fs.renameSync(
        path.join(box, "new", `${sent.id}.json`),
        path.join(box, "cur", `${sent.id}.json.${processToken(pid, start)}`),
      );
      const claim = await mailbox.claim(inbox);
      expect(claim.messages.map((m) => m.body)).toEqual(["claimed by a zombie"]);
      await claim.ack();
    },
  );
});

describe("a record whose start time is unknown", () => {
  const at = (ms: number) => new Date(ms).toISOString();

  it("counts as alive only while its pid runs and it was written within the TTL", () => {
    const now = Date.parse("2026-11-24T15:00:00.000Z");
    const unverified = (updated: number, pid = process.pid) =>
      makeRecord({ pid, start_time: null, updated_at: at(updated) });
    expect(isRecordAlive(unverified(now - 1000), now)).toBe(true);
    expect(isRecordAlive(unverified(now - UNVERIFIED_RECORD_TTL_MS - 1), now)).toBe(false);
    expect(isRecordAlive(unverified(now + 10 * UNVERIFIED_RECORD_TTL_MS), now)).toBe(false); // a future stamp
    expect(isRecordAlive(unverified(now - 1000, 999_999), now)).toBe(false);
    expect(isRecordAlive(makeRecord({ start_time: null, updated_at: "not a date" }), now)).toBe(false);
  });

  it("expires from the registry instead of being listed forever", async () => {
    const home = tempDir();
    const store = createFsRegistryStore({ home });
    const registry = createRegistry({ store });
    const fresh = makeRecord({ start_time: null, updated_at: at(Date.now()) });
    const stale = makeRecord({
      start_time: null,
      updated_at: at(Date.now() - UNVERIFIED_RECORD_TTL_MS - 5000),
    });
    await store.put(fresh);
    await store.put(stale);
    const scan = await registry.scan();
    expect(scan.agents).toEqual([fresh]);
    expect(scan.pruned).toBe(1);
  });
});
