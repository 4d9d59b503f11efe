import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { processStartTime } from "../src/process/liveness.ts";
import { WAKE_LOCK_TTL_MS } from "../src/wake/lock.ts";
import { spawnChild } from "./children.ts";
import { tempDir } from "./helpers.ts";

const CONTENDERS = 6;
const ROUNDS = 45;

type Child = ReturnType<typeof spawnChild>;

/** Resolve with the next `count` stdout lines of `child` that start with `prefix`. */
function linesOf(children: Child[], prefix: string): Promise<string[]> {
  return Promise.all(
    children.map(
      (child) =>
        new Promise<string>((resolve, reject) => {
          const look = () => {
            const line = child
              .output()
              .split("\n")
              .find((l) => l.startsWith(prefix));
            if (line !== undefined) {
              child.stdout?.off("data", look);
              child.off("exit", gone);
              resolve(line);
            }
          };
          const gone = () => reject(new Error(`contender exited: ${child.output()}`));
          child.stdout?.on("data", look);
          child.once("exit", gone);
          look();
        }),
    ),
  );
}

function deadPid(): number {
  return spawnSync(process.execPath, ["-e", "0"]).pid as number;
}

describe("wake lock across processes", () => {
  it(`${CONTENDERS} processes contending over ${ROUNDS} rounds: exactly one holder each round`, async () => {
    const home = tempDir();
    const wakes = path.join(home, "wakes");
    fs.mkdirSync(wakes, { recursive: true, mode: 0o700 });
    const children = Array.from({ length: CONTENDERS }, () => spawnChild("lock-contender.ts", [home], true));
    try {
      await linesOf(children, "ready");
      const holders: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const key = `peer-${round}`;
        // A third of the rounds start free, a third with a dead holder's lock, a third with a
        // live holder's lock older than the TTL: every contender may create or take it over.
        const stale =
          round % 3 === 1
            ? { pid: deadPid(), start_time: "1", at: Date.now() }
            : round % 3 === 2
              ? {
                  pid: process.pid,
                  start_time: processStartTime(process.pid),
                  at: Date.now() - WAKE_LOCK_TTL_MS - 1,
                }
              : null;
        if (stale) fs.writeFileSync(path.join(wakes, `${key}.lock`), JSON.stringify(stale), { mode: 0o600 });
        const at = Date.now() + 150;
        for (const child of children) child.stdin?.write(`${key} ${at}\n`);
        const outcomes = await linesOf(children, `${key} `);
        expect(outcomes.filter((o) => o.includes(" error"))).toEqual([]);
        holders.push(outcomes.filter((o) => o.endsWith(" won")).length);
      }
      expect(holders).toEqual(Array(ROUNDS).fill(1));
    } finally {
      for (const child of children) child.stdin?.end();
      await Promise.all(children.map((child) => child.done));
    }
    // Every holder released at exit; nothing else was left behind (no scratch file, no token).
    expect(fs.readdirSync(wakes)).toEqual([]);
  });
});
