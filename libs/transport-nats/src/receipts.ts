import {
  messageIdTime,
  type ReceiptEvent,
  ReceiptEventSchema,
  type ReceiptStore,
} from "@oxtail/core/runtime";
import { bucketKeys, guarded, type Link } from "./link.js";

const EVENTS = ["queued", "delivered", "replied", "expired"] as const;

/**
 * Receipts in a KV bucket: one key `<message id>.<event>` per event, written with `create` so the
 * first record wins whichever machine writes it. The bucket's max age drops them after 7 days.
 */
export function createNatsReceiptStore(link: Link, bucket: string): ReceiptStore {
  const store: ReceiptStore = {
    async record(event) {
      const { receipts } = await link.up();
      try {
        await receipts.create(`${event.id}.${event.event}`, JSON.stringify(event));
        return true;
      } catch (error) {
        // `create` refuses a key that exists: that event was recorded already.
        if (/wrong last sequence|key exists/i.test(String((error as Error).message))) return false;
        throw error;
      }
    },
    async events(id) {
      const { receipts } = await link.up();
      const found: ReceiptEvent[] = [];
      for (const name of EVENTS) {
        const got = await receipts.get(`${id}.${name}`);
        if (got?.operation !== "PUT") continue;
        try {
          const parsed = ReceiptEventSchema.safeParse(got.json());
          if (parsed.success && parsed.data.id === id) found.push(parsed.data);
        } catch {
          // unusable entry: skipped
        }
      }
      return found;
    },
    async prune(before) {
      const linked = await link.up();
      const { receipts } = linked;
      const old: string[] = [];
      for (const key of await bucketKeys(linked, bucket)) {
        const time = messageIdTime(key.split(".")[0] ?? "");
        if (Number.isFinite(time) && time < before) old.push(key);
      }
      for (const key of old) await receipts.purge(key);
      return old.length;
    },
  };
  return {
    record: (event) => guarded("recording a receipt", () => store.record(event)),
    events: (id) => guarded("reading a receipt", () => store.events(id)),
    prune: (before) => guarded("pruning receipts", () => store.prune(before)),
  };
}
