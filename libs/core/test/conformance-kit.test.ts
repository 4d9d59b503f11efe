// The conformance kit itself: a complete adapter passes it; a declared capability without its input,
// an input without its capability, and each kind of broken adapter fail it, with a test that says why.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it, test } from "vitest";
import { checkClientAdapter, defineClientAdapter, defineWakeStrategy } from "../src/adapter/define.ts";
import type { ClientAdapter, WakeStrategy } from "../src/adapter/types.ts";
import { type ConformanceOptions, runClientAdapterConformance } from "../src/testing/index.ts";
import jotter, { jotterWake } from "./fixtures/fake-adapter/index.ts";
import { makeRecord } from "./records.ts";

const SESSIONS = path.join(import.meta.dirname, "fixtures", "fake-adapter", "sessions");
const SESSION = "12345678-1234-4234-8234-123456789abc";
const TRANSCRIPT = path.join(SESSIONS, `${SESSION}.jsonl`);
const wakeDirs: string[] = [];
afterAll(() => {
  for (const dir of wakeDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

const context = (env: Record<string, string>, name: string | null) => ({
  env,
  clientInfo: name ? { name } : null,
  pid: process.pid,
  cwd: "/",
  startedAt: 0,
});

/** Everything the kit needs for the complete fake adapter. */
const FULL: ConformanceOptions = {
  detection: {
    matching: context({ JOTTER_SESSION_ID: SESSION }, "jotter"),
    notMatching: context({}, "another-client"),
    expectedSessionId: SESSION,
  },
  transcripts: [{ path: TRANSCRIPT, sessionId: SESSION, minTurns: 4 }],
  liveness: [
    { agent: makeRecord({ client: { type: "jotter", transcript_path: TRANSCRIPT } }), states: ["idle"] },
  ],
  hooks: {
    sessionId: SESSION,
    env: { JOTTER_SESSION_ID: SESSION },
    payloads: { prompt: { prompt: "hello" }, stop: {} },
  },
  onboarding: { homes: [{ ".jotter/config": "# mine\ntheme = dark\n" }] },
  wake: {
    strategies: {
      "jotter-file": {
        ready() {
          const dir = fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-jotter-"));
          wakeDirs.push(dir);
          const wake = path.join(dir, `${SESSION}.wake`);
          fs.writeFileSync(wake, "");
          const agent = makeRecord({
            client: {
              type: "jotter",
              session_id: SESSION,
              transcript_path: path.join(dir, `${SESSION}.jsonl`),
            },
          });
          return {
            target: { agent, adapter: null, options: {} },
            acted: () => fs.readFileSync(wake, "utf8") !== "",
            cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
          };
        },
      },
    },
  },
};

/** Run the kit with a recording runner; resolves to the failed tests' names and messages. */
async function failures(
  factory: () => ClientAdapter,
  options: ConformanceOptions,
): Promise<Map<string, string>> {
  const runs: Promise<void>[] = [];
  const failed = new Map<string, string>();
  runClientAdapterConformance(
    (name, fn) => {
      runs.push(
        (async () => {
          try {
            await fn();
          } catch (error) {
            failed.set(name, (error as Error).message);
          }
        })(),
      );
    },
    factory,
    options,
  );
  await Promise.all(runs);
  return failed;
}

/** A copy of the complete adapter with `changes`, checked as the loader would. */
const variant = (changes: Record<string, unknown>) => () =>
  checkClientAdapter({ ...jotter({ dir: SESSIONS }), ...changes });

describe("the conformance kit, run against a complete fake adapter", () => {
  runClientAdapterConformance(test, () => jotter({ dir: SESSIONS }), FULL);
});

describe("the conformance kit fails what it cannot check", () => {
  it("fails every declared capability given no input, naming the option", async () => {
    const failed = await failures(() => jotter({ dir: SESSIONS }), {});
    expect([...failed.keys()].filter((n) => n.includes("needs options"))).toEqual([
      "conformance: detection: needs options.detection",
      "conformance: transcript: needs options.transcripts",
      "conformance: liveness: needs options.liveness",
      "conformance: hooks: needs options.hooks",
      "conformance: onboarding: needs options.onboarding",
      'conformance: wake: needs options.wake.strategies["jotter-file"]',
    ]);
    expect(failed.get("conformance: hooks: needs options.hooks")).toContain("give options.hooks");
  });

  it("fails a missing sample payload, a home without the user's files, a transcript too short for the tail check", async () => {
    const failed = await failures(() => jotter({ dir: SESSIONS }), {
      ...FULL,
      transcripts: [{ path: TRANSCRIPT }],
      hooks: { ...(FULL.hooks as NonNullable<ConformanceOptions["hooks"]>), payloads: { prompt: {} } },
      onboarding: { homes: [{}] },
    });
    expect([...failed.keys()].filter((n) => n.includes("needs options"))).toEqual([
      "conformance: transcript: needs options.transcripts[].minTurns",
      'conformance: hooks: needs options.hooks.payloads["stop"]',
      "conformance: onboarding: needs options.onboarding.homes",
    ]);
  });

  it("fails inputs for capabilities the adapter does not declare", async () => {
    const bare = variant({
      capabilities: { transcript: false, liveness: false, hooks: false, onboarding: false, wake: false },
      hooks: undefined,
      onboarding: undefined,
      wakeProfile: undefined,
      wakeStrategies: undefined,
    });
    const failed = await failures(bare, FULL);
    expect([...failed.keys()].filter((n) => n.includes("without capabilities"))).toEqual([
      "conformance: transcript: options.transcripts without capabilities.transcript",
      "conformance: liveness: options.liveness without capabilities.liveness",
      "conformance: hooks: options.hooks without capabilities.hooks",
      "conformance: onboarding: options.onboarding without capabilities.onboarding",
      "conformance: wake: options.wake.strategies without capabilities.wake (with wakeStrategies)",
    ]);
  });
});

describe("the conformance kit catches broken adapters", () => {
  it("a reader that ignores the limit, or reads the whole file", async () => {
    const wholeFile = variant({
      readTranscript: async (file: string, { limit }: { limit: number }) => {
        const lines = fs.readFileSync(file, "utf8").split("\n");
        const turns = lines.flatMap((l) => {
          try {
            const r = JSON.parse(l);
            return r.role ? [{ role: r.role, text: r.text, timestamp: null, toolCalls: [] }] : [];
          } catch {
            return [];
          }
        });
        return { turns: turns.slice(-limit - 3), truncated: false, totalTurns: turns.length };
      },
    });
    const failed = [...(await failures(wholeFile, FULL)).keys()];
    expect(failed).toContain(
      "conformance: transcript: reads the tail of 12345678-1234-4234-8234-123456789abc.jsonl as clean turns",
    );
    expect(failed).toContain(
      "conformance: transcript: reads only the tail: a transcript behind 64 MiB of nothing answers like its last part",
    );
  });

  it("hook answers that print without mail, use stderr outside the wake role or cut the mail", async () => {
    const base = jotter({ dir: SESSIONS }).hooks as NonNullable<ClientAdapter["hooks"]>;
    const noisy = variant({
      hooks: {
        ...base,
        answer: (_: unknown, delivery: { text: string } | null) =>
          delivery ? { stderr: delivery.text.slice(0, 20), exitCode: 0 } : { stdout: "{}", exitCode: 0 },
      },
    });
    const failed = await failures(noisy, FULL);
    expect(failed.get("conformance: hooks: stop: with no mail the answer changes nothing")).toContain(
      "nothing on stdout",
    );
    expect(failed.get("conformance: hooks: stop: with mail its whole text reaches the client")).toContain(
      "stderr only in the wake role",
    );
  });

  it("a session the deliver mode's shell front cannot find, and a session variable Node ignores", async () => {
    const base = jotter({ dir: SESSIONS }).hooks as NonNullable<ClientAdapter["hooks"]>;
    const hidden = variant({
      hooks: {
        ...base,
        sessionEnv: undefined,
        sessionId: (p: Record<string, unknown>) => (p.sid as string) ?? null,
      },
    });
    const failed = await failures(hidden, {
      ...FULL,
      hooks: { sessionId: SESSION, payloads: { prompt: { sid: SESSION }, stop: { sid: SESSION } } },
    });
    expect(
      failed.get("conformance: hooks: stop: the deliver mode's shell front finds the session without Node"),
    ).toContain('"session_id"');
    const deaf = variant({
      hooks: { ...base, sessionId: (p: Record<string, unknown>) => (p.sid as string) ?? null },
    });
    const deafFailed = await failures(deaf, {
      ...FULL,
      hooks: {
        sessionId: SESSION,
        env: { JOTTER_SESSION_ID: SESSION },
        payloads: { prompt: { sid: SESSION }, stop: { sid: SESSION } },
      },
    });
    expect(
      deafFailed.get("conformance: hooks: no session id without one; odd payloads are not fatal"),
    ).toContain("$JOTTER_SESSION_ID alone gives the session");
  });

  it("an uninstall that leaves a trace, and a plan that writes outside its home", async () => {
    const base = jotter({ dir: SESSIONS }).onboarding as NonNullable<ClientAdapter["onboarding"]>;
    const sloppy = variant({
      onboarding: {
        ...base,
        unplan: async (c: Parameters<typeof base.unplan>[0]) =>
          (await base.unplan(c)).map((change) => ({ ...change, after: `${change.after ?? ""}\n` })),
      },
    });
    const failed = await failures(sloppy, FULL);
    expect(
      failed.get(
        "conformance: onboarding: setup then uninstall in the user's home #1 (.jotter/config) (defaults) leaves every byte as it was",
      ),
    ).toContain("every byte as before once undone");
    const stray = variant({
      onboarding: {
        ...base,
        plan: async (c: Parameters<typeof base.plan>[0]) => base.plan({ ...c, home: os.tmpdir() }),
      },
    });
    const strayFailed = await failures(stray, FULL);
    expect(
      strayFailed.get(
        "conformance: onboarding: setup then uninstall in the empty home (defaults) leaves every byte as it was",
      ),
    ).toContain("lies in the home it was made for");
  });

  it("a wake strategy that acts past its deadline, or rejects", async () => {
    const honest = jotterWake();
    /** The fake's strategy with another `wake`. */
    const broken = (wake: WakeStrategy["wake"]) =>
      defineWakeStrategy(() => ({
        name: honest.name,
        capabilities: honest.capabilities,
        readiness: honest.readiness,
        wake,
      }))();
    const eager = broken((target, options) => honest.wake(target, { ...options, deadline: undefined }));
    const rejecting = broken(async (target, options) => {
      if (!target.agent.client.session_id) throw new Error("no session");
      return honest.wake(target, options);
    });
    const failed = await failures(variant({ wakeStrategies: [eager] }), FULL);
    expect(
      failed.get(
        "conformance: wake: jotter-file: a wake whose deadline has passed, or whose caller gave up, does nothing",
      ),
    ).toContain("past the deadline nothing is attempted");
    const failed2 = await failures(variant({ wakeStrategies: [rejecting] }), FULL);
    expect(failed2.get("conformance: wake: jotter-file: wake never rejects, whatever the target")).toContain(
      "rejected",
    );
  });
});

describe("the conformance kit and version-1 adapters", () => {
  it("passes a version-1 adapter bridged by core, testing what it declared", async () => {
    const v1 = defineClientAdapter({
      ...jotter({ dir: SESSIONS }),
      apiVersion: 1,
      // A v1 adapter declared transcript, liveness and hooks (its client ran oxtail's hook program).
      capabilities: { transcript: true, liveness: true, hooks: true } as never,
      hooks: undefined,
      onboarding: undefined,
      wakeProfile: undefined,
      wakeStrategies: undefined,
    });
    expect(v1().capabilities).toEqual({
      transcript: true,
      liveness: true,
      hooks: false,
      onboarding: false,
      wake: false,
    });
    const { hooks: _h, onboarding: _o, wake: _w, ...rest } = FULL;
    const failed = await failures(() => v1(), rest);
    expect([...failed.entries()]).toEqual([]);
  });
});
