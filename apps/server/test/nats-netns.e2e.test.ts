// Two machines in two network namespaces (SPEC §12, issue 18: "where CI allows"): each machine's oxtail
// servers run in a namespace of their own, with no loopback of the other's, and reach nats-server only
// through their own veth link to the host. An ask_peer from one wakes the idle agent of the other through
// that machine's own tmux wake, and the reply comes back. Skipped where namespaces cannot be made.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { WAKE_LINE } from "@oxtail/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  canMakeNetworkNamespaces,
  makeNetns,
  type TestNetns,
} from "../../../libs/transport-nats/test/netns.ts";
import {
  hasNatsServer,
  recordLines,
  startNatsServer,
  type TestNatsServer,
  typedLines,
  until,
  World,
} from "./harness.ts";
import { firstMailOf, rowsSeeing } from "./nats-machines.ts";

const A = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa";
const B = "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb";

describe.skipIf(!hasNatsServer() || !canMakeNetworkNamespaces())(
  "two machines in two network namespaces",
  () => {
    let spaces: TestNetns[] = [];
    let nats: TestNatsServer;
    let laptop: World;
    let buildbox: World;

    beforeEach(async () => {
      spaces = [makeNetns("lap"), makeNetns("box")];
      const [lap, box] = spaces as [TestNetns, TestNetns];
      // nats-server listens on the host's end of the laptop's link only: the build box reaches it through its
      // own link and the host, never through a loopback.
      nats = await startNatsServer([], { host: lap.gateway });
      laptop = new World({ server: nats, host: "laptop", netns: lap });
      buildbox = new World({ server: nats, host: "buildbox", netns: box });
    });
    afterEach(async () => {
      await laptop.dispose();
      await buildbox.dispose();
      await nats.dispose();
      for (const space of spaces) space.dispose();
    });

    /** Whether a TCP connection from inside `space` to `host:port` opens. */
    const connects = (space: TestNetns, host: string, port: number): boolean => {
      const probe = `require("net").connect(${port}, ${JSON.stringify(host)}).on("connect", () => process.exit(0)).on("error", () => process.exit(1))`;
      const [command, ...args] = space.wrap([process.execPath, "-e", probe]) as [string, ...string[]];
      try {
        execFileSync(command, args, { stdio: "ignore", timeout: 10_000 });
        return true;
      } catch {
        return false;
      }
    };

    it("an ask_peer from the laptop's namespace wakes the build box's idle agent there, and the reply returns", async () => {
      const [lap, box] = spaces as [TestNetns, TestNetns];
      // Each namespace is apart: the server is not on its loopback, only behind its link.
      expect(connects(box, "127.0.0.1", nats.port)).toBe(false);
      expect(connects(box, lap.gateway, nats.port)).toBe(true);

      const a = await laptop.agent({ cwd: laptop.project(), claudeSession: A });
      const root = buildbox.project();
      const typed = path.join(root, "typed.txt");
      const b = await buildbox.agentInPane({
        session: "beta",
        cwd: root,
        claudeSession: B,
        command: recordLines(typed),
      });
      await until("the build box's agent", () => rowsSeeing(a, B));
      // Each machine's server runs in its own namespace, neither this process's.
      const netnsOf = (pid: number | "self") => fs.readlinkSync(`/proc/${pid}/ns/net`);
      expect(netnsOf(b.pid)).not.toBe(netnsOf("self"));
      expect(netnsOf(a.pid)).not.toBe(netnsOf("self"));
      expect(netnsOf(b.pid)).not.toBe(netnsOf(a.pid));

      const asking = a.call("ask_peer", { target: B, body: "Across the link?", timeout_ms: 60_000 });
      // The build box's own tmux wake typed the wake line into its agent's pane.
      const lines = await until("the typed wake line", () => typedLines(typed));
      expect(lines).toContain(WAKE_LINE);
      const question = await firstMailOf(b, "the question on the build box");
      expect(question.body).toBe("Across the link?");
      await b.call("send_message", { target: A, body: "yes, over veth", reply_to: question.id });
      expect(await asking).toMatchObject({
        ok: true,
        timed_out: false,
        reply: { body: "yes, over veth" },
        wake: { attempted: true, strategy: "tmux" },
      });
    });
  },
);
