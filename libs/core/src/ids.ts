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

const MESSAGE_ID_RE = /^[0-9a-f]{12}-[0-9a-f]{8}-[0-9a-f]{8}$/;

/** True when `value` is a message id made by {@link createMessageId}. */
export function isMessageId(value: unknown): value is string {
  return typeof value === "string" && MESSAGE_ID_RE.test(value);
}

let lastMs = 0;
let sequence = 0;
/** Four random hex digits (ids need to be unique, not secret: no crypto module is loaded for them). */
const randomHex4 = () =>
  Math.floor(Math.random() * 0x10000)
    .toString(16)
    .padStart(4, "0");
const processSalt = randomHex4();

/**
 * A new message id: `<ms time, 12 hex>-<sequence, 8 hex>-<random, 8 hex>`. Ids sort in
 * creation order; within one process they strictly increase, even when the clock
 * steps back.
 */
export function createMessageId(now: number = Date.now()): string {
  if (now > lastMs) {
    lastMs = now;
    sequence = 0;
  } else {
    sequence += 1;
  }
  const time = lastMs.toString(16).padStart(12, "0");
  const seq = (sequence >>> 0).toString(16).padStart(8, "0");
  return `${time}-${seq}-${processSalt}${randomHex4()}`;
}

/** The creation time encoded in a message id, in ms since the epoch. */
export function messageIdTime(id: string): number {
  return Number.parseInt(id.slice(0, 12), 16);
}
