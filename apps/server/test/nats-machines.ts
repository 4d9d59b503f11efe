// Two machines joined only through one real nats-server (SPEC §12): the fixture of the NATS e2e tests
// and fault runs. Each machine is a World (its own oxtail home, tmux and host id) on the shared server.
import { afterEach, beforeEach } from "vitest";
import { startNatsServer, type TestNatsServer, World } from "./harness.ts";

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
