import path from "node:path";
import { readPrivateFile } from "../home/private-file.js";

/** A token bucket: `burst` messages at once, refilled at `per_hour` messages an hour. */
export interface RateLimit {
  burst: number;
  per_hour: number;
}

/** The loop guard's limits (SPEC §10): agent-originated messages per pair of agents and per project. */
export interface LoopGuardConfig {
  /** False turns the rate budget off (the ask-cycle check always runs). */
  enabled: boolean;
  /** Messages between two agents, both directions together. */
  pair: RateLimit;
  /** Messages between all agents of one project. */
  project: RateLimit;
}

/**
 * The defaults: a pair may trade 16 messages at once and 20 an hour after that, a project 40 at once
 * and 30 an hour; a human turn at either agent refills both. Normal delegation (a question and its
 * answer every few minutes per pair) stays under them; two agents trading acknowledgements at a
 * model's pace (a message every ~15 s) are stopped within about 5 minutes, a ring of three within
 * about 12 (docs/benchmarks.md, "delivery").
 */
export const DEFAULT_LOOP_GUARD: Readonly<LoopGuardConfig> = Object.freeze({
  enabled: true,
  pair: Object.freeze({ burst: 16, per_hour: 20 }),
  project: Object.freeze({ burst: 40, per_hour: 30 }),
});

const positive = (value: unknown): number | null => {
  const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  return typeof n === "number" && Number.isFinite(n) && n > 0 ? n : null;
};

function limitFrom(base: RateLimit, config: unknown, burstEnv?: string, perHourEnv?: string): RateLimit {
  const c = (typeof config === "object" && config !== null ? config : {}) as Record<string, unknown>;
  return {
    burst: positive(burstEnv) ?? positive(c.burst) ?? base.burst,
    per_hour: positive(perHourEnv) ?? positive(c.per_hour) ?? base.per_hour,
  };
}

/**
 * The loop guard's configuration: the defaults, then `$OXTAIL_HOME/config.json`'s `loop_guard`
 * (`{ "enabled": false }`, `{ "pair": { "burst": 16, "per_hour": 20 }, "project": { … } }`), then the
 * environment (`OXTAIL_LOOP_GUARD=off`, `OXTAIL_RATE_PAIR_BURST`, `OXTAIL_RATE_PAIR_PER_HOUR`,
 * `OXTAIL_RATE_PROJECT_BURST`, `OXTAIL_RATE_PROJECT_PER_HOUR`). Values that are not positive
 * numbers are ignored; a config file that cannot be read leaves the defaults.
 */
export function loopGuardConfig(
  home: string,
  env: Readonly<Record<string, string | undefined>>,
): LoopGuardConfig {
  let section: Record<string, unknown> = {};
  try {
    const text = readPrivateFile(path.join(home, "config.json"));
    const parsed = text === null ? null : (JSON.parse(text) as { loop_guard?: unknown });
    if (parsed && typeof parsed.loop_guard === "object" && parsed.loop_guard !== null)
      section = parsed.loop_guard as Record<string, unknown>;
  } catch {
    // unreadable or not JSON: the defaults (the adapters' loader reports the file's problem)
  }
  const off = /^(off|0|false|no)$/i.test(env.OXTAIL_LOOP_GUARD ?? "") || section.enabled === false;
  return {
    enabled: !off,
    pair: limitFrom(
      DEFAULT_LOOP_GUARD.pair,
      section.pair,
      env.OXTAIL_RATE_PAIR_BURST,
      env.OXTAIL_RATE_PAIR_PER_HOUR,
    ),
    project: limitFrom(
      DEFAULT_LOOP_GUARD.project,
      section.project,
      env.OXTAIL_RATE_PROJECT_BURST,
      env.OXTAIL_RATE_PROJECT_PER_HOUR,
    ),
  };
}

/**
 * True when a submitted prompt is the user's own turn: `prompt` is what the adapter's hooks say was
 * submitted (null: not typed by the user, as far as the adapter can tell). oxtail's own wake line (it
 * starts `[oxtail]`) is not a human at the keyboard, so it refills no budget.
 */
export function isHumanPrompt(prompt: string | null): boolean {
  return prompt !== null && !prompt.trimStart().startsWith("[oxtail]");
}
