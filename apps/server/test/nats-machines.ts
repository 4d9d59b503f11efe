// Two machines joined only through one real nats-server (SPEC §12): the fixture of the NATS e2e tests
// and fault runs. Each machine is a World (its own oxtail home, tmux and host id) on the shared server.
import { afterEach, beforeEach } from "vitest";
import { startNatsServer, type TestAgent, type TestNatsServer, until, World } from "./harness.ts";

export interface Machines {
  nats: TestNatsServer;
  laptop: World;
  buildbox: World;
}

/**
 * Registers the per-test set-up: a fresh nats-server, and two worlds on it with host ids `laptop` and
 * `buildbox`; all three gone after the test. The fields are those of the running test.
 */
export function twoMachines(): Machines {
  const machines = {} as Machines;
  beforeEach(async () => {
    machines.nats = await startNatsServer();
    machines.laptop = new World({ server: machines.nats, host: "laptop" });
    machines.buildbox = new World({ server: machines.nats, host: "buildbox" });
  });
  afterEach(async () => {
    await machines.laptop.dispose();
    await machines.buildbox.dispose();
    await machines.nats.dispose();
  });
  return machines;
}

/** A message as an agent's read_my_messages returns it (the fields the NATS tests look at). */
export type TestMessage = { id: string; body: string; re?: string; from: string; origin?: string };

/** What `agent` reads once anything came (read_my_messages, tried again until then). */
export function mailOf(agent: TestAgent, what: string): Promise<TestMessage[]> {
  return until(what, async () => {
    const messages = (await agent.call("read_my_messages")).messages as TestMessage[];
    return messages.length > 0 && messages;
  });
}

/** The first message `agent` reads once anything came. */
export async function firstMailOf(agent: TestAgent, what: string): Promise<TestMessage> {
  const [first] = await mailOf(agent, what);
  if (!first) throw new Error(`no message: ${what}`);
  return first;
}

/** A row of `list_project_sessions` (the fields the NATS tests look at). */
export type TestRow = { id?: string; machine?: string };

/** `agent`'s listing once it shows the agent of `session` (its short id), else null: to wait on with `until`. */
export async function rowsSeeing(agent: TestAgent, session: string): Promise<TestRow[] | null> {
  const rows = (await agent.call("list_project_sessions")).rows as TestRow[];
  return rows.some((r) => r.id === session.slice(0, 8)) ? rows : null;
}
