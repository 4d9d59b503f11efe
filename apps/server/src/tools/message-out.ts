import { safeLabel } from "@oxtail/core";
import { type Message, messageFraming, originOf } from "@oxtail/core/runtime";

/**
 * A message as a tool returns it, with its origin and how to take it (core's framing: a peer's
 * information, or the user's own request). The sender's fields are peer-supplied: they are shown as
 * labels with control and format characters removed. The body is data, returned as it is.
 */
export function messageOut(m: Message, options: { redelivered?: boolean } = {}) {
  return {
    id: m.id,
    from: {
      session_id: m.from.session_id,
      client_type: m.from.client_type === null ? null : safeLabel(m.from.client_type, 64),
      display_name: safeLabel(m.from.display_name),
    },
    body: m.body,
    reply_to: m.reply_to,
    created_at: m.created_at,
    origin: originOf(m),
    framing: messageFraming(m),
    ...(options.redelivered ? { redelivered: true } : {}),
  };
}
