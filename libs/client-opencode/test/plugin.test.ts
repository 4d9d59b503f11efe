// The plugin setup installs, run under Node with the events OpenCode 1.18.33 emits: it leaves an
// identity drop core accepts and a state log the adapter reads, under the same UUID.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { readIdentityDrops } from "@oxtail/core";
import { afterEach, expect, test } from "vitest";
import { sessionUuid } from "../src/ids.ts";
import { pluginSource } from "../src/plugin.ts";
import { newestState } from "../src/state.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  delete process.env.OXTAIL_HOME;
});

test("the plugin logs session status and leaves an identity drop, and never throws", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-opencode-plugin-"));
  dirs.push(dir);
  const home = path.join(dir, "home");
  process.env.OXTAIL_HOME = home;
  const file = path.join(dir, "oxtail.js");
  fs.writeFileSync(file, pluginSource(null));
  const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  expect(Object.keys(mod)).toEqual(["OxtailPlugin"]);
  const hooks = await (mod.OxtailPlugin as (i: unknown) => Promise<{ event: (e: unknown) => Promise<void> }>)(
    {
      serverUrl: new URL("http://127.0.0.1:4096/"),
      directory: "/tmp/project",
    },
  );
  const id = "ses_dc97637b2ffeEBoSjWb9wzcF6W";
  await hooks.event({
    event: { type: "session.status", properties: { sessionID: id, status: { type: "busy" } } },
  });
  await hooks.event({ event: { type: "session.idle", properties: { sessionID: id } } });
  await hooks.event({
    event: { type: "session.status", properties: { sessionID: "../../etc", status: { type: "busy" } } },
  });
  await hooks.event({ event: null });
  await hooks.event({ event: { type: "message.updated", properties: { sessionID: id } } });

  const uuid = sessionUuid(id);
  const drops = readIdentityDrops(home);
  expect(drops.map((d) => [d.session_id, d.client_type, d.cwd])).toEqual([
    [uuid, "opencode", "/tmp/project"],
  ]);
  expect(drops[0]?.ancestor_pids).toContain(process.pid);
  const log = path.join(home, "opencode", `${uuid}.jsonl`);
  expect(drops[0]?.transcript_path).toBe(log);
  expect(fs.readFileSync(log, "utf8").trim().split("\n")).toHaveLength(2);
  expect(await newestState(log)).toMatchObject({
    session: id,
    status: "idle",
    serverUrl: "http://127.0.0.1:4096/",
    pid: process.pid,
    cwd: "/tmp/project",
  });
  expect(fs.statSync(log).mode & 0o777).toBe(0o600);
});
