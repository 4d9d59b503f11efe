import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createNatsAskStore } from "../src/asks.js";
import { createLink, type Link, redactUrl, splitCredentials } from "../src/link.js";
import { createNatsMailboxStore } from "../src/mailbox.js";
import { projectNames } from "../src/names.js";
import { natsConfigSnippet } from "../src/permissions.js";
import { createNatsReceiptStore } from "../src/receipts.js";
import { createNatsRegistryStore } from "../src/registry.js";
import { mailbox, message, record } from "./fixtures.js";
import { hasNatsServer, startNatsServer, type TestNatsServer } from "./nats-server.js";

const P1 = "1111111111111111";
const P2 = "2222222222222222";

describe("credentials in the server URL", () => {
  it("are taken out of the URL for the connection and never shown", () => {
    expect(splitCredentials("nats://alpha:s%40cret@host:4222, nats://other:4222")).toEqual({
      servers: ["nats://host:4222", "nats://other:4222"],
      user: "alpha",
      pass: "s@cret",
    });
    expect(redactUrl("nats://alpha:s3cret@host:4222")).toBe("nats://alpha:***@host:4222");
    expect(redactUrl("tls://host:4222")).toBe("tls://host:4222");
  });
});

describe.skipIf(!hasNatsServer())(
  "the permissions `oxtail nats-config` prints, on a real nats-server",
  () => {
    let server: TestNatsServer;
    let dir: string;
    const links: Link[] = [];

    beforeEach(async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-nats-conf-"));
      const users = [
        natsConfigSnippet({ project: "example.com/one", token: P1, user: "alpha", password: "pw-alpha" }),
        natsConfigSnippet({ project: "example.com/two", token: P2, user: "beta", password: "pw-beta" }),
      ]
        .map((snippet) => snippet.replace(/^#.*\n/gm, ""))
        .join("\n");
      const config = path.join(dir, "server.conf");
      fs.writeFileSync(config, `authorization {\n  users: [\n${users}\n  ]\n}\n`);
      server = await startNatsServer(["-c", config]);
    });
    afterEach(async () => {
      for (const link of links.splice(0)) await link.close();
      await server.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    const linkAs = (user: string, password: string, token: string) => {
      const link = createLink(
        { url: server.url.replace("nats://", `nats://${user}:${password}@`), name: user },
        projectNames(token),
      );
      links.push(link);
      return link;
    };

    it("let a project's user do everything oxtail does in its project", async () => {
      const names = projectNames(P1);
      const link = linkAs("alpha", "pw-alpha", P1);
      const mail = createNatsMailboxStore(link, names);
      const to = mailbox();
      await mail.append(to, message(to, "allowed"));
      expect((await mail.peek(to)).map((m) => m.body)).toEqual(["allowed"]);
      const claim = await mail.claim(to, { maxMessages: 5, maxBytes: 1 << 20 });
      expect(claim.messages.map((m) => m.body)).toEqual(["allowed"]);
      await claim.ack();
      expect(await mail.hasPending(to)).toBe(false);

      const presence = createNatsRegistryStore(link, names, { host: "laptop", root: "/r" });
      try {
        await presence.put(record("100-aaa", "/r"));
        expect((await presence.list()).records.map((r) => r.instance_id)).toEqual(["100-aaa"]);
      } finally {
        presence.stop();
      }
      const receipts = createNatsReceiptStore(link, names.receipts);
      const m = message(to, "x");
      expect(await receipts.record({ v: 1, id: m.id, at: "now", event: "delivered", via: null })).toBe(true);
      expect(await receipts.events(m.id)).toHaveLength(1);
      const asks = createNatsAskStore(link, names.asks);
      expect(await asks.list()).toEqual([]);
    });

    it("refuse a subscription to another project's mailboxes, and sending into them", async () => {
      const { nc, js } = await linkAs("alpha", "pw-alpha", P1).ready();
      const sub = nc.subscribe(`${projectNames(P2).mailboxes}.>`);
      // nats.js ends a refused subscription with the server's error as the value of `closed`.
      expect(String(await sub.closed)).toMatch(
        /Permissions Violation for Subscription to "oxtail\.2{16}\.mbox\.>"/,
      );
      const other = mailbox();
      await expect(
        js.publish(projectNames(P2).mailbox(other), JSON.stringify(message(other, "intruder")), {
          timeout: 2000,
        }),
      ).rejects.toThrow();
      // The other project's own user sees nothing arrived.
      const names2 = projectNames(P2);
      const beta = createNatsMailboxStore(linkAs("beta", "pw-beta", P2), names2);
      expect(await beta.peek(other)).toEqual([]);
    });

    it("refuse the wrong password", async () => {
      await expect(linkAs("alpha", "wrong", P1).ready()).rejects.toMatchObject({ code: "storage-failure" });
    });
  },
);
