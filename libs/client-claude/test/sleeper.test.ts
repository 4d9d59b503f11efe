import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { readSleeper } from "@oxtail/core";
import { afterEach, describe, expect, it } from "vitest";
import {
  canHideProc,
  childrenOf,
  cleanUp,
  createSandbox,
  ME,
  mail,
  nodeWrapper,
  pause,
  pending,
  type Sandbox,
  startClient,
  startSleeper,
  until,
  writeSessionFile,
} from "./sleeper-harness.ts";

// Claude Code's asyncRewake sleeper (bin/oxtail-claude-sleeper), run for real with a stand-in Claude Code:
// how it waits and how it wakes. How it ends is in sleeper-ends.test.ts.

afterEach(async () => {
  expect(await cleanUp()).toEqual([]);
});

/** A sandbox whose stand-in Claude Code runs ME, idle, and a sleeper started for it, once it waits. */
async function waitingSleeper(env: Record<string, string | undefined> = {}, sandbox = createSandbox()) {
  const client = startClient(sandbox);
  writeSessionFile(sandbox, client.pid as number);
  const sleeper = await startSleeper(sandbox, { env });
  expect(await until(() => readSleeper(sandbox.home, ME).waiting?.pid === sleeper.pid)).toBe(true);
  return { sandbox, client, sleeper };
}

const lockFile = (sandbox: Sandbox) => path.join(sandbox.home, "sleepers", `${ME}.json`);
const bellFile = (sandbox: Sandbox) => path.join(sandbox.home, "sleepers", `${ME}.bell`);

/** What the fds of `pid` point to. */
function openFiles(pid: number): string[] {
  return fs.readdirSync(`/proc/${pid}/fd`).map((fd) => {
    try {
      return fs.readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      return "";
    }
  });
}

describe("the sleeper waits", () => {
  it("while no mail comes: its lock names it and it keeps the bell, a private FIFO, open", async () => {
    const { sandbox, sleeper } = await waitingSleeper();
    const lock = JSON.parse(fs.readFileSync(lockFile(sandbox), "utf8"));
    const stat = fs.readFileSync(`/proc/${sleeper.pid}/stat`, "utf8");
    expect(lock).toEqual({
      pid: sleeper.pid,
      start_time: stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19],
      since: expect.any(Number),
    });
    expect(fs.statSync(lockFile(sandbox)).mode & 0o777).toBe(0o600);
    const bell = fs.lstatSync(bellFile(sandbox));
    expect(bell.isFIFO()).toBe(true);
    expect(bell.mode & 0o777).toBe(0o600);
    expect(openFiles(sleeper.pid)).toContain(bellFile(sandbox));
    await pause(2500);
    expect(sleeper.running()).toBe(true);
    expect(readSleeper(sandbox.home, ME).waiting?.pid).toBe(sleeper.pid);
  });

  it("never starts Node (nor anything else) while it waits, and starts it once to hand the mail over", async () => {
    const sandbox = createSandbox();
    const node = nodeWrapper(sandbox);
    const { sleeper } = await waitingSleeper({ OXTAIL_NODE: node.path }, sandbox);
    for (let i = 0; i < 12; i++) {
      expect(childrenOf(sleeper.pid)).toEqual([]);
      await pause(250);
    }
    expect(node.starts()).toBe(0);
    await mail(sandbox, "wake up");
    expect(await sleeper.exit()).toBe(2);
    expect(node.starts()).toBe(1);
  });

  it("does not start Node again and again for entries in its mailbox that are not mail", async () => {
    const sandbox = createSandbox();
    const node = nodeWrapper(sandbox);
    const newDir = path.join(sandbox.home, "mailboxes", ME, "new");
    fs.mkdirSync(newDir, { recursive: true, mode: 0o700 });
    fs.writeFileSync(path.join(newDir, "junk.json"), "not a message");
    execFileSync("mkfifo", ["-m", "600", path.join(newDir, "0000000000ff-00000000-00000000.json")]);
    const { sleeper } = await waitingSleeper({ OXTAIL_NODE: node.path }, sandbox);
    await pause(4000); // four looks
    expect(node.starts()).toBeLessThanOrEqual(1); // one look through the hook finds nothing to take
    expect(sleeper.running()).toBe(true);
    await mail(sandbox, "real mail among the junk");
    expect(await sleeper.exit()).toBe(2);
    expect(sleeper.stderr()).toContain("real mail among the junk");
  });

  it("does not wake a busy session, and wakes it once its session file says idle", async () => {
    const sandbox = createSandbox();
    const client = startClient(sandbox);
    writeSessionFile(sandbox, client.pid as number, ME, "busy");
    const sleeper = await startSleeper(sandbox);
    expect(await until(() => readSleeper(sandbox.home, ME).waiting?.pid === sleeper.pid)).toBe(true);
    const sent = await mail(sandbox, "for later");
    await pause(2500); // two looks at least
    expect(sleeper.running()).toBe(true);
    expect((await pending(sandbox)).map((m) => m.id)).toEqual([sent.id]);
    expect(readSleeper(sandbox.home, ME).lastWake).toBeNull();
    writeSessionFile(sandbox, client.pid as number, ME, "idle");
    expect(await sleeper.exit()).toBe(2);
    expect(sleeper.stderr()).toContain("for later");
    expect(await pending(sandbox)).toEqual([]);
  });
});

describe("the sleeper wakes its session", () => {
  it("when a message is sent: the bell rings, it prints the mail framed by oxtail and exits 2; the mailbox is empty", async () => {
    const { sandbox, sleeper } = await waitingSleeper();
    const first = await mail(sandbox, "can you review my branch?");
    expect(await sleeper.exit()).toBe(2);
    const text = sleeper.stderr();
    expect(text).toMatch(/^\[oxtail\] A message arrived for you through oxtail/);
    expect(text).toContain(`--- message ${first.id}`);
    expect(text).toContain("Message from peer agent codex (peer) — this is information from another agent");
    expect(text).toContain("can you review my branch?");
    expect(await pending(sandbox)).toEqual([]);
    const state = readSleeper(sandbox.home, ME);
    expect(state.lastWake?.messages).toEqual([first.id]);
    expect(state.waiting).toBeNull();
  });

  it("without its bell (the FIFO removed while it waits), at its next look", async () => {
    const { sandbox, sleeper } = await waitingSleeper();
    fs.rmSync(bellFile(sandbox));
    const sent = await mail(sandbox, "no bell rang");
    expect(await sleeper.exit()).toBe(2);
    expect(sleeper.stderr()).toContain("no bell rang");
    expect(readSleeper(sandbox.home, ME).lastWake?.messages).toEqual([sent.id]);
  });

  it("without a usable bell (a regular file, or a symlink to a FIFO elsewhere), which it leaves alone", async () => {
    for (const kind of ["file", "symlink"] as const) {
      const sandbox = createSandbox();
      fs.mkdirSync(path.join(sandbox.home, "sleepers"), { recursive: true, mode: 0o700 });
      const outside = path.join(sandbox.dir, "outside-fifo");
      execFileSync("mkfifo", ["-m", "600", outside]);
      if (kind === "file") fs.writeFileSync(bellFile(sandbox), "not a bell");
      else fs.symlinkSync(outside, bellFile(sandbox));
      const { sleeper } = await waitingSleeper({}, sandbox);
      const files = openFiles(sleeper.pid);
      expect(files.filter((f) => f === outside || f.endsWith(".bell"))).toEqual([]);
      await mail(sandbox, `past a ${kind}`);
      expect(await sleeper.exit()).toBe(2);
      expect(sleeper.stderr()).toContain(`past a ${kind}`);
      if (kind === "file") expect(fs.readFileSync(bellFile(sandbox), "utf8")).toBe("not a bell");
      else expect(fs.readlinkSync(bellFile(sandbox))).toBe(outside);
      await cleanUp();
    }
  });

  it("with a text that cannot reach the terminal: escape sequences in a body arrive inert", async () => {
    const { sandbox, sleeper } = await waitingSleeper();
    await mail(sandbox, "title \u001b]0;pwned\u0007 and \u001b[31mred\u001b[0m \u009b2J");
    expect(await sleeper.exit()).toBe(2);
    const text = sleeper.stderr();
    expect(text).toContain("pwned");
    expect([...text].filter((c) => c === "\u001b" || c === "\u0007" || c === "\u009b")).toEqual([]);
    expect(text).toContain("\\u{001b}]0;pwned");
  });

  it("for a session id in upper case on its stdin (no CLAUDE_CODE_SESSION_ID), named so in Claude Code's session file", async () => {
    const sandbox = createSandbox();
    const client = startClient(sandbox);
    writeSessionFile(sandbox, client.pid as number, ME.toUpperCase());
    const sleeper = await startSleeper(sandbox, {
      env: { CLAUDE_CODE_SESSION_ID: undefined },
      payload: `${JSON.stringify({ session_id: ME.toUpperCase(), hook_event_name: "Stop" })}\n`,
    });
    expect(await until(() => readSleeper(sandbox.home, ME).waiting?.pid === sleeper.pid)).toBe(true);
    const sent = await mail(sandbox, "upper or lower, one session");
    expect(await sleeper.exit()).toBe(2);
    expect(sleeper.stderr()).toContain("upper or lower, one session");
    expect(readSleeper(sandbox.home, ME).lastWake?.messages).toEqual([sent.id]);
  });

  it("with OXTAIL_HOME a symlink to the data folder (resolved once, as the server does)", async () => {
    const sandbox = createSandbox();
    fs.mkdirSync(sandbox.home, { mode: 0o700 });
    const link = path.join(sandbox.dir, "oxtail-link");
    fs.symlinkSync(sandbox.home, link);
    const { sleeper } = await waitingSleeper({ OXTAIL_HOME: link }, sandbox);
    const sent = await mail(sandbox, "through the link");
    expect(await sleeper.exit()).toBe(2);
    expect(sleeper.stderr()).toContain("through the link");
    expect(readSleeper(sandbox.home, ME).lastWake?.messages).toEqual([sent.id]);
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
  });

  it.skipIf(!canHideProc)("without /proc (as on macOS): its lock says it waits, and it wakes", async () => {
    const sandbox = createSandbox();
    const client = startClient(sandbox);
    writeSessionFile(sandbox, client.pid as number);
    const sleeper = await startSleeper(sandbox, { hideProc: true });
    expect(await until(() => readSleeper(sandbox.home, ME).waiting?.pid === sleeper.pid)).toBe(true);
    expect(JSON.parse(fs.readFileSync(lockFile(sandbox), "utf8")).start_time).toBeNull();
    await mail(sandbox, "no proc here");
    expect(await sleeper.exit()).toBe(2);
    expect(sleeper.stderr()).toContain("no proc here");
  });
});
