/**
 * Every error code oxtail returns. The kebab-case codes of SPEC §3 are part of the
 * public contract: tools return them as `{ ok: false, error, message }`.
 */
export const ERROR_CODES = [
  // SPEC §3 tool errors
  "out-of-scope",
  "not-found",
  "ambiguous-target",
  "no-transcript",
  "invalid-session-id",
  "body-too-large",
  "no-self-message",
  "peer-has-no-session-id",
  "invalid-state",
  "invalid-input",
  // SPEC §9: identity
  "session-id-in-use",
  // SPEC §10: delivery
  "too-many-targets",
  // SPEC §10: loop guard
  "ask-cycle",
  "rate-limited",
  // storage and data directory
  "unsafe-path",
  "corrupt-record",
  "storage-failure",
  // environment
  "tmux-unavailable",
  "internal-error",
  "timeout",
  "aborted",
  // adapters (loading and contract)
  "adapter-not-found",
  "adapter-invalid",
  "adapter-api-mismatch",
] as const;

/** One of {@link ERROR_CODES}. */
export type OxtailErrorCode = (typeof ERROR_CODES)[number];

const BRAND: unique symbol = Symbol.for("oxtail.error");

/** Options for {@link OxtailError}. */
export interface OxtailErrorOptions {
  /** Machine-readable details a caller may act on (candidates, limits, paths). */
  data?: Record<string, unknown>;
  /** The underlying error, if any. */
  cause?: unknown;
  /** The package or module that raised it, shown as `[oxtail] [origin]`. */
  origin?: string;
}

/**
 * The one error class of oxtail. `instanceof` is brand-based, so an error made by one
 * copy of `@oxtail/core` is recognised by another.
 */
export class OxtailError extends Error {
  /** Stable code from {@link ERROR_CODES}. */
  readonly code: OxtailErrorCode;
  /** Details for the caller. */
  readonly data: Record<string, unknown>;
  /** The bare message, without the `[oxtail]` prefix: what tools show a model. */
  readonly detail: string;

  constructor(code: OxtailErrorCode, message: string, options: OxtailErrorOptions = {}) {
    const origin = options.origin ? ` [${options.origin}]` : "";
    super(`[oxtail]${origin} ${message}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "OxtailError";
    this.code = code;
    this.data = options.data ?? {};
    this.detail = message;
    Object.defineProperty(this, BRAND, { value: true });
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }
}

/** True when `value` is an {@link OxtailError}, from any copy of core; optionally of one code. */
export function isOxtailError(value: unknown, code?: OxtailErrorCode): value is OxtailError {
  return value instanceof OxtailError && (code === undefined || value.code === code);
}
