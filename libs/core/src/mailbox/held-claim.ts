import { OxtailError } from "../errors.js";
import type { Claim, ClaimLimits, Message } from "./types.js";

/** One claimed message as a store holds it until it is settled. */
export interface HeldMessage {
  /** Where the claimed message lies (the store's own handle). */
  file: string;
  message: Message;
  /** {@link messageBytes} of the message. */
  bytes: number;
  redelivered: boolean;
  settled: boolean;
}

/** A {@link HeldMessage} not settled yet. */
export function heldMessage(file: string, message: Message, bytes = messageBytes(message)): HeldMessage {
  return { file, message, bytes, redelivered: false, settled: false };
}

/**
 * A {@link Claim} over `entries`: `ack` and `release` (all unsettled entries, or only the given
 * ids) run the store's action once per entry, whatever the order or number of calls.
 */
export function createHeldClaim(
  entries: readonly HeldMessage[],
  remaining: number,
  actions: { ack(entry: HeldMessage): void; release(entry: HeldMessage, shown: boolean): void },
): Claim {
  const settle = (ids: Iterable<string> | undefined, action: (entry: HeldMessage) => void): Promise<void> => {
    const only = ids === undefined ? null : new Set(ids);
    for (const entry of entries) {
      if (entry.settled || (only && !only.has(entry.message.id))) continue;
      entry.settled = true;
      action(entry);
    }
    return Promise.resolve();
  };
  return {
    messages: entries.map((e) => e.message),
    entries: entries.map(({ message, redelivered, bytes }) => ({ message, redelivered, bytes })),
    remaining,
    ack: (ids) => settle(ids, actions.ack),
    release: (ids, options) => settle(ids, (entry) => actions.release(entry, options?.shown === true)),
  };
}

/** A message's size as `maxBytes` counts it: its JSON, in UTF-8 bytes. */
export function messageBytes(message: Message): number {
  return Buffer.byteLength(JSON.stringify(message), "utf8");
}

/** Refuse limits that would claim nothing (`invalid-input`). */
export function checkClaimLimits(limits: ClaimLimits): void {
  const { maxMessages, maxBytes } = limits;
  if (!Number.isInteger(maxMessages) || maxMessages < 1 || !(maxBytes > 0)) {
    throw new OxtailError(
      "invalid-input",
      `Claim limits must be maxMessages >= 1 (an integer) and maxBytes > 0; got ${JSON.stringify(limits)}.`,
    );
  }
}
