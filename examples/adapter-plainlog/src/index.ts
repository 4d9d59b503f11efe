/**
 * oxtail-client-plainlog — an example third-party client adapter, for a fictional client
 * "Plainlog" that writes `<dir>/<session id>.jsonl` transcripts of `{role, text, ts}` lines
 * and tells its MCP servers who it is in `PLAINLOG_SESSION_ID` (and `PLAINLOG_DIR`).
 * It uses only @oxtail/core's public contract, and oxtail loads it by package name
 * (`OXTAIL_ADAPTERS=oxtail-client-plainlog`, or `$OXTAIL_HOME/config.json` `{"adapters": […]}`).
 */
import fs from "node:fs";
import path from "node:path";
import { defineClientAdapter, isSessionId, parseJsonLine, readLinesBackward, type Turn } from "@oxtail/core";

/** Options: where Plainlog keeps transcripts (default `$PLAINLOG_DIR`). */
export interface PlainlogOptions {
  dir?: string;
}

export default defineClientAdapter<PlainlogOptions>((options) => {
  const dirOf = (env: Readonly<Record<string, string | undefined>>) =>
    options?.dir ?? env.PLAINLOG_DIR ?? null;
  return {
    name: "plainlog",
    displayName: "Plainlog",
    capabilities: { transcript: true, liveness: false, hooks: false },
    requirements: { env: ["PLAINLOG_SESSION_ID", "PLAINLOG_DIR"] },
    async detect(context) {
      const byInfo = context.clientInfo?.name === "plainlog";
      const id = context.env.PLAINLOG_SESSION_ID;
      const valid = isSessionId(id);
      const dir = dirOf(context.env);
      const transcript = valid && dir ? path.join(dir, `${id.toLowerCase()}.jsonl`) : null;
      return {
        matched: byInfo || valid,
        strategies: [
          {
            strategy: "clientInfo",
            found: byInfo,
            reason: byInfo ? "clientInfo.name is plainlog" : "clientInfo is not plainlog",
          },
          {
            strategy: "env",
            found: valid,
            reason: valid ? `PLAINLOG_SESSION_ID=${id}` : "no valid PLAINLOG_SESSION_ID",
          },
        ],
        ...(valid ? { session: { sessionId: id.toLowerCase(), transcriptPath: transcript } } : {}),
      };
    },
    async findTranscript(sessionId) {
      const dir = dirOf(process.env);
      const file = dir ? path.join(dir, `${sessionId.toLowerCase()}.jsonl`) : null;
      return file && fs.existsSync(file) ? file : null;
    },
    async readTranscript(file, { limit }) {
      const turns: Turn[] = [];
      let complete = true;
      for await (const line of readLinesBackward(file)) {
        if (turns.length > limit) {
          complete = false;
          break;
        }
        const r = parseJsonLine(line);
        if (r && (r.role === "user" || r.role === "assistant") && typeof r.text === "string") {
          turns.push({
            role: r.role,
            text: r.text,
            timestamp: typeof r.ts === "string" ? r.ts : null,
            toolCalls: [],
          });
        }
      }
      return {
        turns: turns.slice(0, limit).reverse(),
        truncated: turns.length > limit,
        totalTurns: complete ? turns.length : null,
      };
    },
  };
});
