import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createLink, type Link } from "../src/link.js";
import { createNatsMailboxStore } from "../src/mailbox.js";
import { projectNames } from "../src/names.js";
import { mailbox, message } from "./fixtures.js";
import { hasNatsServer, startNatsServer, type TestNatsServer } from "./nats-server.js";

const hasOpenssl = (() => {
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

const names = projectNames("3333333333333333");

describe.skipIf(!hasNatsServer() || !hasOpenssl)("TLS to the NATS server (OXTAIL_NATS_CA)", () => {
  let dir: string;
  let server: TestNatsServer;
  const links: Link[] = [];

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "oxtail-nats-tls-"));
    const file = (name: string) => path.join(dir, name);
    const openssl = (args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "ignore" });
    // A private CA, and a server certificate it signs for 127.0.0.1.
    openssl(
      ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=oxtail test CA"].concat([
        "-keyout",
        file("ca-key.pem"),
        "-out",
        file("ca.pem"),
      ]),
    );
    openssl(
      ["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1"].concat([
        "-keyout",
        file("server-key.pem"),
        "-out",
        file("server.csr"),
      ]),
    );
    fs.writeFileSync(file("san.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
    openssl(
      ["x509", "-req", "-in", file("server.csr"), "-CA", file("ca.pem"), "-CAkey", file("ca-key.pem")].concat(
        ["-CAcreateserial", "-days", "1", "-extfile", file("san.ext"), "-out", file("server.pem")],
      ),
    );
    server = await startNatsServer([
      "--tls",
      "--tlscert",
      file("server.pem"),
      "--tlskey",
      file("server-key.pem"),
    ]);
  });
  afterEach(async () => {
    for (const link of links.splice(0)) await link.close();
    await server.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const linkWith = (caFile: string | null) => {
    const link = createLink(
      { url: server.url.replace("nats://", "tls://"), name: "tls", caFile, connectTimeoutMs: 3000 },
      names,
    );
    links.push(link);
    return link;
  };

  it("carries mail over TLS when the server's CA is given", async () => {
    const store = createNatsMailboxStore(linkWith(path.join(dir, "ca.pem")), names);
    const to = mailbox();
    await store.append(to, message(to, "over tls"));
    expect((await store.peek(to)).map((m) => m.body)).toEqual(["over tls"]);
  });

  it("refuses a server whose certificate it cannot verify (storage-failure)", async () => {
    const refused = linkWith(null).ready();
    await expect(refused).rejects.toMatchObject({ code: "storage-failure" });
    await expect(refused).rejects.toThrow(/certificate/i);
  });
});
