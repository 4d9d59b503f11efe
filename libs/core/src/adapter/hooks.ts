// The hook part of the adapter contract (version 2): how a client's lifecycle hooks map onto what
// oxtail does at each one. oxtail's hook program (`oxtail-hook <adapter> <event>`) loads the adapter
// named on its command line and follows what the adapter declares here; it knows no client itself.

/**
 * What oxtail does at a hook event.
 * - `mid-turn`: the agent is in a turn (e.g. before a tool call): deliver waiting mail as context.
 * - `before-idle`: the agent is about to end its turn: if mail waits, keep it going with the mail.
 * - `next-prompt`: a prompt was just submitted: deliver waiting mail with it.
 * - `session-start`: a session starts or resumes: record its identity, deliver waiting mail.
 * - `wake`: a background waiter of the adapter's found mail while the agent sits idle: hand the
 *   mail over in the way that makes the client start a turn.
 */
export type HookRole = "mid-turn" | "before-idle" | "next-prompt" | "session-start" | "wake";

/** The hook roles, in the order they usually happen in a session. */
export const HOOK_ROLES: readonly HookRole[] = [
  "session-start",
  "next-prompt",
  "mid-turn",
  "before-idle",
  "wake",
];

/** One hook event of a client and what oxtail does at it. */
export interface HookEventSpec {
  /** The client's own event name (`PreToolUse`, `BeforeTool`, …): passed on the hook's command line. */
  event: string;
  role: HookRole;
  /** The hook leaves an identity drop for the session's oxtail server at this event. */
  identity?: boolean;
  /** The agent is busy (`busy`) or about to go idle (`idle`) when this event fires. */
  state?: "busy" | "idle";
}

/** What a hook process learned about its session, for the identity drop (docs/protocol.md). */
export interface HookIdentity {
  transcriptPath?: string | null;
  cwd?: string | null;
  tmuxPane?: string | null;
  tmuxSocket?: string | null;
}

/** What the hook program prints and how it exits. */
export interface HookAnswer {
  /** Written to stdout (the client reads JSON there, for most clients). */
  stdout?: string;
  /** Written to stderr, made inert first (no escape sequences reach a terminal). */
  stderr?: string;
  /** The exit code; 0 unless the client reads another (an asyncRewake wake exits 2). */
  exitCode: number;
}

/** The mail a hook hands over, already framed for the model by oxtail. */
export interface HookDelivery {
  /** The framed text (who sent what, when, how to reply). */
  text: string;
  /** How many messages it carries. */
  count: number;
}

/** A client's hooks: declared events, and how to read a payload and answer one. */
export interface ClientHooks {
  /** The events oxtail's hooks are installed on, and the role of each. */
  readonly events: readonly HookEventSpec[];
  /**
   * The environment variable that carries the session id to hook processes, when the client
   * sets one: the hook's shell fast path then needs no stdin at all.
   */
  readonly sessionEnv?: string;
  /**
   * Most characters one delivery may carry (clients cut long hook output); the rest of the mail
   * waits for the next event. Default 9 000.
   */
  readonly maxDeliveryChars?: number;
  /** The session id of a hook call (from its stdin payload or environment), or null. */
  sessionId(
    payload: Readonly<Record<string, unknown>>,
    env: Readonly<Record<string, string | undefined>>,
  ): string | null;
  /**
   * The text submitted at the `next-prompt` event (e.g. the payload's `prompt`), or null when it was
   * not typed by the user (a message the client injected itself, such as its own messages between
   * sessions) or the payload does not say. oxtail counts a prompt that is not its own wake line as a
   * human turn, which refills the loop guard's rate budgets of that agent (SPEC §10). Without this
   * method every `next-prompt` event counts as a human turn.
   */
  prompt?(payload: Readonly<Record<string, unknown>>): string | null;
  /** What the payload and environment say about the session, for the identity drop. */
  identity?(
    payload: Readonly<Record<string, unknown>>,
    env: Readonly<Record<string, string | undefined>>,
  ): HookIdentity;
  /**
   * The hook's answer at `event`: with `delivery` when mail is handed over, or null when none
   * waits (then the answer must change nothing in the client, usually `{ exitCode: 0 }`).
   */
  answer(event: HookEventSpec, delivery: HookDelivery | null): HookAnswer;
}

/**
 * How oxtail's hook program is told what to do at an event, on its command line:
 * - `deliver`: hand over waiting mail; with none waiting the program's shell front answers alone,
 *   without starting Node (the cheap path for events that fire often);
 * - `record`: always run: leave the session's identity drop, then hand over waiting mail;
 * - `wake`: hand over waiting mail as a wake notice (its answer's exit code reaches the client).
 */
export type HookMode = "deliver" | "record" | "wake";

/** The mode of an event: `wake` for the wake role, `record` when it leaves identity, else `deliver`. */
export function hookMode(spec: HookEventSpec): HookMode {
  if (spec.role === "wake") return "wake";
  return spec.identity ? "record" : "deliver";
}

/** A path or word quoted for a POSIX shell (as clients run hook commands through one). */
export function shellQuote(word: string): string {
  return /^[\w./@%+=:-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`;
}

/**
 * The command line a client's config runs for one hook event:
 * `'<hook program>' <adapter> <event> <mode> [<session env var>]` (docs/adapters.md). Onboarding
 * plans write it; the hook program's shell front reads the mode and the variable holding the
 * session id, so that an event with no mail waiting costs no Node start.
 */
export function hookCommandLine(
  program: string,
  adapter: string,
  spec: HookEventSpec,
  sessionEnv?: string,
): string {
  return [shellQuote(program), adapter, spec.event, hookMode(spec), ...(sessionEnv ? [sessionEnv] : [])].join(
    " ",
  );
}

/**
 * The answer of a command hook in the JSON form several clients share (one client's hook
 * protocol that others adopted): mail for the model as `hookSpecificOutput.additionalContext`,
 * and at `before-idle` a `decision: "block"` whose `reason` is the mail, so the turn goes on to
 * answer it (loop-safe: delivered mail is consumed, so the next stop blocks only for new mail).
 * Other roles, and no mail, change nothing.
 */
export function commandHookAnswer(spec: HookEventSpec, delivery: HookDelivery | null): HookAnswer {
  if (!delivery || spec.role === "wake") return { exitCode: 0 };
  if (spec.role === "before-idle")
    return { stdout: JSON.stringify({ decision: "block", reason: delivery.text }), exitCode: 0 };
  return {
    stdout: JSON.stringify({
      hookSpecificOutput: { hookEventName: spec.event, additionalContext: delivery.text },
    }),
    exitCode: 0,
  };
}
