import { parseSessionId } from "@oxtail/core";
import type { ServerContext } from "../context.js";
import { ok } from "./result.js";

/** register_my_session: pin identity directly (debugging); the same identity rules as claim_session. */
export async function registerMySession(
  context: ServerContext,
  args: { session_id: string; client_type?: string },
) {
  const sessionId = parseSessionId(args.session_id);
  await context.assertMayClaim(sessionId);
  await context.updateSelf((r) => {
    r.client.session_id = sessionId;
    if (args.client_type) r.client.type = args.client_type;
    return r;
  });
  context.pinned = true;
  return ok({ session_id: sessionId, client_type: context.self.client.type });
}
