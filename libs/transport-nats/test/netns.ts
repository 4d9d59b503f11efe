// Network namespaces for "two machines" tests: each machine's processes run in a namespace of their own,
// with no loopback of the other's and one veth link to the host, where nats-server listens. Needs root (or
// CAP_NET_ADMIN) and iproute2's `ip`; where the machine does not allow it, the tests that need it skip.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";

const IP = ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"].find((p) => fs.existsSync(p)) ?? null;

/** One network namespace joined to the host by a veth pair (a /30: the host at .1, the namespace at .2). */
export interface TestNetns {
  name: string;
  /** The host's end of the link: an address of the host that this namespace reaches. */
  gateway: string;
  /** This namespace's own address. */
  address: string;
  /** `argv` run inside the namespace (as `ip netns exec`, which execs it: same pid). */
  wrap(argv: string[]): string[];
  /** Remove the namespace and its link. */
  dispose(): void;
}

const ip = (...args: string[]) => {
  if (!IP) throw new Error("iproute2's ip is not installed");
  execFileSync(IP, args, { stdio: ["ignore", "ignore", "pipe"] });
};

let allowed: boolean | null = null;

/** True when this process may make network namespaces (checked once, by making and removing one). */
export function canMakeNetworkNamespaces(): boolean {
  if (allowed !== null) return allowed;
  allowed = false;
  if (!IP || process.platform !== "linux" || process.getuid?.() !== 0) return allowed;
  const probe = `oxtail-probe-${process.pid}`;
  try {
    ip("netns", "add", probe);
    allowed = true;
  } catch {
    // not allowed here (a container without CAP_SYS_ADMIN)
  }
  try {
    ip("netns", "del", probe);
  } catch {
    // never made
  }
  return allowed;
}

let made = 0;

/** A namespace `oxtail-<tag>-<pid>-<random>` on a subnet 10.231.<n>.0/30 of its own in this process. */
export function makeNetns(tag: string): TestNetns {
  const id = randomBytes(2).toString("hex");
  const name = `oxtail-${tag}-${process.pid}-${id}`;
  // Interface names have at most 15 characters.
  const host = `oxh${id}${tag.slice(0, 4)}`;
  const inside = `oxn${id}${tag.slice(0, 4)}`;
  const n = (process.pid * 16 + made++) % 256;
  const gateway = `10.231.${n}.1`;
  const address = `10.231.${n}.2`;
  const dispose = () => {
    for (const args of [
      ["netns", "del", name],
      ["link", "del", host],
    ])
      try {
        ip(...args);
      } catch {
        // already gone (deleting the namespace removes both ends of the link)
      }
  };
  try {
    ip("netns", "add", name);
    ip("link", "add", host, "type", "veth", "peer", "name", inside);
    ip("link", "set", inside, "netns", name);
    ip("addr", "add", `${gateway}/30`, "dev", host);
    ip("link", "set", host, "up");
    ip("-n", name, "addr", "add", `${address}/30`, "dev", inside);
    ip("-n", name, "link", "set", inside, "up");
    ip("-n", name, "link", "set", "lo", "up");
    // Everything else (the other machines' links' host ends) through the host.
    ip("-n", name, "route", "add", "default", "via", gateway);
  } catch (error) {
    dispose();
    throw error;
  }
  return {
    name,
    gateway,
    address,
    wrap: (argv) => [IP as string, "netns", "exec", name, ...argv],
    dispose,
  };
}
