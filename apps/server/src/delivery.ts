import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { JSONRPCMessage, RequestId } from "@modelcontextprotocol/sdk/types.js";
import type { Claim, Tracer } from "@oxtail/core/runtime";

/**
 * How long a delivered answer's messages stay claimed after the answer was written, ms. A client's
 * cancel that crossed the answer arrives well within it; the messages then go back to the mailbox.
 */
export const DELIVERY_HOLD_MS = 1500;

/** How many cancelled request ids are remembered (a cancel can arrive after its answer was sent). */
const CANCELLED_KEPT = 1000;

interface Entry {
  claims: Claim[];
  timer?: NodeJS.Timeout;
}

/**
 * Every path that hands messages to the client goes through here (SPEC §9, "nothing lost on the
 * way to the model"): a tool that answers with messages keeps them claimed and registers the claim
 * under its request id. The claim is acknowledged only once the answer was written to the client
 * and no cancel for that request came within {@link DELIVERY_HOLD_MS}, or at once for a message the
 * model replied to ({@link DeliveryLedger.seen}); it is released (the messages go back to the
 * mailbox, untouched) when the call was cancelled, its answer could not be written, or the server
 * stops before the answer left — marked as maybe seen when the answer had been written. A crash
 * leaves the claim to the mailbox's recovery.
 */
export class DeliveryLedger {
  private readonly unsent = new Map<RequestId, Entry>();
  private readonly held = new Set<Entry>();
  private readonly cancelled = new Set<RequestId>();

  private tracer: Tracer = { enabled: false, trace() {} };

  constructor(private readonly holdMs: number = DELIVERY_HOLD_MS) {}

  /** Trace settlements to `tracer` (set once the runtime has one). */
  useTracer(tracer: Tracer): void {
    this.tracer = tracer;
  }

  /** A tool's answer to `requestId` carries `claim`'s messages: settle it once the answer is out. */
  hold(requestId: RequestId, claim: Claim): void {
    if (claim.messages.length === 0) {
      void claim.ack().catch(() => {});
      return;
    }
    const entry = this.unsent.get(requestId) ?? { claims: [] };
    entry.claims.push(claim);
    this.unsent.set(requestId, entry);
  }

  /** The call ended without an answer (aborted, or it failed after claiming): put its messages back. */
  abandon(requestId: RequestId, why: string): void {
    const entry = this.unsent.get(requestId);
    if (!entry) return;
    this.unsent.delete(requestId);
    void this.settle(entry, "release", why);
  }

  /**
   * The model acted on message `id` (it replied to it): the answer that carried it was read, so it
   * is acknowledged now, whatever cancel may still come for that call.
   */
  seen(id: string): void {
    for (const entry of this.held) {
      const claim = entry.claims.find((c) => c.messages.some((m) => m.id === id));
      if (!claim) continue;
      void claim.ack([id]).catch((error) => {
        this.tracer.trace({ kind: "delivery.settle-failed", how: "ack", error: String(error) });
      });
      this.tracer.trace({ kind: "delivery.acked", why: "the model replied to it", messages: [id] });
    }
  }

  /** True when the client cancelled `requestId`. */
  isCancelled(requestId: RequestId): boolean {
    return this.cancelled.has(requestId);
  }

  /**
   * Watch a transport: cancels coming in, answers going out. Call before the server connects
   * (the wrapped `send` is the one the server will use).
   */
  attach(transport: Transport): void {
    const send = transport.send.bind(transport);
    transport.send = async (message, options) => {
      const id = answerId(message);
      const entry = id === null ? undefined : this.unsent.get(id);
      if (id !== null && entry) this.unsent.delete(id);
      try {
        await send(message, options);
      } catch (error) {
        if (entry) await this.settle(entry, "release", "the answer could not be written");
        throw error;
      }
      if (!entry || id === null) return;
      if ("error" in message) {
        await this.settle(entry, "release", "the call answered with an error");
        return;
      }
      this.held.add(entry);
      entry.timer = setTimeout(() => {
        this.held.delete(entry);
        const cancelled = this.cancelled.has(id);
        // The answer was written, so a cancel may have crossed it (never read) or come after the
        // client read it (some clients abort every call of a turn when the turn ends): the messages
        // go back marked, so their next delivery says the model may have seen them already.
        void this.settle(
          entry,
          cancelled ? "release" : "ack",
          cancelled ? "the client cancelled the call" : "delivered",
          cancelled,
        );
      }, this.holdMs);
      entry.timer.unref();
    };
    // The SDK's Protocol keeps an onmessage set before connect() and calls it first for every message.
    const before = transport.onmessage;
    transport.onmessage = (message, extra) => {
      if ("method" in message && message.method === "notifications/cancelled") {
        const id = (message.params as { requestId?: unknown } | undefined)?.requestId;
        if (typeof id === "string" || typeof id === "number") this.noteCancelled(id);
      }
      before?.(message, extra);
    };
  }

  /**
   * The server stops: answers not yet written go back; answers written but still held go back too
   * (the client may have died with them unread), so nothing is lost — at least once.
   */
  async shutdown(): Promise<void> {
    const unsent = [...this.unsent.values()];
    const held = [...this.held];
    this.unsent.clear();
    this.held.clear();
    for (const entry of held) clearTimeout(entry.timer);
    await Promise.all([
      ...unsent.map((entry) => this.settle(entry, "release", "the server stopped before answering")),
      // Written, so maybe seen: marked, so the next delivery says "you may have seen this already".
      ...held.map((entry) =>
        this.settle(entry, "release", "the server stopped before the answer was confirmed", true),
      ),
    ]);
  }

  private noteCancelled(id: RequestId): void {
    this.cancelled.add(id);
    if (this.cancelled.size > CANCELLED_KEPT) {
      const oldest = this.cancelled.values().next().value;
      if (oldest !== undefined) this.cancelled.delete(oldest);
    }
  }

  private async settle(entry: Entry, how: "ack" | "release", why: string, shown = false): Promise<void> {
    const ids = entry.claims.flatMap((c) => c.messages.map((m) => m.id));
    for (const claim of entry.claims) {
      try {
        await (how === "ack" ? claim.ack() : claim.release(undefined, { shown }));
      } catch (error) {
        this.tracer.trace({ kind: "delivery.settle-failed", how, error: String(error) });
      }
    }
    this.tracer.trace({ kind: how === "ack" ? "delivery.acked" : "delivery.released", why, messages: ids });
  }
}

/** The request id a JSON-RPC answer (result or error) belongs to, or null for anything else. */
function answerId(message: JSONRPCMessage): RequestId | null {
  if (!("id" in message) || "method" in message) return null;
  return message.id ?? null;
}
