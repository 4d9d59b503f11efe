import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createLink, type Link } from "../src/link.js";
import { createNatsMailboxStore } from "../src/mailbox.js";
import { projectNames } from "../src/names.js";
import { createNatsRegistryStore } from "../src/registry.js";
import { mailbox, message, record } from "./fixtures.js";
import { freePort, hasNatsServer, startNatsServer, type TestNatsServer } from "./nats-server.js";

const names = projectNames("4444444444444444");

describe.skipIf(!hasNatsServer())("a machine behind a leaf node (docs/several-machines.md §6)", () => {
  let dir: string;
  let hub: TestNatsServer;
  let leaf: TestNatsServer;
  const links: Link[] = [];

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-nats-leaf-"));
    const leafPort = await freePort();
    const hubConf = path.join(dir, "hub.conf");
    // The hub's JetStream has a domain: clients of the leaf reach it as $JS.hub.API.
    fs.writeFileSync(
      hubConf,
      `jetstream {\n  domain: hub\n}\nleafnodes {\n  listen: "127.0.0.1:${leafPort}"\n}\n`,
    );
    hub = await startNatsServer(["-c", hubConf]);
    // The leaf runs no JetStream of its own: the hub's streams and buckets serve both machines.
    const leafConf = path.join(dir, "leaf.conf");
    fs.writeFileSync(
      leafConf,
      `leafnodes {\n  remotes: [ { url: "nats-leaf://127.0.0.1:${leafPort}" } ]\n}\n`,
    );
    leaf = await startNatsServer(["-c", leafConf], { jetstream: false });
  });
  afterEach(async () => {
    for (const link of links.splice(0)) await link.close();
    await leaf.dispose();
    await hub.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const linkTo = (server: TestNatsServer) => {
    const link = createLink({ url: server.url, name: "leaf-test", domain: "hub" }, names);
    links.push(link);
    return link;
  };

  it("carries mail and presence between an agent on the hub and one on its own leaf node", async () => {
    const onHub = linkTo(hub);
    const onLeaf = linkTo(leaf);
    const to = mailbox();
    // The leaf's link to the hub comes up shortly after the leaf starts.
    const leafMail = createNatsMailboxStore(onLeaf, names);
    await expect
      .poll(
        () =>
          leafMail.hasPending(to).then(
            () => true,
            () => false,
          ),
        { timeout: 20_000 },
      )
      .toBe(true);
    await createNatsMailboxStore(onHub, names).append(to, message(to, "from the hub machine"));
    const claim = await leafMail.claim(to, { maxMessages: 5, maxBytes: 1 << 20 });
    expect(claim.messages.map((m) => m.body)).toEqual(["from the hub machine"]);
    await claim.ack();

    const hubPresence = createNatsRegistryStore(onHub, names, { host: "hub", root: "/r" });
    const leafPresence = createNatsRegistryStore(onLeaf, names, { host: "edge", root: "/r" });
    try {
      await leafPresence.put(record("200-bbb", "/r"));
      expect((await hubPresence.list()).records.map((r) => r.instance_id)).toEqual(["200-bbb"]);
    } finally {
      hubPresence.stop();
      leafPresence.stop();
    }
  });
});
