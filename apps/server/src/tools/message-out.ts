import { safeLabel } from "@oxtail/core";
import { ageOf, type Message, originOf, shortSessionId, toolMessagesNote } from "@oxtail/core/runtime";

/**
 * A message as a tool hands it to the model: its id (to answer with `reply_to`), who sent it as a
 * target the model can answer (the short session id; the sender's label, with control and format
 * characters removed, when it has none), the body as it is (data), its age, and `origin: "operator"`
 * when the user sent it (an agent's message, the default, carries no origin field). How to take the
 * messages is said once per answer ({@link messagesNote}), not once per message.
 */
export function messageOut(m: Message, options: { redelivered?: boolean; now?: number } = {}) {
  return {
    id: m.id,
    from: m.from.session_id ? shortSessionId(m.from.session_id) : safeLabel(m.from.display_name),
    body: m.body,
    ...(m.reply_to ? { re: m.reply_to } : {}),
    age: ageOf(m.created_at, options.now) ?? "0s",
    ...(originOf(m) === "operator" ? { origin: "operator" as const } : {}),
    ...(options.redelivered ? { redelivered: true as const } : {}),
  };
}

/** The `note` of an answer that hands over messages: how to take them (core's framing), when any. */
export function messagesNote(messages: readonly Message[]): { note?: string } {
  const note = toolMessagesNote(messages);
  return note ? { note } : {};
}
