import {
  type ClientAdapter,
  type HookAnswer,
  type HookEventSpec,
  type HookMode,
  hookMode,
  inertText,
  isSessionId,
  processAncestry,
  tmuxSocketFromEnv,
} from "@oxtail/core";
import {
  clearArrivalHint,
  createFsRateStore,
  createFsTransport,
  createMailbox,
  createReceipts,
  DEFAULT_DELIVERY_CHARS,
  HOOK_ROLE_VIA,
  isHumanPrompt,
  recordSleeperWake,
  sessionMailboxKey,
  type Tracer,
  type Transport,
  takeHandOver,
  writeIdentityDrop,
} from "@oxtail/core/runtime";

/** What the hook program was given. */
export interface HookInput {
  adapter: ClientAdapter;
  /** The client's event name (the command line's second argument). */
  event: string;
  /** The mode the command line named, if any (else the adapter's declaration decides). */
  mode?: HookMode | undefined;
  /** The stdin JSON. */
  payload: Record<string, unknown>;
  env: NodeJS.ProcessEnv;
  home: string;
  tracer: Tracer;
  /**
   * Where the session's mail is (SPEC §12), given its mailbox and the folder the client works in;
   * absent, the data directory. Opened only for an event that hands mail over; closed once settled.
   */
  openTransport?: (mailbox: string, cwd: string) => Promise<Transport>;
}

/** What to print and how to exit, and how to settle the mail it carries once printed (or not). */
export interface HookResult {
  answer: HookAnswer;
  /** Call once the answer was written: acknowledges the mail (and records a wake). */
  delivered(): Promise<void>;
  /** Call when it could not be written: the mail goes back. */
  undelivered(): Promise<void>;
}

const NOTHING: HookResult = {
  answer: { exitCode: 0 },
  delivered: async () => {},
  undelivered: async () => {},
};

function dropIdentity(input: HookInput, spec: HookEventSpec, sessionId: string): void {
  const str = (v: unknown) => (typeof v === "string" && v.length <= 4096 ? v : null);
  const found = input.adapter.hooks?.identity?.(input.payload, input.env) ?? {};
  writeIdentityDrop(input.home, {
    v: 1,
    client_type: input.adapter.name,
    session_id: sessionId,
    transcript_path: str(found.transcriptPath),
    cwd: str(found.cwd),
    ancestor_pids: processAncestry(process.pid).map((p) => p.pid),
    tmux_pane: str(found.tmuxPane ?? input.env.TMUX_PANE),
    tmux_socket: str(found.tmuxSocket ?? tmuxSocketFromEnv(input.env.TMUX)),
    event: spec.event,
    at: new Date().toISOString(),
  });
}

/** A prompt the user typed refills the loop guard's budgets of this agent (not oxtail's own wake line). */
async function noteHumanTurn(input: HookInput, prompt: string | null, sessionId: string): Promise<void> {
  if (!isHumanPrompt(prompt)) return;
  try {
    await createFsRateStore({ home: input.home, tracer: input.tracer }).humanTurn(
      sessionMailboxKey(sessionId),
    );
    input.tracer.trace({ kind: "hook.human-turn", adapter: input.adapter.name, session_id: sessionId });
  } catch (error) {
    input.tracer.trace({ kind: "hook.human-turn-failed", error: String(error) });
  }
}

/**
 * Handle one hook event by what the adapter declares for it: leave the session's identity where
 * its event records it, then hand over waiting mail (one bounded batch) in the adapter's answer for
 * the event. An event the adapter does not declare, or a payload with no session, changes nothing.
 */
export async function handleHook(input: HookInput): Promise<HookResult> {
  const hooks = input.adapter.hooks;
  const spec = hooks?.events.find((e) => e.event === input.event);
  if (!hooks || !spec) return NOTHING;
  const raw = hooks.sessionId(input.payload, input.env);
  if (!isSessionId(raw)) return NOTHING;
  const sessionId = raw.toLowerCase();
  const mode = input.mode ?? hookMode(spec);
  if (spec.identity || mode === "record") dropIdentity(input, spec, sessionId);
  if (spec.role === "next-prompt")
    await noteHumanTurn(input, hooks.prompt?.(input.payload) ?? null, sessionId);

  const key = sessionMailboxKey(sessionId);
  const cwd = hooks.identity?.(input.payload, input.env).cwd;
  const transport = input.openTransport
    ? await input.openTransport(key, typeof cwd === "string" && cwd ? cwd : process.cwd())
    : createFsTransport({ home: input.home, tracer: input.tracer });
  const mailbox = createMailbox({
    store: transport.mailbox,
    tracer: input.tracer,
    // Acknowledging the mail once the answer was written records it as delivered by this event's role.
    receipts: createReceipts({ store: transport.receipts, tracer: input.tracer }),
  });
  const close = () => transport.close().catch(() => {});
  // On a transport outside the data directory, its server's hint that mail waits (see keepArrivalHints).
  const clearHint = () => {
    if (transport.name !== "fs") clearArrivalHint(input.home, key);
  };
  const mail = await takeHandOver(
    mailbox,
    key,
    HOOK_ROLE_VIA[spec.role],
    hooks.maxDeliveryChars ?? DEFAULT_DELIVERY_CHARS,
  ).catch(async (error: unknown) => {
    await close();
    throw error;
  });
  if (!mail) {
    clearHint();
    await close();
    return { ...NOTHING, answer: hooks.answer(spec, null) };
  }
  try {
    const answer = hooks.answer(spec, { text: mail.text, count: mail.messages.length });
    input.tracer.trace({
      kind: "hook.delivered",
      adapter: input.adapter.name,
      event: spec.event,
      role: spec.role,
      session_id: sessionId,
      messages: mail.messages.map((m) => m.id),
    });
    return {
      // Nothing oxtail writes to a client's stderr carries escape sequences.
      answer: answer.stderr === undefined ? answer : { ...answer, stderr: inertText(answer.stderr) },
      async delivered() {
        // A wake is recorded before the mail is acknowledged: a reader sees the mail or the wake.
        if (spec.role === "wake")
          recordSleeperWake(
            input.home,
            sessionId,
            mail.messages.map((m) => m.id),
          );
        try {
          await mail.claim.ack();
          // Nothing left: the hint of a transport outside the data directory goes (its server puts it
          // back if mail came meanwhile), so the next tool call's front answers alone.
          if (mail.claim.remaining === 0 && mail.messages.length === mail.claim.messages.length) clearHint();
        } finally {
          await close();
        }
      },
      async undelivered() {
        try {
          await mail.claim.release();
        } finally {
          await close();
        }
      },
    };
  } catch (error) {
    await mail.claim.release();
    await close();
    throw error;
  }
}
