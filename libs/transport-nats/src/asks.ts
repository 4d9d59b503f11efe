import { ASK_KEPT_MS, type AskStore, type PendingAsk, PendingAskSchema } from "@oxtail/core/runtime";
import { bucketKeys, guarded, type Link } from "./link.js";

/**
 * Pending asks in a KV bucket, one key per question id: every machine's loop guard walks the same
 * chain, and a replier on another machine finds the ask its reply answers.
 */
export function createNatsAskStore(link: Link, bucket: string, now: () => number = Date.now): AskStore {
  const read = async (questionId: string): Promise<PendingAsk | null> => {
    const { asks } = await link.up();
    const got = await asks.get(questionId);
    if (got?.operation !== "PUT") return null;
    try {
      const parsed = PendingAskSchema.safeParse(got.json());
      return parsed.success && parsed.data.question_id === questionId ? parsed.data : null;
    } catch {
      return null;
    }
  };
  const store: AskStore = {
    async put(ask) {
      const { asks } = await link.up();
      await asks.put(ask.question_id, JSON.stringify(PendingAskSchema.parse(ask)));
    },
    get: read,
    async list() {
      const linked = await link.up();
      const { asks } = linked;
      const keys = await bucketKeys(linked, bucket);
      const found: PendingAsk[] = [];
      for (const key of keys) {
        const ask = await read(key);
        if (!ask) continue;
        if (now() - ask.deadline > ASK_KEPT_MS) {
          await asks.purge(key).catch(() => {});
          continue;
        }
        found.push(ask);
      }
      return found;
    },
    async remove(questionId) {
      const { asks } = await link.up();
      await asks.purge(questionId);
    },
  };
  return {
    put: (ask) => guarded("recording an ask", () => store.put(ask)),
    get: (questionId) => guarded("reading an ask", () => store.get(questionId)),
    list: () => guarded("listing asks", () => store.list()),
    remove: (questionId) => guarded("removing an ask", () => store.remove(questionId)),
  };
}
