import { createStateCard, parseSessionId } from "@oxtail/core";
import type { ServerContext } from "../context.js";
import { ok } from "./result.js";

/** claim_session: pin the session id, find the transcript, merge the instance mailbox. */
export async function claimSession(context: ServerContext, args: { session_id: string }) {
  const sessionId = parseSessionId(args.session_id);
  const preferred = context.adapterFor(context.self.client.type);
  const candidates = [preferred, ...context.adapters.map((a) => a.adapter)].filter(
    (a) => a?.capabilities.transcript,
  );
  let transcript: string | null = null;
  let type = context.self.client.type;
  for (const adapter of candidates) {
    transcript =
      (await adapter?.findTranscript?.(sessionId, { cwd: context.self.client.cwd ?? context.cwd })) ?? null;
    if (transcript) {
      type ??= adapter?.name ?? null;
      break;
    }
  }
  context.pinned = true;
  await context.updateSelf((r) => {
    r.client.session_id = sessionId;
    r.client.transcript_path = transcript ?? r.client.transcript_path;
    r.client.type = type;
    return r;
  });
  return ok({ session_id: sessionId, transcript_path: context.self.client.transcript_path });
}

/** register_my_session: pin identity directly (debugging). */
export async function registerMySession(
  context: ServerContext,
  args: { session_id: string; client_type?: string },
) {
  const sessionId = parseSessionId(args.session_id);
  context.pinned = true;
  await context.updateSelf((r) => {
    r.client.session_id = sessionId;
    if (args.client_type) r.client.type = args.client_type;
    return r;
  });
  return ok({ session_id: sessionId, client_type: context.self.client.type });
}

/** set_my_state: the state card (trimmed, ≤ 200 chars, no control characters). */
export async function setMyState(context: ServerContext, args: { purpose: string }) {
  const card = createStateCard(args.purpose);
  await context.updateSelf((r) => {
    r.state = card;
    return r;
  });
  return ok({ state: card });
}

/** get_my_session: this record, how detection went, which adapters loaded. */
export async function getMySession(context: ServerContext) {
  return ok({
    record: context.self as unknown as Record<string, unknown>,
    detection: context.detection.map(({ adapter, strategy, found, reason }) => ({
      adapter,
      strategy,
      found,
      reason,
    })),
    adapters: context.adapters.map((a) => ({
      name: a.adapter?.name ?? a.specifier,
      loaded: a.adapter !== null,
      ...(a.error ? { error: a.error } : {}),
    })),
  });
}
