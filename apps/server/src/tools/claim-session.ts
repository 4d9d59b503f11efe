import { parseSessionId } from "@oxtail/core";
import type { ServerContext } from "../context.js";
import { ok } from "./result.js";

/**
 * claim_session: pin the session id, find the transcript, merge the instance mailbox. A session id
 * that a live peer holds is `session-id-in-use`, unless this server's own detection found it too.
 */
export async function claimSession(context: ServerContext, args: { session_id: string }) {
  const sessionId = parseSessionId(args.session_id);
  await context.assertMayClaim(sessionId);
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
  await context.updateSelf((r) => {
    r.client.session_id = sessionId;
    r.client.transcript_path = transcript ?? r.client.transcript_path;
    r.client.type = type;
    return r;
  });
  context.pinned = true;
  return ok({ session_id: sessionId, transcript_path: context.self.client.transcript_path });
}
