import { createStateCard } from "@oxtail/core/runtime";
import type { ServerContext } from "../context.js";
import { ok } from "./result.js";

/** set_my_state: the state card (trimmed, ≤ 200 chars, no control characters). */
export async function setMyState(context: ServerContext, args: { purpose: string }) {
  const card = createStateCard(args.purpose);
  await context.updateSelf((r) => {
    r.state = card;
    return r;
  });
  return ok({ state: card });
}
