import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { instanceMailboxKey, type MailboxKey } from "@oxtail/core/runtime";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  agentAuthority,
  agentServerConfig,
  createAgentUser,
  jwtClaims,
  loadSigningKey,
} from "../src/agents.js";
import { createLink, type Link } from "../src/link.js";
import { createNatsMailboxStore } from "../src/mailbox.js";
import { projectNames } from "../src/names.js";
import type { ProjectIdentity } from "../src/project.js";
import { createNatsRegistryStore } from "../src/registry.js";
import { mailbox, message, record } from "./fixtures.js";
import { hasNatsServer, startNatsServer, type TestNatsServer } from "./nats-server.js";

const PROJECT: ProjectIdentity = {
  id: "example.com/one",
  source: "OXTAIL_PROJECT",
  token: "1111111111111111",
};
const OTHER: ProjectIdentity = { id: "example.com/two", source: "OXTAIL_PROJECT", token: "2222222222222222" };
const names = projectNames(PROJECT.token);

describe("the operator's folder of `oxtail nats-config --agents`", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-agents-"));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("is made once, private, and signs the same keys on every run", () => {
    const keys = path.join(dir, "keys");
    const first = agentAuthority(keys, PROJECT);
    expect(first.created).toBe(true);
    expect(fs.statSync(keys).mode & 0o777).toBe(0o700);
    for (const name of fs.readdirSync(keys))
      expect(fs.statSync(path.join(keys, name)).mode & 0o777).toBe(0o600);
    const again = agentAuthority(keys, PROJECT);
    expect(again.created).toBe(false);
    expect(again.account).toBe(first.account);
    expect(again.accounts.map((a) => a.account)).toEqual([first.account]);
    const account = jwtClaims(again.accounts[0]?.jwt ?? "") as {
      sub: string;
      nats: { signing_keys: { kind: string }[] };
    };
    expect(account.sub).toBe(first.account);
    expect(account.nats.signing_keys[0]?.kind).toBe("user_scope");
    expect(agentServerConfig(again)).toMatch(/^operator: ey/);
    expect(path.basename(again.signingKeyFile)).toBe(`signing-key-${PROJECT.token}.json`);
    expect(loadSigningKey(again.signingKeyFile, PROJECT.token).account).toBe(first.account);
    // A second project gets its own account under the same operator; the configuration lists both.
    const other = agentAuthority(keys, OTHER);
    expect(other.created).toBe(true);
    expect(jwtClaims(other.operatorJwt).sub).toBe(jwtClaims(first.operatorJwt).sub);
    expect(other.accounts.map((a) => a.token).sort()).toEqual([PROJECT.token, OTHER.token]);
    expect(other.account).not.toBe(first.account);
  });

  it("refuses a folder that lost some of its keys", () => {
    const keys = path.join(dir, "keys");
    agentAuthority(keys, PROJECT);
    fs.rmSync(path.join(keys, `signing-key-${PROJECT.token}.json`));
    expect(() => agentAuthority(keys, PROJECT)).toThrow(/holds some of oxtail's NATS keys but not all/);
  });

  it("refuses a signing key file that is missing, a symlink, a folder, readable by others, not one, or another project's", () => {
    const authority = agentAuthority(path.join(dir, "keys"), PROJECT);
    const file = authority.signingKeyFile;
    const fail = (f: string, token = PROJECT.token) => {
      try {
        loadSigningKey(f, token);
      } catch (error) {
        return { code: (error as { code: string }).code, message: (error as Error).message };
      }
      throw new Error("accepted");
    };
    expect(fail(path.join(dir, "nope.json"))).toMatchObject({
      code: "invalid-input",
      message: /no such file/,
    });
    const link = path.join(dir, "link.json");
    fs.symlinkSync(file, link);
    expect(fail(link)).toMatchObject({ code: "unsafe-path", message: /symbolic link/ });
    const open = path.join(dir, "open.json");
    fs.copyFileSync(file, open);
    fs.chmodSync(open, 0o644);
    expect(fail(open)).toMatchObject({ code: "unsafe-path", message: /chmod 600/ });
    expect(fail(dir)).toMatchObject({ code: "unsafe-path", message: /is a directory/ });
    const junk = path.join(dir, "junk.json");
    fs.writeFileSync(junk, "SUAJUNK\n", { mode: 0o600 });
    expect(fail(junk)).toMatchObject({ code: "invalid-input", message: /not JSON/ });
    expect(fail(file, OTHER.token)).toMatchObject({ code: "invalid-input", message: /example\.com\/one/ });
  });
});

describe.skipIf(!hasNatsServer())("per-agent users on a real nats-server in operator mode", () => {
  let server: TestNatsServer | undefined;
  let dir: string;
  let keyFile: string;
  const links: Link[] = [];

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-agents-"));
    const authority = agentAuthority(path.join(dir, "keys"), PROJECT);
    keyFile = authority.signingKeyFile;
    const config = path.join(dir, "server.conf");
    fs.writeFileSync(config, agentServerConfig(authority));
    server = await startNatsServer(["-c", config]);
  });
  afterEach(async () => {
    try {
      for (const link of links.splice(0)) await link.close().catch(() => {});
      await server?.dispose();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  /** A link as the agent of mailbox `key` (instance `instance`), identified before it connects. */
  const agent = async (instance: string, key: MailboxKey) => {
    const link = createLink(
      {
        url: server?.url ?? "",
        name: instance,
        agent: createAgentUser(loadSigningKey(keyFile, PROJECT.token), names),
      },
      names,
    );
    links.push(link);
    await link.identify(instance, [key]);
    return link;
  };

  it("lets two agents send to each other and each read its own mailbox", async () => {
    const a = mailbox();
    const b = mailbox();
    const alpha = createNatsMailboxStore(await agent("100-Aa", a), names);
    const beta = createNatsMailboxStore(await agent("200-Bb", b), names);
    await alpha.append(b, message(b, "hello beta"));
    expect((await beta.peek(b)).map((m) => m.body)).toEqual(["hello beta"]);
    const claim = await beta.claim(b, { maxMessages: 5, maxBytes: 1 << 20 });
    expect(claim.messages.map((m) => m.body)).toEqual(["hello beta"]);
    expect(claim.entries[0]?.redelivered).toBe(false);
    await claim.ack();
    await beta.append(a, message(a, "hello alpha"));
    expect((await alpha.claim(a, { maxMessages: 5, maxBytes: 1 << 20 })).messages.map((m) => m.body)).toEqual(
      ["hello alpha"],
    );
    // Looking into the peer's mailbox is refused before it reaches the server.
    await expect(alpha.peek(b)).rejects.toMatchObject({ code: "out-of-scope" });
  });

  it("takes a new mailbox on an open connection and still reads the one before (stray mail)", async () => {
    const instance = "300-Cc";
    const early = instanceMailboxKey(instance);
    const later = mailbox();
    const link = await agent(instance, early);
    const registry = createNatsRegistryStore(link, names, { host: "laptop", root: "/r" });
    try {
      await registry.put(record(instance, "/r"));
      const mail = createNatsMailboxStore(link, names);
      await mail.append(early, message(early, "sent before the session was known"));
      await link.identify(instance, [later]);
      expect(await mail.merge(early, later)).toBe(1);
      expect(
        (await mail.claim(later, { maxMessages: 5, maxBytes: 1 << 20 })).messages.map((m) => m.body),
      ).toEqual(["sent before the session was known"]);
    } finally {
      registry.stop();
    }
  });

  it("refuses an agent its peer's consumer and the mailbox stream, and lets it send into the peer's mailbox", async () => {
    const a = mailbox();
    const b = mailbox();
    const alphaLink = await agent("400-Aa", a);
    const betaLink = await agent("500-Bb", b);
    const beta = createNatsMailboxStore(betaLink, names);
    const alpha = createNatsMailboxStore(alphaLink, names);
    // The peer's consumer exists (it looked at its mailbox), and a message waits in it.
    expect(await beta.hasPending(b)).toBe(false);
    await alpha.append(b, message(b, "SECRET-BODY"));
    const { nc, jsm } = await alphaLink.ready();

    const denied = async (subject: string, body: unknown = {}) => {
      const error = await nc.request(subject, JSON.stringify(body), { timeout: 3000 }).then(
        (reply) => new Error(`answered: ${reply.string()}`),
        (e: unknown) => e as Error,
      );
      expect(String(error)).toMatch(/permission/i);
      expect(String(error)).not.toContain("SECRET-BODY");
    };
    await denied(`$JS.API.CONSUMER.MSG.NEXT.${names.stream}.${names.consumer(b)}`, {
      batch: 1,
      expires: 1e9,
    });
    await denied(`$JS.API.DIRECT.GET.${names.stream}`, { seq: 1 });
    await denied(`$JS.API.DIRECT.GET.${names.stream}.${names.mailbox(b)}`);
    await denied(`$JS.API.STREAM.MSG.GET.${names.stream}`, { seq: 1 });
    await denied(`$JS.API.STREAM.UPDATE.${names.stream}`, { name: names.stream });
    // A bucket's stream may not be changed to source (copy) the mailboxes, where it could be read.
    await denied(`$JS.API.STREAM.UPDATE.KV_${names.presence}`, {
      name: `KV_${names.presence}`,
      sources: [{ name: names.stream }],
    });
    // Its own consumer over the peer's subject, and the legacy forms that carry no filter in the subject.
    await denied(`$JS.API.CONSUMER.CREATE.${names.stream}.${names.consumer(a)}.${names.mailbox(b)}`, {
      stream_name: names.stream,
      config: { durable_name: names.consumer(a), filter_subject: names.mailbox(b) },
    });
    await denied(`$JS.API.CONSUMER.CREATE.${names.stream}`, {
      stream_name: names.stream,
      config: { filter_subject: names.mailbox(b) },
    });
    await denied(`$JS.API.CONSUMER.DURABLE.CREATE.${names.stream}.${names.consumer(a)}`, {
      stream_name: names.stream,
      config: { durable_name: names.consumer(a), filter_subject: names.mailbox(b) },
    });
    // Listening on the peer's mailbox subject, or on every reply inbox, is refused.
    for (const subject of [names.mailbox(b), `${names.mailboxes}.>`, "_INBOX.>"]) {
      const sub = nc.subscribe(subject);
      expect(String(await sub.closed)).toMatch(/Permissions Violation for Subscription/);
    }
    // Counts of the peer's consumer are visible (they say nothing of the bodies).
    expect((await jsm.consumers.info(names.stream, names.consumer(b))).num_pending).toBe(1);
    // The peer still gets everything, once.
    const claim = await beta.claim(b, { maxMessages: 5, maxBytes: 1 << 20 });
    expect(claim.messages.map((m) => m.body)).toEqual(["SECRET-BODY"]);
    await claim.ack();
  });

  it("serves a second project's agents from the same folder's configuration, each in its own account", async () => {
    const other = agentAuthority(path.join(dir, "keys"), OTHER);
    const config = path.join(dir, "two.conf");
    fs.writeFileSync(config, agentServerConfig(other));
    const two = await startNatsServer(["-c", config]);
    try {
      const otherNames = projectNames(OTHER.token);
      const link = createLink(
        {
          url: two.url,
          name: "other",
          agent: createAgentUser(loadSigningKey(other.signingKeyFile, OTHER.token), otherNames),
        },
        otherNames,
      );
      const key = mailbox();
      await link.identify("600-Dd", [key]);
      const mail = createNatsMailboxStore(link, otherNames);
      await mail.append(key, message(key, "in the other project"));
      const claim = await mail.claim(key, { maxMessages: 5, maxBytes: 1 << 20 });
      expect(claim.messages.map((m) => m.body)).toEqual(["in the other project"]);
      await claim.ack();
      // Its user is of the other project's account: the first project's subjects are not its own.
      const { nc } = await link.ready();
      const sub = nc.subscribe(names.mailbox(mailbox()));
      expect(String(await sub.closed)).toMatch(/Permissions Violation for Subscription/);
      await link.close();
    } finally {
      await two.dispose();
    }
  });

  it("refuses a user minted from a key the account does not know", async () => {
    const stranger = agentAuthority(path.join(dir, "stranger"), PROJECT);
    const link = createLink(
      {
        url: server?.url ?? "",
        name: "stranger",
        agent: createAgentUser(loadSigningKey(stranger.signingKeyFile, PROJECT.token), names),
        connectTimeoutMs: 3000,
      },
      names,
    );
    links.push(link);
    await expect(link.ready()).rejects.toMatchObject({ code: "storage-failure" });
  });
});
