import { spawn } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { OxtailError } from "../src/errors.ts";
import { DEFAULT_LOOP_GUARD, type LoopGuardConfig, loopGuardConfig } from "../src/guard/config.ts";
import { createFsRateStore } from "../src/guard/rate.ts";
import { ensurePrivatePath } from "../src/home/home.ts";
import { writePrivateFileAtomic } from "../src/home/private-file.ts";
import { tempDir } from "./helpers.ts";

const A = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa";
const B = "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb";
const C = "cccccccc-cccc-4ccc-8ccc-cccccccccccc";
const CONFIG: LoopGuardConfig = {
  enabled: true,
  pair: { burst: 3, per_hour: 60 },
  project: { burst: 5, per_hour: 60 },
};

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

async function spendAll(store: ReturnType<typeof createFsRateStore>, from: string, to: string, n: number) {
  let sent = 0;
  for (let i = 0; i < n; i++) {
    try {
      await store.spend({ from, to, project: "/repo/.git" }, CONFIG);
      sent++;
    } catch (error) {
      return { sent, error: error as OxtailError };
    }
  }
  return { sent, error: null };
}

describe("rate budget", () => {
  it("lets a pair send its burst (both directions together), then refuses with retry_after_ms", async () => {
    const t = clock();
    const store = createFsRateStore({ home: tempDir(), now: t.now });
    await store.spend({ from: A, to: B, project: "p" }, CONFIG);
    await store.spend({ from: B, to: A, project: "p" }, CONFIG);
    await store.spend({ from: A, to: B, project: "p" }, CONFIG);
    const error = (await store
      .spend({ from: B, to: A, project: "p" }, CONFIG)
      .catch((e) => e)) as OxtailError;
    expect(error.code).toBe("rate-limited");
    expect(error.data).toEqual({ retry_after_ms: 60_000, scope: "pair" });
    // Refill: one message a minute.
    t.advance(60_000);
    await store.spend({ from: B, to: A, project: "p" }, CONFIG);
    await expect(store.spend({ from: B, to: A, project: "p" }, CONFIG)).rejects.toMatchObject({
      code: "rate-limited",
    });
  });

  it("budgets the project across pairs", async () => {
    const store = createFsRateStore({ home: tempDir(), now: clock().now });
    expect((await spendAll(store, A, B, 3)).sent).toBe(3);
    const second = await spendAll(store, B, C, 3);
    expect(second.sent).toBe(2);
    expect(second.error?.data).toMatchObject({ scope: "project" });
    // Another project is not touched.
    await store.spend({ from: A, to: C, project: "/other/.git" }, CONFIG);
  });

  it("a human turn at either agent refills the pair and the project", async () => {
    const t = clock();
    const store = createFsRateStore({ home: tempDir(), now: t.now });
    expect((await spendAll(store, A, B, 5)).sent).toBe(3);
    t.advance(10);
    await store.humanTurn(B);
    expect((await spendAll(store, A, B, 5)).sent).toBe(3);
    // The same human turn counts once.
    expect((await spendAll(store, B, A, 1)).sent).toBe(0);
  });

  it("disabled: never refuses", async () => {
    const store = createFsRateStore({ home: tempDir(), now: clock().now });
    for (let i = 0; i < 20; i++)
      await store.spend({ from: A, to: B, project: "p" }, { ...CONFIG, enabled: false });
  });

  it("holds across processes: concurrent spenders never exceed the burst", async () => {
    const home = tempDir();
    const script = `
      import { createFsRateStore } from ${JSON.stringify(path.resolve("libs/core/src/guard/rate.ts"))};
      const store = createFsRateStore({ home: ${JSON.stringify(home)}, now: () => 5_000_000 });
      let sent = 0;
      for (let i = 0; i < 10; i++) {
        try { await store.spend({ from: process.argv[1], to: process.argv[2], project: "p" }, ${JSON.stringify({ ...CONFIG, pair: { burst: 12, per_hour: 1 }, project: { burst: 100, per_hour: 1 } })}); sent++; } catch {}
      }
      process.stdout.write(String(sent));
    `;
    const run = (from: string, to: string) =>
      new Promise<number>((resolve, reject) => {
        const child = spawn(
          process.execPath,
          ["--import", "tsx", "--input-type=module", "-e", script, from, to],
          {
            stdio: ["ignore", "pipe", "inherit"],
          },
        );
        let out = "";
        child.stdout.on("data", (d) => (out += d));
        child.on("error", reject);
        child.on("exit", () => resolve(Number(out)));
      });
    const counts = await Promise.all([run(A, B), run(B, A), run(A, B)]);
    expect(counts.reduce((x, y) => x + y, 0)).toBe(12);
  });
});

describe("loop guard configuration", () => {
  it("defaults, then config.json, then the environment", () => {
    const home = tempDir();
    expect(loopGuardConfig(home, {})).toEqual(DEFAULT_LOOP_GUARD);
    ensurePrivatePath(home, home);
    writePrivateFileAtomic(
      path.join(home, "config.json"),
      JSON.stringify({ loop_guard: { pair: { burst: 50 }, project: { per_hour: 100, burst: -1 } } }),
    );
    expect(loopGuardConfig(home, {})).toEqual({
      enabled: true,
      pair: { burst: 50, per_hour: DEFAULT_LOOP_GUARD.pair.per_hour },
      project: { burst: DEFAULT_LOOP_GUARD.project.burst, per_hour: 100 },
    });
    expect(
      loopGuardConfig(home, {
        OXTAIL_RATE_PAIR_BURST: "7",
        OXTAIL_RATE_PROJECT_PER_HOUR: "x",
        OXTAIL_LOOP_GUARD: "off",
      }),
    ).toMatchObject({ enabled: false, pair: { burst: 7 }, project: { per_hour: 100 } });
  });
});
