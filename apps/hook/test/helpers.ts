import fs from "node:fs";
import path from "node:path";
import claude from "@oxtail/client-claude";
import codex from "@oxtail/client-codex";
import { type ClientAdapter, hookMode } from "@oxtail/core";
import {
  createFsMailboxStore,
  createMailbox,
  type MailboxKey,
  sessionMailboxKey,
} from "@oxtail/core/runtime";

/** The real hook program. */
export const HOOK = path.resolve(import.meta.dirname, "..", "bin", "oxtail-hook");
export const ME = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa";
export const PEER = "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb";

const ADAPTERS: Record<string, ClientAdapter> = { claude: claude(), codex: codex() };

/**
 * The hook program's arguments for `event` of `adapter`, as `oxtail setup` writes them: the event's
 * mode from the adapter's declaration, and the session variable when the client sets one.
 */
export function hookArgs(adapter: string, event: string): string[] {
  const hooks = ADAPTERS[adapter]?.hooks;
  const spec = hooks?.events.find((e) => e.event === event);
  if (!hooks || !spec) return [adapter, event];
  return [adapter, event, hookMode(spec), ...(hooks.sessionEnv ? [hooks.sessionEnv] : [])];
}

/** Send a message to `to` as PEER, through core's mailbox. */
export async function mail(home: string, to: string, body: string, replyTo: string | null = null) {
  const mailbox = createMailbox({ store: createFsMailboxStore({ home }) });
  const from = { session_id: PEER, instance_id: "1-1", client_type: "codex", display_name: "codex (beta)" };
  const m = await mailbox.send({
    from,
    fromMailbox: sessionMailboxKey(PEER),
    to: sessionMailboxKey(to),
    toSessionId: to.toLowerCase(),
    body,
    replyTo,
  });
  await new Promise((r) => setTimeout(r, 3)); // let the clock pass the message's millisecond
  return m;
}

/** The messages waiting for `session`, unclaimed. */
export const pending = (home: string, session: string) =>
  createMailbox({ store: createFsMailboxStore({ home }) }).peek(sessionMailboxKey(session) as MailboxKey);

/** The file names in one folder of `session`'s mailbox. */
export function mailboxFiles(home: string, session: string, sub: "new" | "cur" | "redelivered"): string[] {
  const dir = path.join(home, "mailboxes", session.toLowerCase(), sub);
  return fs.existsSync(dir) ? fs.readdirSync(dir) : [];
}

/**
 * An OXTAIL_NODE wrapper that records that Node was started (by touching `marker`), optionally
 * waits until the file `gate` exists, then runs the real node.
 */
export function nodeWrapper(dir: string, marker: string, gate?: string): string {
  const wrapper = path.join(dir, `node-wrapper-${gate ? "gated" : "plain"}.sh`);
  const wait = gate ? `while [ ! -e "${gate}" ]; do sleep 0.01; done\n` : "";
  fs.writeFileSync(wrapper, `#!/bin/sh\ntouch "${marker}"\n${wait}exec "${process.execPath}" "$@"\n`, {
    mode: 0o700,
  });
  return wrapper;
}

/** True while `pid` exists and is not a zombie. */
export function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.charAt(stat.lastIndexOf(")") + 2) !== "Z";
  } catch {
    return false;
  }
}

/** Poll `check` every 50 ms until it holds or `ms` passed; returns its last value. */
export async function until<T>(check: () => T, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  let value = check();
  while (!value && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 50));
    value = check();
  }
  return value;
}

/** Pids of live processes whose environment holds `OXTAIL_HOME=<home>` (what a test left running). */
export function processesUsingHome(home: string): number[] {
  const needle = `OXTAIL_HOME=${home}\0`;
  const out: number[] = [];
  for (const name of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      if (`${fs.readFileSync(`/proc/${name}/environ`, "latin1")}\0`.includes(needle) && running(Number(name)))
        out.push(Number(name));
    } catch {
      // gone, or not ours
    }
  }
  return out;
}
