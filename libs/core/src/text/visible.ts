// Peer-supplied text (names, cards, message bodies) reaches models, terminals and clients' stderr.
// These helpers keep control and format characters from doing anything there.

/**
 * C0 and C1 controls, DEL, and the format characters that can re-order, hide or fake text:
 * zero-width and directional marks, line/paragraph separators, bidi embeddings, overrides and
 * isolates, invisible operators, and the byte-order mark. Written as escapes, built once.
 */
const UNSAFE_RANGES = "\\u0000-\\u001f\\u007f-\\u009f\\u200b-\\u200f\\u2028-\\u202e\\u2060-\\u206f\\ufeff";
/** Matches one control or format character. */
export const UNSAFE_CHARS_RE: RegExp = new RegExp(`[${UNSAFE_RANGES}]`, "u");
const UNSAFE_GLOBAL_RE = new RegExp(`[${UNSAFE_RANGES}]`, "gu");
/** The same, except newline and tab. */
const UNSAFE_BUT_NEWLINE_TAB_RE = new RegExp(`(?![\\n\\t])[${UNSAFE_RANGES}]`, "gu");

/** True when `text` holds a control or format character (see {@link UNSAFE_CHARS_RE}). */
export function hasUnsafeChars(text: string): boolean {
  return UNSAFE_CHARS_RE.test(text);
}

/**
 * A one-line label safe to show anywhere: control and format characters removed, whitespace
 * runs collapsed, trimmed, cut to `max` characters. For names, client types and tmux names.
 */
export function safeLabel(text: string, max = 200): string {
  const clean = text.replace(UNSAFE_GLOBAL_RE, "").replace(/\s+/g, " ").trim();
  const chars = [...clean];
  return chars.length <= max ? clean : `${chars.slice(0, max - 1).join("")}…`;
}

/**
 * Multi-line text made inert for a terminal or a client's stderr: newlines and tabs stay, every
 * other control or format character is shown as a visible `\u{…}` escape instead of acting.
 */
export function inertText(text: string): string {
  return text.replace(
    UNSAFE_BUT_NEWLINE_TAB_RE,
    (c) => `\\u{${(c.codePointAt(0) ?? 0).toString(16).padStart(4, "0")}}`,
  );
}
