import path from "node:path";
import { runClientAdapterConformance } from "@oxtail/core/testing";
import { expect, test } from "vitest";
import plainlog from "../src/index.ts";

const dir = path.join(import.meta.dirname, "fixtures");
const SESSION = "0c0c0c0c-0c0c-4c0c-8c0c-0c0c0c0c0c0c";
const context = (env: Record<string, string>, name: string | null) => ({
  env,
  clientInfo: name ? { name } : null,
  pid: process.pid,
  cwd: "/",
  startedAt: 0,
});

// The same kit the built-in adapters pass.
runClientAdapterConformance(test, () => plainlog({ dir }), {
  detection: {
    matching: context({ PLAINLOG_SESSION_ID: SESSION }, "plainlog"),
    notMatching: context({}, "claude-code"),
    expectedSessionId: SESSION,
  },
  transcripts: [{ path: path.join(dir, `${SESSION}.jsonl`), sessionId: SESSION, minTurns: 4 }],
  additionalTests: ({ test: t, make }) => {
    t("plainlog: reads its transcript's turns", async () => {
      const tail = await make().readTranscript?.(path.join(dir, `${SESSION}.jsonl`), { limit: 10 });
      expect(tail?.turns.map((x) => `${x.role}: ${x.text}`)).toEqual([
        "user: plan the release",
        "assistant: drafting the changelog",
        "user: ship it",
        "assistant: shipped",
      ]);
    });
  },
});
