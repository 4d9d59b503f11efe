import type { AgentRecord } from "../registry/types.js";
import type { ClientHooks } from "./hooks.js";
import type { ClientOnboarding } from "./onboarding.js";

/**
 * The adapter contract version this core speaks. Version 2 adds hooks, onboarding and the wake
 * capability; core still loads version-1 adapters (bridged: no hooks, no onboarding).
 */
export const ADAPTER_API_VERSION = 2;
/** The oldest adapter contract version core still loads. */
export const MIN_ADAPTER_API_VERSION = 1;

/** What an adapter can do; the server branches on these, never on method presence. */
export interface ClientAdapterCapabilities {
  /** Finds and reads transcripts (`findTranscript`, `readTranscript`). */
  transcript: boolean;
  /** Tells busy from idle (`liveness`). */
  liveness: boolean;
  /** Its client runs oxtail's hook program (`hooks`). */
  hooks: boolean;
  /** `oxtail setup`, `uninstall` and `doctor` can configure its client (`onboarding`). */
  onboarding: boolean;
  /** An idle agent of this client can be woken (`wakeProfile`). */
  wake: boolean;
}

/** What an adapter needs on the machine, for `oxtail doctor` (checked without running it). */
export interface AdapterRequirements {
  /** Executables expected on PATH. */
  binaries?: string[];
  /** Environment variables it reads. */
  env?: string[];
  /** The client versions it supports, as a semver range; doctor checks the installed client against it. */
  clientVersions?: string;
  /**
   * The client versions its real-client tests run (the pinned one, and the newest it supports):
   * the real-client suite runs against each.
   */
  testedVersions?: string[];
}

/** What a server instance knows about itself when it asks an adapter to detect its session. */
export interface DetectionContext {
  /** The server process's environment. */
  env: Readonly<Record<string, string | undefined>>;
  /** MCP `initialize` clientInfo, when the client sent it. */
  clientInfo: { name: string; version?: string } | null;
  /** The server's pid and working directory. */
  pid: number;
  cwd: string;
  /** When the server process started (ms since the epoch). */
  startedAt: number;
  /** The oxtail data directory, where hooks leave identity drops; null when unknown. */
  oxtailHome?: string | null;
  /**
   * The live agents other oxtail servers have registered (not this one), as far as this server can
   * see them: a client process or pane another agent holds with another session is not this one's.
   */
  otherAgents?: readonly OtherAgent[];
}

/** Another live agent, as {@link DetectionContext.otherAgents} lists it. */
export interface OtherAgent {
  sessionId: string | null;
  clientPid: number | null;
  clientStartTime: string | null;
  tmuxPane: string | null;
}

/** What one detection strategy found. */
export interface StrategyVerdict {
  /** Strategy name, e.g. `clientInfo`, `env`, `ancestry`, `transcript-birth`, `hook-drop`. */
  strategy: string;
  /** True when it identified something. */
  found: boolean;
  /** Why it did or did not: shown by `get_my_session`. */
  reason: string;
}

/** The session identity detection arrived at. Every field is optional. */
export interface DetectedSession {
  sessionId?: string | null;
  transcriptPath?: string | null;
  cwd?: string | null;
  /** tmux pane id (e.g. `%3`) and socket, when known. */
  tmuxPane?: string | null;
  tmuxSocket?: string | null;
  clientVersion?: string | null;
  /**
   * The client's own process (e.g. the TUI process of a terminal agent), when detection found it
   * (typically in the server's ancestry). A wake types only into a pane whose process tree holds
   * the agent's oxtail server or this process.
   */
  clientPid?: number | null;
  /** The start time of {@link DetectedSession.clientPid} (as `processStartTime` gives it): a reused pid is no proof. */
  clientStartTime?: string | null;
}

/** The outcome of an adapter's detection ladder. */
export interface DetectionReport {
  /** True when this server runs under the adapter's client. */
  matched: boolean;
  /** Each strategy that ran, in order, with its verdict. */
  strategies: StrategyVerdict[];
  /** What was found; absent when nothing was. */
  session?: DetectedSession;
}

/** One clean turn of a conversation. */
export interface Turn {
  /**
   * Who speaks: the user, the assistant, the client (`system`), or another agent (`peer`): a message
   * that reached the session through the client's own messaging between sessions, which the client
   * shows as a user turn but which the user did not type.
   */
  role: "user" | "assistant" | "system" | "peer";
  /** For a `peer` turn: the sending session as the client names it (its id and name, when given). */
  from?: { id: string | null; name: string | null };
  /** Plain text of the turn (thinking excluded). */
  text: string;
  /** ISO time, when the transcript has one. */
  timestamp: string | null;
  /** Tool calls made in this turn, summarised, with their results when seen. */
  toolCalls: ToolCallSummary[];
  /** True for a sub-agent's turn. */
  sidechain?: boolean;
}

/** A tool call, summarised. */
export interface ToolCallSummary {
  name: string;
  /** Short rendering of the arguments. */
  summary: string;
  /** Short rendering of the result, when it came back. */
  result?: string | null;
}

/** Options for {@link ClientAdapter.readTranscript}. */
export interface ReadTranscriptOptions {
  /** How many turns, newest last. */
  limit: number;
  /** Include sub-agent (sidechain) turns. */
  includeSidechains?: boolean;
}

/** The tail of a transcript. */
export interface TranscriptTail {
  /** The newest turns, oldest first. */
  turns: Turn[];
  /** True when older turns exist that were not returned. */
  truncated: boolean;
  /** Total turns in the file, when cheap to know; else null. */
  totalTurns: number | null;
}

/** Whether an agent is in a turn. */
export interface Liveness {
  state: "busy" | "idle" | "unknown";
  /** ISO time of the last activity seen. */
  lastActivity: string | null;
  /** How that was decided. */
  reason: string;
}

/** One rung of a wake ladder: a strategy name and its options. */
export interface WakeRung {
  strategy: string;
  options?: Record<string, unknown>;
}

/** How to wake an idle agent of this client: rungs tried in order, each verified. */
export interface WakeProfile {
  ladder: WakeRung[];
}

/**
 * A client adapter: everything oxtail knows about one agent client. Made with
 * `defineClientAdapter`, default-exported by its package.
 */
export interface ClientAdapter {
  /** Short kebab-case name, stored as `client.type`. */
  readonly name: string;
  /** Human name, as the client calls itself. */
  readonly displayName: string;
  /**
   * Where an agent of this client finds its own session id, in a few words for the model
   * (`the value of $SOME_SESSION_VARIABLE`): shown by `get_my_session`, for `claim_session`.
   */
  readonly sessionIdHint?: string;
  /** Contract version the adapter was written against. */
  readonly apiVersion: number;
  readonly capabilities: ClientAdapterCapabilities;
  readonly requirements: AdapterRequirements;
  /** Run the detection ladder: does this server run under the client, and which session? */
  detect(context: DetectionContext): Promise<DetectionReport>;
  /** The transcript file of a session, or null. Required with `capabilities.transcript`. */
  findTranscript?(sessionId: string, hint: { cwd: string | null }): Promise<string | null>;
  /** The newest turns of a transcript, reading only its tail. Required with `capabilities.transcript`. */
  readTranscript?(path: string, options: ReadTranscriptOptions): Promise<TranscriptTail>;
  /**
   * What a tool call's request `_meta` says about the session, if this client puts
   * identity there (some send their session id on every `tools/call`); null otherwise.
   */
  identityFromRequestMeta?(meta: Readonly<Record<string, unknown>>): DetectedSession | null;
  /** Busy or idle. Required with `capabilities.liveness`. */
  liveness?(agent: AgentRecord): Promise<Liveness>;
  /** How to wake this client. Required with `capabilities.wake`. */
  readonly wakeProfile?: WakeProfile;
  /** Wake strategies this adapter brings for its own profile (e.g. a client's control socket). */
  readonly wakeStrategies?: readonly WakeStrategy[];
  /** Its hook events and how to answer them. Required with `capabilities.hooks`. */
  readonly hooks?: ClientHooks;
  /** What setup, uninstall and doctor do for its client. Required with `capabilities.onboarding`. */
  readonly onboarding?: ClientOnboarding;
}

/** The agent a wake is for, and its adapter. */
export interface WakeTarget {
  agent: AgentRecord;
  adapter: ClientAdapter | null;
  /** The rung's options from the adapter's wake profile. */
  options: Record<string, unknown>;
}

/** Whether a strategy could wake a target now. */
export interface WakeReadiness {
  ready: boolean;
  reason: string;
  /**
   * When not ready: the outcome a wake would report now — `pane-unverified` when no pane
   * provably runs the agent (nothing would be typed), else `skipped` (the default).
   */
  outcome?: "skipped" | "pane-unverified";
}

/**
 * Every outcome of a wake: `submitted` (a new turn was seen), `unverified` (the strategy acted;
 * no new turn seen, or not yet), `skipped` (nothing done: not ready, busy, not retried…),
 * `failed` (the strategy acted and hit an error), `pane-unverified` (no pane provably runs the
 * agent's own processes: nothing was typed).
 */
export const WAKE_OUTCOMES = ["submitted", "unverified", "skipped", "failed", "pane-unverified"] as const;
/** One of {@link WAKE_OUTCOMES}. */
export type WakeOutcomeKind = (typeof WAKE_OUTCOMES)[number];

/** What a wake attempt did (reported by `ask_peer` and `wake_status`). */
export interface WakeOutcome {
  attempted: boolean;
  strategy: string;
  outcome: WakeOutcomeKind;
  /** Time from the attempt to the verified new turn, when verified. */
  verifiedAfterMs: number | null;
  reason: string;
}

/** Options for one call of {@link WakeStrategy.wake}. */
export interface WakeOptions {
  /**
   * `first`, or `retry` when the first attempt acted but no new turn followed: a strategy
   * that can nudge again without repeating itself (tmux: a key that ends a paste burst, then
   * Enter; no second line) does so; others answer `skipped`. Absent means `first`.
   */
  attempt?: "first" | "retry";
  /** When the caller stops waiting (epoch ms): do not start anything that cannot finish by then. */
  deadline?: number;
  /** Aborted at the deadline or when the caller gives up: stop before acting. */
  signal?: AbortSignal;
}

/** What a wake strategy can do. */
export interface WakeStrategyCapabilities {
  /** It can check that the wake started a turn. */
  verify: boolean;
  /**
   * The wake happens by itself when mail lands (a background waiter of the client hands it over):
   * `wake()` only checks for it. Such a strategy also wakes a peer for a plain `send_message`,
   * which runs no wake; `send_message`'s delivery outlook counts only these. Default false.
   */
  onArrival?: boolean;
}

/** A way to make an idle agent start a turn. Made with `defineWakeStrategy`. */
export interface WakeStrategy {
  readonly name: string;
  readonly apiVersion: number;
  readonly capabilities: WakeStrategyCapabilities;
  readonly requirements: AdapterRequirements;
  /** Could this strategy wake the target now, and if not, why. */
  readiness(target: WakeTarget): Promise<WakeReadiness>;
  /** Try to wake the target. Never types message content: the wake text is oxtail's. */
  wake(target: WakeTarget, options?: WakeOptions): Promise<WakeOutcome>;
}
