import type { ClientAdapter, DetectionContext, Liveness, WakeTarget } from "../adapter/types.js";
import type { AgentRecord } from "../registry/types.js";

/** A test runner's `test(name, fn)` (vitest's, node:test's, …): the kit registers its tests with it. */
export type TestFunction = (name: string, fn: () => unknown | Promise<unknown>) => unknown;

/** What `additionalTests` gets: the same runner, and the adapter factory under test. */
export interface ConformanceContext {
  test: TestFunction;
  make: () => ClientAdapter;
}

/** Two contexts for the detection group: one under the adapter's client, one clearly not. */
export interface DetectionInput {
  /** A server running under the client: detection must match. */
  matching: DetectionContext;
  /** A server running under something else (another client, a plain shell): detection must not match. */
  notMatching: DetectionContext;
  /** The session id detection must find in `matching`, when it can find one there. */
  expectedSessionId?: string;
}

/** A transcript fixture and what the kit may expect of it. */
export interface TranscriptFixture {
  path: string;
  /** The session id the transcript belongs to, when `findTranscript` should find it by that id. */
  sessionId?: string;
  /** The cwd hint for `findTranscript`. */
  cwd?: string;
  /** At least this many turns are in it (the tail-first check needs a fixture with 2 or more). */
  minTurns?: number;
}

/** An agent record for the liveness group, and the states liveness may answer for it. */
export interface LivenessFixture {
  agent: AgentRecord;
  /** The answers that are right for this agent (e.g. `["idle"]` for a transcript whose turn ended). */
  states: readonly Liveness["state"][];
}

/** Inputs of the hooks group: one sample payload per declared event. */
export interface HooksInput {
  /** The session id every sample payload (or `env`) carries. */
  sessionId: string;
  /** Per declared event name: the JSON payload the client writes on the hook's stdin, as it really does. */
  payloads: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** The environment the client gives hook processes (with `sessionEnv` set, when the client sets it). */
  env?: Readonly<Record<string, string>>;
  /** Events whose client needs a stdout even when no mail waits (then it must be the answer that changes nothing). */
  stdoutWithoutMail?: readonly string[];
}

/** Inputs of the onboarding group. The kit makes a temporary HOME for every run and removes it. */
export interface OnboardingInput {
  /** The adapter whose onboarding is tested, for the temporary `home` (default: the kit's factory). It must write only under `home`. */
  make?: (home: string) => ClientAdapter;
  /** Extra environment for a run in `home` (e.g. the client's own config-folder variable, pointing under it). */
  env?: (home: string) => Record<string, string>;
  /**
   * Homes to set up in, each the user's own files already there (path relative to the home → content:
   * configs with comments, other MCP servers, other hooks). At least one; the empty home is always tried too.
   */
  homes: readonly Readonly<Record<string, string>>[];
}

/** A wake target a strategy is ready for, made by a {@link WakeStrategyFixture}. */
export interface WakeFixture {
  target: WakeTarget;
  /** True once the strategy acted on the target (wrote its file, sent its request…): lets the kit check "did nothing". */
  acted?: () => boolean | Promise<boolean>;
  /** Undo whatever `ready()` set up (a socket, a folder). */
  cleanup?: () => void | Promise<void>;
}

/** How to make a target one of the adapter's wake strategies is ready to wake. */
export interface WakeStrategyFixture {
  /** Set up what the strategy needs (its client's socket, file, state) and return a fresh target. */
  ready: () => WakeFixture | Promise<WakeFixture>;
}

/** Inputs of the wake group. */
export interface WakeInput {
  /** The adapter whose strategies are tested, pointed where the fixtures set things up (default: the kit's factory). */
  make?: () => ClientAdapter;
  /** Per strategy the adapter brings (`wakeStrategies`), by name. */
  strategies: Readonly<Record<string, WakeStrategyFixture>>;
  /** Strategies the wake profile may name that the adapter does not bring (default `["tmux"]`: oxtail's own). */
  external?: readonly string[];
}

/**
 * Options of `runClientAdapterConformance`. Every capability the adapter declares needs its input
 * (detection is always needed): a missing one is a failing test naming the option. Inputs for a
 * capability the adapter does not declare fail too.
 */
export interface ConformanceOptions {
  detection?: DetectionInput;
  /** For `capabilities.transcript`: at least one fixture. */
  transcripts?: readonly TranscriptFixture[];
  /** For `capabilities.liveness`: at least one agent. */
  liveness?: readonly LivenessFixture[];
  /** For `capabilities.hooks`. */
  hooks?: HooksInput;
  /** For `capabilities.onboarding`. */
  onboarding?: OnboardingInput;
  /** For the strategies in `wakeStrategies`. */
  wake?: WakeInput;
  /** Adapter-specific tests, registered with the same runner. */
  additionalTests?: (context: ConformanceContext) => void;
}
