// The NATS transport's fault runs (SPEC §12), through the built server and a real nats-server: the
// server restarted mid-stream loses nothing (file storage), and a machine that goes away without a
// word leaves the listing once its presence expires. In the slow project (`npm run test:slow`).
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  hasNatsServer,
  startNatsServer,
  type TestNatsServer,
} from "../../../../libs/transport-nats/test/nats-server.ts";
import { type TestAgent, until, World } from "../harness.ts";

const A = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa";
const B = "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb";

type Msg = { id: string; body: string };

describe.skipIf(!hasNatsServer())("NATS transport faults", () => {
  let nats: TestNatsServer;
  let laptop: World;
  let buildbox: World;
  const natsEnv = (host: string, extra: Record<string, string> = {}) => ({
    OXTAIL_TRANSPORT: "nats",
    OXTAIL_NATS_URL: nats.url,
    OXTAIL_PROJECT: "example.com/team/repo",
    OXTAIL_HOST_ID: host,
    ...extra,
  });
  const ids = async (agent: TestAgent) =>
    ((await agent.call("list_project_sessions")).rows as { id?: string }[]).map((r) => r.id);

  beforeEach(async () => {
    nats = await startNatsServer();
    laptop = new World();
    buildbox = new World();
  });
  afterEach(async () => {
    await laptop.dispose();
    await buildbox.dispose();
    await nats.dispose();
  });

  it("loses nothing and duplicates nothing when nats-server restarts in the middle of a stream of sends", async () => {
    // 40 sends in a row: past the loop guard's burst, which is not what this test is about.
    const a = await laptop.agent({
      cwd: laptop.project(),
      claudeSession: A,
      env: natsEnv("laptop", { OXTAIL_LOOP_GUARD: "off" }),
    });
    const b = await buildbox.agent({ cwd: buildbox.project(), claudeSession: B, env: natsEnv("buildbox") });
    await until("the build box's agent", async () => (await ids(a)).includes(B.slice(0, 8)));

    const accepted: string[] = [];
    const refused: string[] = [];
    let restart: Promise<void> = Promise.resolve();
    for (let i = 0; i < 40; i++) {
      if (i === 15)
        restart = (async () => {
          await nats.stop();
          await new Promise((r) => setTimeout(r, 1500));
          await nats.start();
        })();
      const body = `message ${i}`;
      const sent = await a.call("send_message", { target: B, body });
      if (sent.ok === true) accepted.push(body);
      else {
        // A send the link could not carry says so with a code; it is not silently dropped.
        expect(sent).toMatchObject({ ok: false, error: "storage-failure" });
        refused.push(body);
      }
    }
    await restart;
    expect(accepted.length).toBeGreaterThan(15);
    console.log(`nats restart mid-stream: ${accepted.length} sends accepted, ${refused.length} refused`);

    const read: string[] = [];
    await until(
      "every accepted message on the build box",
      async () => {
        const answer = await b.call("read_my_messages");
        if (answer.ok === true) read.push(...(answer.messages as Msg[]).map((m) => m.body));
        return accepted.every((body) => read.includes(body));
      },
      60_000,
    );
    // Exactly once each, in order; a refused send was never delivered.
    expect(read.filter((body) => accepted.includes(body))).toEqual(accepted);
    expect(read.filter((body) => refused.includes(body))).toEqual([]);
  });

  it("drops a machine that went away without a word once its presence expires", async () => {
    const env = (host: string) => natsEnv(host, { OXTAIL_NATS_PRESENCE_TTL_MS: "3000" });
    const a = await laptop.agent({ cwd: laptop.project(), claudeSession: A, env: env("laptop") });
    const b = await buildbox.agent({ cwd: buildbox.project(), claudeSession: B, env: env("buildbox") });
    await until("the build box's agent", async () => (await ids(a)).includes(B.slice(0, 8)));
    // Still listed well past one TTL while its heartbeat runs.
    await new Promise((r) => setTimeout(r, 6000));
    expect(await ids(a)).toContain(B.slice(0, 8));
    // The build box's server dies without unregistering.
    process.kill(b.pid, "SIGKILL");
    await until(
      "the build box's agent to expire",
      async () => !(await ids(a)).includes(B.slice(0, 8)),
      30_000,
    );
    expect(await ids(a)).toEqual([A.slice(0, 8)]);
  });
});
