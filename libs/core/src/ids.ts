import { OxtailError } from "./errors.js";

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True when `value` has the UUID form client session ids take (any version). */
export function isSessionId(value: unknown): value is string {
  return typeof value === "string" && UUID_RE.test(value);
}

/**
 * Validate and normalise (lower-case) a client session id. Anything else is
 * `invalid-session-id`: session ids are used to build paths.
 */
export function parseSessionId(value: unknown): string {
  if (!isSessionId(value)) {
    const shown = typeof value === "string" ? JSON.stringify(value.slice(0, 80)) : typeof value;
    throw new OxtailError(
      "invalid-session-id",
      `${shown} is not a session id. Use your client's own session id, a UUID (get_my_session says where your client keeps it).`,
    );
  }
  return value.toLowerCase();
}

/**
 * A message id, as a regular-expression source: `<ms time, 12 hex>-<sequence, 4 hex>-<random, 6 hex>`,
 * or the first version's longer `<12 hex>-<8 hex>-<8 hex>` (still read: mail written before).
 */
export const MESSAGE_ID_PATTERN = "[0-9a-f]{12}-(?:[0-9a-f]{4}-[0-9a-f]{6}|[0-9a-f]{8}-[0-9a-f]{8})";
const MESSAGE_ID_RE = new RegExp(`^${MESSAGE_ID_PATTERN}$`);

/** True when `value` is a message id made by {@link createMessageId}. */
export function isMessageId(value: unknown): value is string {
  return typeof value === "string" && MESSAGE_ID_RE.test(value);
}

let lastMs = 0;
let sequence = 0;
/** Random hex digits (ids need to be unique, not secret: no crypto module is loaded for them). */
const randomHex = (digits: 2 | 4) =>
  Math.floor(Math.random() * 16 ** digits)
    .toString(16)
    .padStart(digits, "0");
const processSalt = randomHex(2);
const MAX_SEQUENCE = 0xffff;

/**
 * A new message id: `<ms time, 12 hex>-<sequence, 4 hex>-<random, 6 hex>` (24 characters: models
 * read them in every message). Ids sort in creation order; within one process they strictly
 * increase, even when the clock steps back or more than 65 536 are made in one millisecond (the
 * time part then runs ahead by a millisecond).
 */
export function createMessageId(now: number = Date.now()): string {
  if (now > lastMs) {
    lastMs = now;
    sequence = 0;
  } else if (sequence < MAX_SEQUENCE) {
    sequence += 1;
  } else {
    lastMs += 1;
    sequence = 0;
  }
  const time = lastMs.toString(16).padStart(12, "0");
  const seq = sequence.toString(16).padStart(4, "0");
  return `${time}-${seq}-${processSalt}${randomHex(4)}`;
}

/** The creation time encoded in a message id, in ms since the epoch. */
export function messageIdTime(id: string): number {
  return Number.parseInt(id.slice(0, 12), 16);
}

/** How many leading characters of a session id tools show (a unique prefix also works as a target). */
export const SHORT_ID_CHARS = 8;

/** A session id as tools show it to a model: its first {@link SHORT_ID_CHARS} characters. */
export function shortSessionId(sessionId: string): string {
  return sessionId.slice(0, SHORT_ID_CHARS).toLowerCase();
}

const SESSION_PREFIX_RE = /^[0-9a-f]{8}(?:-[0-9a-f]{0,4}){0,3}(?:-[0-9a-f]{0,12})?$/i;

/** True when `value` could be the start of a session id, at least {@link SHORT_ID_CHARS} characters long. */
export function isSessionIdPrefix(value: string): boolean {
  return SESSION_PREFIX_RE.test(value);
}
