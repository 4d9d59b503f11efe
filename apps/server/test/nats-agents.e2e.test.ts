// Per-agent NATS credentials (SPEC §12, docs/several-machines.md §4): `oxtail nats-config --agents`
// makes the operator, the project's account and the signing key; nats-server runs in operator mode with
// the configuration it prints; each machine's built server mints its own user from the signing key and
// talks to the other machine's agent through it, under the SDK's real Client.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { WAKE_LINE } from "@oxtail/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  hasNatsServer,
  startNatsServer,
  type TestNatsServer,
} from "../../../libs/transport-nats/test/nats-server.ts";
import { startAndExit, typedLines, until, World } from "./harness.ts";
import { firstMailOf, mailOf, rowsSeeing } from "./nats-machines.ts";
import { oxtailIn } from "./setup-helpers.ts";

const A = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa";
const B = "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb";
const PROJECT = "example.com/team/repo";
const HOOK_BIN = path.resolve(import.meta.dirname, "../../hook/bin/oxtail-hook");

describe.skipIf(!hasNatsServer())("per-agent NATS credentials on two machines", () => {
  let operator: string;
  let nats: TestNatsServer | null = null;
  let laptop: World;
  let buildbox: World;
  let keys: string;

  /** `oxtail nats-config --agents` in the operator's folder, with the project named as the agents name it. */
  const natsConfig = (...args: string[]) =>
    oxtailIn(operator, ["nats-config", ...args], { env: { OXTAIL_PROJECT: PROJECT } });

  /** A machine's copy of the signing key, private, in its own home. */
  const keyOn = (world: World) => {
    const file = path.join(world.home, "nats-signing-key.json");
    const [made] = fs.readdirSync(keys).filter((f) => f.startsWith("signing-key-"));
    fs.copyFileSync(path.join(keys, made ?? "none"), file);
    fs.chmodSync(file, 0o600);
    return file;
  };
  const natsEnv = (world: World, host: string) => ({
    OXTAIL_TRANSPORT: "nats",
    OXTAIL_NATS_URL: nats?.url ?? "nats://127.0.0.1:1",
    OXTAIL_PROJECT: PROJECT,
    OXTAIL_HOST_ID: host,
    OXTAIL_NATS_SIGNING_KEY: keyOn(world),
  });

  beforeEach(() => {
    operator = fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-operator-"));
    keys = path.join(operator, "nats-keys");
    laptop = new World();
    buildbox = new World();
  });
  afterEach(async () => {
    await laptop.dispose();
    await buildbox.dispose();
    await nats?.dispose();
    nats = null;
    fs.rmSync(operator, { recursive: true, force: true });
  });

  it("runs nats-server with what `nats-config --agents` prints; agents send, read and ask across machines as their own users", async () => {
    const printed = natsConfig("--agents", "nats-keys");
    expect(printed.code, printed.err).toBe(0);
    expect(printed.out).toMatch(/^operator: ey/m);
    expect(printed.out).toContain("resolver: MEMORY");
    const keyFile = /a copy of (\S+signing-key-[0-9a-f]{16}\.json)$/m.exec(printed.out)?.[1] ?? "";
    expect(path.dirname(keyFile)).toBe(keys);
    expect(fs.statSync(keys).mode & 0o777).toBe(0o700);
    expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);
    // A second run keeps the keys: the same account, signed again.
    const again = natsConfig("--agents", "nats-keys");
    const account = (text: string) => /^ {2}(A[A-Z2-7]{55}): ey/m.exec(text)?.[1];
    expect(account(again.out)).toBe(account(printed.out));
    expect(again.out).toContain(`Kept in ${keys}`);
    // --agents and a shared user's options do not mix.
    expect(natsConfig("--agents", "nats-keys", "--user", "alpha").code).toBe(2);

    const config = path.join(operator, "server.conf");
    fs.writeFileSync(config, printed.out);
    nats = await startNatsServer(["-c", config]);

    const a = await laptop.agent({ cwd: laptop.project(), claudeSession: A, env: natsEnv(laptop, "laptop") });
    const cwdB = buildbox.project();
    const b = await buildbox.agent({
      cwd: cwdB,
      claudeSession: B,
      claudeDir: buildbox.claudeDirWithTranscript(B, cwdB),
      env: natsEnv(buildbox, "buildbox"),
    });
    expect((await a.call("get_my_session")).transport).toMatchObject({ name: "nats", creds: "per-agent" });
    await until("the other machine's agent", () => rowsSeeing(a, B));
    // Its transcript, read on the build box by its own server for the laptop's agent's user.
    expect(await a.call("read_session", { name: B, limit: 2 })).toMatchObject({
      ok: true,
      machine: "buildbox",
      turns: [{ user: "Are you still there?" }, { assistant: "Still here after compaction." }],
    });

    expect(await a.call("send_message", { target: B, body: "hello from the laptop" })).toMatchObject({
      ok: true,
    });
    const got = await mailOf(b, "the message on the build box");
    expect(got.map((m) => m.body)).toEqual(["hello from the laptop"]);
    expect((await b.call("read_my_messages")).messages).toEqual([]);

    const asking = a.call("ask_peer", { target: B, body: "What is 6 × 7?", timeout_ms: 60_000 });
    const question = await firstMailOf(b, "the question on the build box");
    expect(question.body).toBe("What is 6 × 7?");
    await b.call("send_message", { target: A, body: "42", reply_to: question.id });
    expect(await asking).toMatchObject({
      ok: true,
      timed_out: false,
      reply: { body: "42", re: question.id },
    });
    // Receipts are shared; the sender sees what became of its question.
    const status = await a.call("message_status", { ids: [question.id] });
    expect(JSON.stringify(status)).toContain('"replied"');

    // The human on the laptop asks with the same signing key: the CLI mints a user of its own.
    const human = laptop.cli(laptop.project(), ["ask", B, "how far are you?", "--timeout", "60"], {
      ...natsEnv(laptop, "laptop"),
    });
    const asked = await firstMailOf(b, "the human's question on the build box");
    expect(asked.body).toBe("how far are you?");
    await b.call("send_message", { target: asked.from, body: "nearly done", reply_to: asked.id });
    const answer = await human;
    expect(answer.code, answer.err).toBe(0);
    expect(answer.out.trim()).toBe("nearly done");

    // The build box's hook program (Claude Code's PreToolUse, as setup installs it) hands mail over mid-turn,
    // reading NATS as a user of its own that may read that session's mailbox.
    const sent = await a.call("send_message", { target: B, body: "between two tool calls" });
    await buildbox.arrivalHinted(B);
    const root = buildbox.project();
    const hooked = spawnSync(HOOK_BIN, ["claude", "PreToolUse", "deliver", "CLAUDE_CODE_SESSION_ID"], {
      cwd: root,
      input: `${JSON.stringify({ session_id: B, hook_event_name: "PreToolUse", cwd: root })}\n`,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: root,
        OXTAIL_HOME: buildbox.home,
        ...natsEnv(buildbox, "buildbox"),
        CLAUDE_CODE_SESSION_ID: B,
      },
      encoding: "utf8",
    });
    expect(hooked.status).toBe(0);
    expect(hooked.stdout).toContain("between two tool calls");
    expect(await a.call("message_status", { ids: [sent.message_id] })).toMatchObject({
      receipts: [{ state: "delivered", delivered: { via: "hook-mid-turn" } }],
    });
    expect((await b.call("read_my_messages")).messages).toEqual([]);

    // The fleet view, as its own user too: both machines' agents.
    const fleet = await laptop.cli(
      laptop.project(),
      ["status", "--json", "--all"],
      natsEnv(laptop, "laptop"),
    );
    expect(fleet.code, fleet.err).toBe(0);
    const agents = (JSON.parse(fleet.out) as { agents: { id: string; machine: string | null }[] }).agents;
    expect(agents.map((r) => [r.id, r.machine]).sort()).toEqual([
      [A, null],
      [B, "buildbox"],
    ]);
  });

  it("an agent whose session becomes known after it connected reads its session's mail (its user is minted again, reconnected)", async () => {
    const printed = natsConfig("--agents", "nats-keys");
    expect(printed.code, printed.err).toBe(0);
    const config = path.join(operator, "server.conf");
    fs.writeFileSync(config, printed.out);
    nats = await startNatsServer(["-c", config]);
    const root = laptop.project();
    // No session id at start: the server connects as the user of its instance's mailbox only.
    const x = await laptop.agent({ cwd: root, env: natsEnv(laptop, "laptop") });
    expect((await x.call("read_my_messages")).messages).toEqual([]);
    const a = await buildbox.agent({
      cwd: buildbox.project(),
      claudeSession: A,
      env: natsEnv(buildbox, "buildbox"),
    });
    expect(await x.call("register_my_session", { session_id: B, client_type: "codex" })).toMatchObject({
      ok: true,
      session_id: B,
    });
    await until("the agent's session on the other machine", () => rowsSeeing(a, B));
    expect(await a.call("send_message", { target: B, body: "after the session" })).toMatchObject({
      ok: true,
    });
    const got = await mailOf(x, "the message to the session");
    expect(got.map((m) => m.body)).toEqual(["after the session"]);
    // Its ask_peer looks at its own mailbox through its consumer: the reply comes back.
    const asking = x.call("ask_peer", { target: A, body: "ping?", timeout_ms: 60_000 });
    const question = await firstMailOf(a, "the question on the other machine");
    await a.call("send_message", { target: B, body: "pong", reply_to: question.id });
    expect(await asking).toMatchObject({ ok: true, timed_out: false, reply: { body: "pong" } });
  });

  it("relays a wake to the peer's machine: its server answers on its own wake subject", async () => {
    const printed = natsConfig("--agents", "nats-keys");
    const config = path.join(operator, "server.conf");
    fs.writeFileSync(config, printed.out);
    nats = await startNatsServer(["-c", config]);
    const a = await laptop.agent({ cwd: laptop.project(), claudeSession: A, env: natsEnv(laptop, "laptop") });
    const root = buildbox.project();
    const typed = path.join(root, "typed.txt");
    await buildbox.agentInPane({
      session: "beta",
      cwd: root,
      claudeSession: B,
      command: `while IFS= read -r line; do printf "%s\\n" "$line" >> ${typed}; done`,
      env: natsEnv(buildbox, "buildbox"),
    });
    await until("the build box's agent", () => rowsSeeing(a, B));
    const result = await a.call("ask_peer", { target: B, body: "SECRET-QUESTION-TEXT", timeout_ms: 1500 });
    expect(result).toMatchObject({ ok: true, timed_out: true, wake: { attempted: true, strategy: "tmux" } });
    const lines = await until("the typed wake line", () => typedLines(typed));
    expect(lines).toContain(WAKE_LINE);
    expect(lines).not.toContain("SECRET-QUESTION-TEXT");
  });

  it("refuses a signing key file that is missing, a symlink, readable by others, not a key, or another project's (exit 78)", async () => {
    expect(natsConfig("--agents", "nats-keys").code).toBe(0);
    const root = laptop.project();
    const start = (file: string, extra: Record<string, string> = {}) =>
      startAndExit(laptop.home, root, {
        OXTAIL_TRANSPORT: "nats",
        OXTAIL_NATS_URL: "nats://127.0.0.1:1",
        OXTAIL_PROJECT: PROJECT,
        OXTAIL_NATS_SIGNING_KEY: file,
        ...extra,
      });
    const good = keyOn(laptop);
    const cases: [string, Record<string, string>, string][] = [];
    cases.push([path.join(laptop.home, "missing.json"), {}, "missing.json: no such file."]);
    const link = path.join(laptop.home, "link.json");
    fs.symlinkSync(good, link);
    cases.push([link, {}, "link.json: "]);
    const open = path.join(laptop.home, "open.json");
    fs.copyFileSync(good, open);
    fs.chmodSync(open, 0o644);
    cases.push([open, {}, "other users may read it (mode 644); chmod 600 it."]);
    const seedOnly = path.join(laptop.home, "seed.json");
    fs.writeFileSync(seedOnly, "SAAJUNKJUNK\n", { mode: 0o600 });
    cases.push([seedOnly, {}, "seed.json: not JSON."]);
    cases.push([good, { OXTAIL_PROJECT: "example.com/another" }, `it is the key of project "${PROJECT}"`]);
    cases.push([good, { OXTAIL_NATS_CREDS: good }, "not both."]);
    for (const [file, extra, said] of cases) {
      const run = await start(file, extra);
      expect(run.code, run.stderr).toBe(78);
      expect(run.stderr).toContain(said);
    }
    expect((await start(link)).stderr).toMatch(/symbolic link/);
  });
});
