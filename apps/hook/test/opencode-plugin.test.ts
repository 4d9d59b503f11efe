// OpenCode runs no command hooks: oxtail's plugin runs the hook program after each tool call and
// appends the mail it hands over to the tool's output. Here the plugin setup writes (pointing at this
// hook program) runs under Node as OpenCode runs it, against real files under a temporary OXTAIL_HOME.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { pluginSource, sessionUuid } from "@oxtail/client-opencode";
import {
  createFsMailboxStore,
  createFsReceiptStore,
  createMailbox,
  createReceipts,
  sessionMailboxKey,
} from "@oxtail/core/runtime";
import { afterEach, beforeEach, expect, it } from "vitest";
import { HOOK, mail, PEER, pending, processesUsingHome, until } from "./helpers.ts";

type ToolAfter = (
  call: unknown,
  output: { title: string; output: string; metadata: unknown },
) => Promise<void>;

let home: string;
let before: string | undefined;
beforeEach(() => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-hook-opencode-"));
  before = process.env.OXTAIL_HOME;
  process.env.OXTAIL_HOME = home;
});
afterEach(async () => {
  if (before === undefined) delete process.env.OXTAIL_HOME;
  else process.env.OXTAIL_HOME = before;
  expect(await until(() => processesUsingHome(home).length === 0, 10_000)).toBe(true);
  fs.rmSync(home, { recursive: true, force: true });
});

async function plugin(): Promise<ToolAfter> {
  const file = path.join(home, `oxtail-${Math.random().toString(36).slice(2)}.js`);
  fs.writeFileSync(file, pluginSource(HOOK));
  const mod = (await import(pathToFileURL(file).href)) as {
    OxtailPlugin: (input: unknown) => Promise<Record<string, unknown>>;
  };
  const hooks = await mod.OxtailPlugin({ serverUrl: new URL("http://127.0.0.1:4096/"), directory: home });
  return hooks["tool.execute.after"] as ToolAfter;
}

const SESSION = "ses_dc97637b2ffeEBoSjWb9wzcF6W";

it("after a tool call the plugin appends the session's mail to the tool's output, and records it delivered mid-turn", async () => {
  const after = await plugin();
  const uuid = sessionUuid(SESSION);
  // No mail: the output stays as it was.
  const quiet = { title: "bash", output: "total 0", metadata: {} };
  await after({ tool: "bash", sessionID: SESSION, callID: "call_1", args: {} }, quiet);
  expect(quiet.output).toBe("total 0");
  // Sent with its receipt, as an oxtail server sends.
  const receipts = createReceipts({ store: createFsReceiptStore({ home }) });
  const sent = await createMailbox({ store: createFsMailboxStore({ home }), receipts }).send({
    from: { session_id: PEER, instance_id: "1-1", client_type: "codex", display_name: "codex (beta)" },
    fromMailbox: sessionMailboxKey(PEER),
    to: sessionMailboxKey(uuid),
    toSessionId: uuid,
    body: "PEER-NOTE: the parser tests are red",
  });
  const output = { title: "bash", output: "total 0", metadata: {} };
  await after({ tool: "bash", sessionID: SESSION, callID: "call_2", args: {} }, output);
  expect(output.output.startsWith("total 0\n\n[oxtail] A message arrived for you")).toBe(true);
  expect(output.output).toContain("PEER-NOTE: the parser tests are red");
  expect(output.output).toContain("information from another agent");
  expect(await pending(home, uuid)).toEqual([]);
  // The hook acknowledged the mail once its answer was written, recording how it was delivered.
  const receipt = await receipts.get(sent.id);
  expect(receipt?.delivered?.via).toBe("hook-mid-turn");
});

it("another session's mail, a hostile session id or a missing hook program change nothing", async () => {
  const after = await plugin();
  await mail(home, sessionUuid("ses_other"), "not yours");
  for (const sessionID of [SESSION, "../../etc", 42, null]) {
    const output = { title: "read", output: "file text", metadata: {} };
    await after({ tool: "read", sessionID, callID: "c", args: {} }, output);
    expect(output.output).toBe("file text");
  }
  expect(await pending(home, sessionUuid("ses_other"))).toHaveLength(1);
  // A plugin written without a hook program (or pointing at one that is gone) only records state.
  const file = path.join(home, "no-hook.js");
  fs.writeFileSync(file, pluginSource(path.join(home, "gone", "oxtail-hook")));
  const mod = (await import(pathToFileURL(file).href)) as {
    OxtailPlugin: (input: unknown) => Promise<Record<string, ToolAfter>>;
  };
  const gone = (await mod.OxtailPlugin({ directory: home }))["tool.execute.after"] as ToolAfter;
  await mail(home, sessionUuid(SESSION), "waits");
  const output = { title: "read", output: "file text", metadata: {} };
  await gone({ tool: "read", sessionID: SESSION, callID: "c", args: {} }, output);
  expect(output.output).toBe("file text");
  expect(await pending(home, sessionUuid(SESSION))).toHaveLength(1);
});
