import fs from "node:fs";
import type { AgentRecord, Liveness } from "@oxtail/core";
import { hasFunctionResponse, isSessionContext, messagesBackward, partsText } from "./records.js";

/**
 * Busy or idle from the chat file's newest message (Gemini CLI keeps no status file): a prompt or a
 * tool result waiting for the model, or a model message with tool calls, means a turn is running; a
 * model message without tool calls, or an error, ended it. A chat with no turn yet is idle at its
 * prompt (the file is written at start-up).
 */
export async function geminiLiveness(
  agent: AgentRecord,
  find: (sessionId: string) => string | null,
): Promise<Liveness> {
  const sessionId = agent.client.session_id;
  const file = agent.client.transcript_path ?? (sessionId ? find(sessionId) : null);
  if (!file || !fs.existsSync(file))
    return { state: "unknown", lastActivity: null, reason: "no chat file known for this session" };
  for await (const message of messagesBackward(file, { maxLines: 2000 })) {
    const r = message.record;
    const at = message.timestamp;
    if (message.type === "user") {
      const text = partsText(r.content).trim();
      if (isSessionContext(text) && !hasFunctionResponse(r.content))
        return { state: "idle", lastActivity: at, reason: "no prompt yet: the session sits at its prompt" };
      return {
        state: "busy",
        lastActivity: at,
        reason: hasFunctionResponse(r.content)
          ? "a tool result awaits the model's answer"
          : "a prompt awaits the model's answer",
      };
    }
    if (message.type === "gemini") {
      const calls = Array.isArray(r.toolCalls) ? r.toolCalls.length : 0;
      if (calls === 0 && !partsText(r.content).trim())
        return { state: "busy", lastActivity: at, reason: "the model's message is still being written" };
      return calls > 0
        ? {
            state: "busy",
            lastActivity: at,
            reason: "the model's last message called tools: the turn goes on",
          }
        : { state: "idle", lastActivity: at, reason: "the model's last message ended its turn" };
    }
    if (message.type === "error")
      return { state: "idle", lastActivity: at, reason: "the last turn ended in an error" };
  }
  return {
    state: "idle",
    lastActivity: null,
    reason: "no turn in the chat yet: the session sits at its prompt",
  };
}
