import fs from "node:fs";
import type { ClientAdapter } from "../adapter/types.js";
import type { AgentRecord } from "../registry/types.js";

/** What tells that an agent started a turn: its transcript grew, or it turned busy. */
export interface TurnSignal {
  /** Transcript size in bytes; -1 when it has none (yet). */
  size: number;
  busy: boolean;
}

/** Reads an agent's {@link TurnSignal}. */
export type TurnSignalReader = (agent: AgentRecord, adapter: ClientAdapter | null) => Promise<TurnSignal>;

function transcriptSize(agent: AgentRecord): number {
  try {
    if (agent.client.transcript_path) return fs.statSync(agent.client.transcript_path).size;
  } catch {
    // no transcript yet
  }
  return -1;
}

/** The default {@link TurnSignalReader}: one stat of the transcript, and the adapter's liveness. */
export const readTurnSignal: TurnSignalReader = async (agent, adapter) => {
  const size = transcriptSize(agent);
  const live =
    adapter?.capabilities.liveness && adapter.liveness
      ? await adapter.liveness(agent).catch(() => null)
      : null;
  return { size, busy: live?.state === "busy" };
};
