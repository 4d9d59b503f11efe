// A data directory with agents in it, written through core's own stores (no file is hand-made).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { AgentRecord, ClientAdapter, Liveness, Turn } from "@oxtail/core";
import {
  createFsAskStore,
  createFsMailboxStore,
  createFsReceiptStore,
  createFsRegistryStore,
  createMailbox,
  createMessageId,
  createReceipts,
  createRegistry,
  type MailboxKey,
  mailboxKeyOf,
  type PendingAsk,
} from "@oxtail/core/runtime";
import { makeAgentRecord } from "@oxtail/core/testing";

/**
 * A client adapter for tests, named "sim": busy/idle is the last line of the agent's transcript
 * (`busy` or `idle`), and every other line is an assistant turn.
 */
export function simAdapter(): ClientAdapter {
  return {
    name: "sim",
    displayName: "Simulated client",
    capabilities: { transcript: true, liveness: true, hooks: false, onboarding: false, wake: false },
    async liveness(agent: AgentRecord): Promise<Liveness> {
      const file = agent.client.transcript_path;
      const lines = file && fs.existsSync(file) ? fs.readFileSync(file, "utf8").trim().split("\n") : [];
      const lastLine = lines.at(-1);
      return lastLine === "busy" || lastLine === "idle"
        ? { state: lastLine, lastActivity: null, reason: `the transcript says ${lastLine}` }
        : { state: "unknown", lastActivity: null, reason: "no transcript" };
    },
    async readTranscript(file: string, options: { limit: number }) {
      const lines = fs.readFileSync(file, "utf8").trim().split("\n");
      const turns: Turn[] = lines
        .filter((l) => l !== "busy" && l !== "idle")
        .map((text) => ({ role: "assistant", text, timestamp: null, toolCalls: [] }));
      return {
        turns: turns.slice(-options.limit),
        truncated: turns.length > options.limit,
        totalTurns: turns.length,
      };
    },
  } as unknown as ClientAdapter;
}

export class FleetWorld {
  readonly dirs: string[] = [];
  readonly home = this.dir("oxtail-fleet-home-");
  readonly registry = createRegistry({ store: createFsRegistryStore({ home: this.home }) });
  readonly receipts = createReceipts({ store: createFsReceiptStore({ home: this.home }) });
  readonly mailbox = createMailbox({
    store: createFsMailboxStore({ home: this.home }),
    receipts: this.receipts,
  });
  readonly asks = createFsAskStore({ home: this.home });

  dir(prefix: string): string {
    const d = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
    this.dirs.push(d);
    return d;
  }

  /** A project folder (a `.git` folder makes it one). */
  project(): string {
    const d = this.dir("oxtail-fleet-proj-");
    fs.mkdirSync(path.join(d, ".git"));
    return d;
  }

  /** Register an agent of the "sim" client in `cwd`, its transcript saying `state`. */
  async agent(
    cwd: string,
    name: string,
    sessionId: string,
    state: "busy" | "idle",
    purpose?: string,
  ): Promise<AgentRecord> {
    const transcript = path.join(this.dir("oxtail-fleet-transcript-"), `${sessionId}.log`);
    fs.writeFileSync(transcript, `started\n${state}\n`);
    const now = new Date().toISOString();
    const record = makeAgentRecord({
      cwd,
      client: { type: "sim", name: "sim", session_id: sessionId, transcript_path: transcript, cwd },
      tmux: { socket: null, session: name, window: "0", pane: `%${this.dirs.length}` },
      state: purpose ? { v: 1, purpose, set_at: now } : null,
    } as Parameters<typeof makeAgentRecord>[0]);
    await this.registry.register(record);
    return record;
  }

  /** Say busy/idle in the agent's transcript (it grows). */
  say(agent: AgentRecord, line: string): void {
    fs.appendFileSync(agent.client.transcript_path as string, `${line}\n`);
  }

  async send(from: AgentRecord, to: AgentRecord, body: string, replyTo: string | null = null) {
    return this.mailbox.send({
      from: {
        session_id: from.client.session_id,
        instance_id: from.instance_id,
        client_type: from.client.type,
        display_name: from.tmux?.session ?? "?",
      },
      fromMailbox: mailboxKeyOf(from),
      to: mailboxKeyOf(to) as MailboxKey,
      toSessionId: to.client.session_id,
      body,
      replyTo,
      project: null,
    });
  }

  async ask(asker: AgentRecord, target: AgentRecord, extra: Partial<PendingAsk> = {}): Promise<PendingAsk> {
    const now = Date.now();
    const ask: PendingAsk = {
      v: 1,
      question_id: createMessageId(now),
      asker: { mailbox: mailboxKeyOf(asker), display_name: asker.tmux?.session ?? "?" },
      target: { mailbox: mailboxKeyOf(target), display_name: target.tmux?.session ?? "?" },
      created_at: now,
      deadline: now + 600_000,
      status: "waiting",
      updated_at: now,
      ...extra,
    };
    await this.asks.put(ask);
    return ask;
  }

  dispose(): void {
    for (const d of this.dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  }
}

/** Wait until `probe` returns something truthy (generous: the machine may be slow). */
export async function until<T>(
  what: string,
  probe: () => T | Promise<T>,
  ms = 20_000,
): Promise<NonNullable<T>> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
