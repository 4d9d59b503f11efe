import { safeLabel } from "@oxtail/core";
import { ageOf, type Message, shortSessionId } from "@oxtail/core/runtime";

/**
 * A message as a tool hands it to the model: its id (to answer with `reply_to`), who sent it as a
 * target the model can answer (the short session id; the sender's label, with control and format
 * characters removed, when it has none), the body as it is (data), and its age.
 */
export function messageOut(m: Message, options: { redelivered?: boolean; now?: number } = {}) {
  return {
    id: m.id,
    from: m.from.session_id ? shortSessionId(m.from.session_id) : safeLabel(m.from.display_name),
    body: m.body,
    ...(m.reply_to ? { re: m.reply_to } : {}),
    age: ageOf(m.created_at, options.now) ?? "0s",
    ...(options.redelivered ? { redelivered: true as const } : {}),
  };
}
