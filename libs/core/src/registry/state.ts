import { OxtailError } from "../errors.js";
import { hasUnsafeChars } from "../text/visible.js";
import { MAX_PURPOSE_CHARS, type StateCard } from "./types.js";

/**
 * Validate a state card purpose: trimmed, 1 to 200 characters, no control characters
 * (a card is shown to peers and in terminals). Returns the card to store.
 */
export function createStateCard(purpose: unknown, now: Date = new Date()): StateCard {
  if (typeof purpose !== "string") throw new OxtailError("invalid-state", "purpose must be a string.");
  const trimmed = purpose.trim();
  if (trimmed === "")
    throw new OxtailError("invalid-state", "purpose is empty. Say in a few words what you are working on.");
  if (hasUnsafeChars(trimmed)) {
    throw new OxtailError(
      "invalid-state",
      "purpose contains control characters (newlines, escapes). Use one plain line.",
    );
  }
  const length = [...trimmed].length;
  if (length > MAX_PURPOSE_CHARS) {
    throw new OxtailError(
      "invalid-state",
      `purpose is ${length} characters; the limit is ${MAX_PURPOSE_CHARS}.`,
      {
        data: { length, limit: MAX_PURPOSE_CHARS },
      },
    );
  }
  return { v: 1, purpose: trimmed, set_at: now.toISOString() };
}
