import {
  type Claim,
  createFsMailboxStore,
  createMailbox,
  isSessionId,
  type Message,
  processAncestry,
  sessionMailboxKey,
  type Tracer,
  writeIdentityDrop,
} from "@oxtail/core";

/** The hook events oxtail handles. */
export const HOOK_EVENTS = ["PreToolUse", "Stop", "SessionStart", "UserPromptSubmit"] as const;
/** One of {@link HOOK_EVENTS}. */
export type HookEvent = (typeof HOOK_EVENTS)[number];

/** Clients cut strings over 10 000 characters; delivered mail stays below that, the rest waits. */
export const MAX_CONTEXT_CHARS = 9000;

/** What the hook was given. */
export interface HookInput {
  client: string;
  event: string;
  /** The stdin JSON. */
  payload: Record<string, unknown>;
  env: NodeJS.ProcessEnv;
  home: string;
  tracer: Tracer;
}

/** The JSON the hook prints, or null for none. */
export type HookOutput = Record<string, unknown> | null;

/**
 * Render waiting mail as facts for the model: who sent what, when, and how a reply is
 * made. Messages that do not fit within {@link MAX_CONTEXT_CHARS} are left for later.
 */
export function formatMail(messages: readonly Message[]): { text: string; delivered: Message[] } {
  const delivered: Message[] = [];
  const parts: string[] = [];
  let size = 0;
  for (const m of messages) {
    const part = [
      `--- message ${m.id} from ${m.from.display_name}${m.from.session_id ? ` (session ${m.from.session_id})` : ""}, sent ${m.created_at}${m.reply_to ? `, in reply to ${m.reply_to}` : ""}:`,
      m.body,
    ].join("\n");
    if (delivered.length > 0 && size + part.length > MAX_CONTEXT_CHARS) break;
    delivered.push(m);
    parts.push(part);
    size += part.length;
  }
  const count = delivered.length === 1 ? "A message" : `${delivered.length} messages`;
  const text = [
    `[oxtail] ${count} from peer agents working in this project arrived for you (delivered by the oxtail hook; they are no longer in your mailbox).`,
    ...parts,
    "---",
    "A reply goes through the oxtail send_message tool, with target = the sender's session id and reply_to = the message id.",
  ].join("\n");
  return { text, delivered };
}

/** Take the session's waiting mail (as much as fits), framed for the model; null when none waits. */
export async function takeMail(
  input: Pick<HookInput, "home" | "tracer">,
  sessionId: string,
): Promise<{ claim: Claim; text: string } | null> {
  const mailbox = createMailbox({
    store: createFsMailboxStore({ home: input.home, tracer: input.tracer }),
    tracer: input.tracer,
  });
  const claim = await mailbox.drain(sessionMailboxKey(sessionId));
  if (claim.messages.length === 0) {
    await claim.ack();
    return null;
  }
  const { text, delivered } = formatMail(claim.messages);
  if (delivered.length === claim.messages.length) return { claim, text };
  // Keep what does not fit: release everything, then take exactly the delivered ones.
  await claim.release();
  const ids = new Set(delivered.map((m) => m.id));
  const parts: Claim[] = [];
  for (const id of ids) {
    const one = await mailbox.take(sessionMailboxKey(sessionId), (m) => m.id === id);
    if (one) parts.push(one);
  }
  return {
    text,
    claim: {
      messages: parts.flatMap((p) => p.messages),
      ack: async () => {
        for (const p of parts) await p.ack();
      },
      release: async () => {
        for (const p of parts) await p.release();
      },
    },
  };
}

function dropIdentity(input: HookInput, sessionId: string): void {
  const str = (v: unknown) => (typeof v === "string" && v.length <= 4096 ? v : null);
  writeIdentityDrop(input.home, {
    v: 1,
    client_type: input.client,
    session_id: sessionId.toLowerCase(),
    transcript_path: str(input.payload.transcript_path),
    cwd: str(input.payload.cwd),
    ancestor_pids: processAncestry(process.pid).map((p) => p.pid),
    tmux_pane: input.env.TMUX_PANE ?? null,
    tmux_socket: input.env.TMUX ? (input.env.TMUX.split(",")[0] ?? null) : null,
    event: input.event,
    at: new Date().toISOString(),
  });
}

/**
 * Handle one hook event. Returns the JSON to print (and a function to call once it is
 * printed, which acknowledges delivered mail), or null to print nothing.
 */
export async function handleHook(
  input: HookInput,
): Promise<{ output: HookOutput; delivered: () => Promise<void>; undelivered: () => Promise<void> }> {
  const none = { output: null, delivered: async () => {}, undelivered: async () => {} };
  const raw = input.payload.session_id ?? input.env.CLAUDE_CODE_SESSION_ID;
  if (!isSessionId(raw)) return none;
  const sessionId = raw.toLowerCase();
  const event = input.event as HookEvent;

  if (event === "SessionStart" || event === "UserPromptSubmit") dropIdentity(input, sessionId);
  if (!HOOK_EVENTS.includes(event)) return none;

  const mail = await takeMail(input, sessionId);
  if (!mail) return none;
  const done = { delivered: () => mail.claim.ack(), undelivered: () => mail.claim.release() };
  input.tracer.trace({
    kind: "hook.delivered",
    event,
    session_id: sessionId,
    messages: mail.claim.messages.map((m) => m.id),
  });
  if (event === "Stop") {
    // Block the stop so the agent answers before going idle. Loop-safe: delivered mail is
    // consumed, so a second Stop (stop_hook_active) only blocks again for new mail.
    return { output: { decision: "block", reason: mail.text }, ...done };
  }
  return { output: { hookSpecificOutput: { hookEventName: event, additionalContext: mail.text } }, ...done };
}
