// The loop guard (SPEC §10), a part of `npm run bench -- delivery`: how soon it stops a runaway, and
// that it leaves normal work alone. Real stores (asks, rate budgets) under a temporary OXTAIL_HOME, the
// default limits. A model takes seconds per turn, so the "model pace" rows drive the stores with a
// scripted clock (one message every `paceMs`) and report the scripted time until the first refusal;
// the "machine speed" row runs on the real clock, as fast as the stores allow.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { isOxtailError } from "@oxtail/core";
import {
  assertNoAskCycle,
  createFsAskStore,
  createFsRateStore,
  createMessageId,
  DEFAULT_LOOP_GUARD,
  type LoopGuardConfig,
} from "@oxtail/core/runtime";
import type { Metric } from "./metrics.ts";

/** Bench options. */
export interface LoopguardOptions {
  /** Scripted time between two messages of a runaway, ms (a model's turn). */
  paceMs: number;
  /** Hours of the scripted normal collaboration. */
  collaborationHours: number;
  /** Upper bound of messages a runaway may send before the bench gives up. */
  maxMessages: number;
}

/** Defaults. */
export const DEFAULTS: LoopguardOptions = { paceMs: 15_000, collaborationHours: 8, maxMessages: 5000 };

const AGENTS = [
  "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa",
  "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb",
  "cccccccc-cccc-4ccc-8ccc-cccccccccccc",
  "dddddddd-dddd-4ddd-8ddd-dddddddddddd",
] as const;
const [A, B, C, D] = AGENTS;
const PROJECT = "/bench/project/.git";

function tempHome(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-bench-loopguard-"));
}

/** A runaway: `hops` in turn (from, to), one message every `paceMs` (null: real clock, no pause). */
async function runaway(
  hops: readonly (readonly [string, string])[],
  options: LoopguardOptions,
  paceMs: number | null,
  config: LoopGuardConfig,
): Promise<{ sent: number; ms: number; scope: string }> {
  const home = tempHome();
  let t = 0;
  const store = createFsRateStore({ home, now: paceMs === null ? Date.now : () => t });
  const started = Date.now();
  try {
    for (let i = 0; i < options.maxMessages; i++) {
      const [from, to] = hops[i % hops.length] as readonly [string, string];
      try {
        await store.spend({ from, to, project: PROJECT }, config);
      } catch (error) {
        if (!isOxtailError(error, "rate-limited")) throw error;
        return { sent: i, ms: paceMs === null ? Date.now() - started : t, scope: String(error.data.scope) };
      }
      if (paceMs !== null) t += paceMs;
    }
    return { sent: options.maxMessages, ms: paceMs === null ? Date.now() - started : t, scope: "none" };
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
}

/**
 * A normal day: a lead (A) delegates to three helpers, a question and its answer every 15 minutes each;
 * the helpers tell each other something every 30 minutes; the user prompts the lead once an hour.
 * Counts refusals (expected 0).
 */
async function collaboration(
  options: LoopguardOptions,
  config: LoopGuardConfig,
): Promise<{ sent: number; refused: number }> {
  const home = tempHome();
  let t = 0;
  const store = createFsRateStore({ home, now: () => t });
  const events: { at: number; act: () => Promise<void> }[] = [];
  const minute = 60_000;
  const end = options.collaborationHours * 60 * minute;
  const helpers = [B, C, D];
  let sent = 0;
  let refused = 0;
  const send = (from: string, to: string) => async () => {
    try {
      await store.spend({ from, to, project: PROJECT }, config);
      sent++;
    } catch (error) {
      if (!isOxtailError(error, "rate-limited")) throw error;
      refused++;
    }
  };
  for (let at = 0; at < end; at += 15 * minute)
    helpers.forEach((h, i) => {
      events.push({ at: at + i * minute, act: send(A, h) });
      events.push({ at: at + i * minute + 5 * minute, act: send(h, A) });
    });
  for (let at = 10 * minute; at < end; at += 30 * minute)
    helpers.forEach((h, i) => {
      events.push({ at: at + i * minute, act: send(h, helpers[(i + 1) % helpers.length] as string) });
    });
  for (let at = 0; at < end; at += 60 * minute) events.push({ at, act: () => store.humanTurn(A, at) });
  events.sort((x, y) => x.at - y.at);
  try {
    for (const e of events) {
      t = e.at;
      await e.act();
    }
    return { sent, refused };
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
}

/** Three agents asking in a ring: the ask that closes it is refused. */
async function askRing(): Promise<number> {
  const home = tempHome();
  const asks = createFsAskStore({ home });
  const party = (m: string) => ({ mailbox: m, display_name: m.slice(0, 1) });
  const now = Date.now();
  let sent = 0;
  try {
    for (const [from, to] of [
      [A, B],
      [B, C],
      [C, A],
    ] as const) {
      try {
        await assertNoAskCycle(asks, party(from), party(to), now);
      } catch (error) {
        if (isOxtailError(error, "ask-cycle")) return sent;
        throw error;
      }
      await asks.put({
        v: 1,
        question_id: createMessageId(),
        asker: party(from),
        target: party(to),
        created_at: now,
        deadline: now + 45_000,
        status: "waiting",
        updated_at: now,
      });
      sent++;
    }
    return sent;
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
}

/** Run the loop guard bench with the default limits. */
export async function runLoopguardBench(options: LoopguardOptions = DEFAULTS): Promise<Metric[]> {
  const config = { ...DEFAULT_LOOP_GUARD };
  const bench = "loopguard";
  const limits = `defaults: pair ${config.pair.burst}+${config.pair.per_hour}/h, project ${config.project.burst}+${config.project.per_hour}/h`;
  const pingPong = await runaway(
    [
      [A, B],
      [B, A],
    ],
    options,
    options.paceMs,
    config,
  );
  const ring = [
    [A, B],
    [B, C],
    [C, A],
  ] as const;
  const ringModel = await runaway(ring, options, options.paceMs, config);
  const ringFast = await runaway(ring, options, null, config);
  const normal = await collaboration(options, config);
  const askRingSent = await askRing();
  const count = (metric: string, value: number, label: string, target: number | null = null): Metric => ({
    bench,
    metric,
    unit: "count",
    value,
    baseline: null,
    baseline_label: label,
    target,
  });
  const ms = (metric: string, value: number, label: string): Metric => ({
    bench,
    metric,
    unit: "ms",
    value,
    baseline: null,
    baseline_label: label,
    target: null,
  });
  const pace = `one message every ${options.paceMs / 1000} s (scripted clock); ${limits}`;
  return [
    count(
      "pingpong_2_agents_messages_until_stop",
      pingPong.sent,
      `${pace}; stopped by the ${pingPong.scope} budget`,
    ),
    ms("pingpong_2_agents_time_until_stop_ms", pingPong.ms, pace),
    count(
      "ring_3_agents_messages_until_stop",
      ringModel.sent,
      `${pace}; stopped by the ${ringModel.scope} budget`,
    ),
    ms("ring_3_agents_time_until_stop_ms", ringModel.ms, pace),
    count(
      "ring_3_agents_machine_speed_messages_until_stop",
      ringFast.sent,
      `real clock, no pause; ${limits}`,
    ),
    ms("ring_3_agents_machine_speed_time_until_stop_ms", ringFast.ms, "real clock, rate files on disk"),
    count(
      "ask_ring_3_agents_questions_before_ask_cycle",
      askRingSent,
      "A asks B, B asks C, C asks A: the third is refused",
      2,
    ),
    count(
      "normal_collaboration_messages_sent",
      normal.sent,
      `lead + 3 helpers, ${options.collaborationHours} h: a question and answer per helper every 15 min, helpers notify each other every 30 min, a user prompt to the lead every hour`,
    ),
    count("normal_collaboration_refusals", normal.refused, "the same collaboration", 0),
  ];
}
