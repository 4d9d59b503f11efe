// The NATS transport's fault runs (SPEC §12), through the built server and a real nats-server: the
// server restarted mid-stream loses nothing (file storage), and a machine that goes away without a
// word leaves the listing once its presence expires. In the slow project (`npm run test:slow`).
import { describe, expect, it } from "vitest";
import { hasNatsServer, type TestAgent, until } from "../harness.ts";
import { twoMachines } from "../nats-machines.ts";

const A = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa";
const B = "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb";

type Msg = { id: string; body: string };

describe.skipIf(!hasNatsServer())("NATS transport faults", () => {
  const m = twoMachines();
  const ids = async (agent: TestAgent) =>
    ((await agent.call("list_project_sessions")).rows as { id?: string }[]).map((r) => r.id);

  it("loses nothing and duplicates nothing when nats-server restarts in the middle of a stream of sends (the outbox holds them)", async () => {
    // 40 sends in a row: past the loop guard's burst, which is not what this test is about.
    const a = await m.laptop.agent({
      cwd: m.laptop.project(),
      claudeSession: A,
      env: { OXTAIL_LOOP_GUARD: "off" },
    });
    const b = await m.buildbox.agent({ cwd: m.buildbox.project(), claudeSession: B });
    await until("the build box's agent", async () => (await ids(a)).includes(B.slice(0, 8)));

    const sent: string[] = [];
    const send = async (i: number) => {
      const body = `message ${i}`;
      // While the link is down a send waits in the laptop's outbox on disk: it is still accepted.
      expect(await a.call("send_message", { target: B, body })).toMatchObject({ ok: true });
      sent.push(body);
    };
    for (let i = 0; i < 15; i++) await send(i);
    await m.nats.stop();
    // Sent while the server is surely down...
    for (let i = 15; i < 25; i++) await send(i);
    // ...and while it comes back.
    const restart = (async () => {
      await new Promise((r) => setTimeout(r, 1000));
      await m.nats.start();
    })();
    for (let i = 25; i < 40; i++) await send(i);
    await restart;

    const read: string[] = [];
    await until(
      "every message on the build box",
      async () => {
        const answer = await b.call("read_my_messages");
        if (answer.ok === true) read.push(...(answer.messages as Msg[]).map((msg) => msg.body));
        return read.length >= sent.length;
      },
      60_000,
    );
    // Exactly once each, in the order sent.
    expect(read).toEqual(sent);
    expect((await b.call("read_my_messages")).messages).toEqual([]);
  });

  it("drops a machine that went away without a word once its presence expires", async () => {
    const env = { OXTAIL_NATS_PRESENCE_TTL_MS: "3000" };
    const a = await m.laptop.agent({ cwd: m.laptop.project(), claudeSession: A, env });
    const b = await m.buildbox.agent({ cwd: m.buildbox.project(), claudeSession: B, env });
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
