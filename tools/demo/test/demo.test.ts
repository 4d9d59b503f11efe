// `npm run demo` is the README's main job: run it as a user would and check what it shows.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "../../..");

it("npm run demo: the agents find, message and ask each other; bob is woken by typing, then by his sleeper; nothing is left behind", () => {
  const run = spawnSync("npm", ["run", "--silent", "demo"], {
    cwd: ROOT,
    // Built before the run (tools/test-build.ts): the demo must not rebuild under other tests.
    env: { ...process.env, OXTAIL_DEMO_SKIP_BUILD: "1" },
    encoding: "utf8",
    timeout: 240_000,
  });
  const out = run.stdout;
  expect(run.status, run.stderr).toBe(0);
  // The story opens with the fleet view: both agents, their cards.
  expect(out).toMatch(/\$ oxtail status\noxtail status: project \S+, 2 agents\n/);
  expect(out).toMatch(/^alice +claude .*\S$/m);
  expect(out).toMatch(/^bob +claude /m);
  expect(out).toContain("👀 alice lists the project");
  expect(out).toContain("📖 alice reads bob's transcript");
  expect(out).toMatch(/wake: tmux → submitted/);
  expect(out).toContain("reply: “Two edge cases are open: empty input, and trailing commas in lists.”");
  expect(out).toContain(
    "⏰ bob is woken by his sleeper: it exited 2 with the mail, nothing was typed into his pane",
  );
  expect(out).toMatch(/wake: claude-rewake → submitted/);
  // A receipt for each of alice's messages, and the loop guard refusing a cycle of asks.
  expect(out).toMatch(
    /🧾 alice checks what became of her messages:\n\s+\S+: delivered \(via read_my_messages\)\n\s+\S+: replied/,
  );
  expect(out).toContain("🛑 bob tries to ask alice back while she waits on him: refused, ask-cycle");
  expect(out).toContain("reply: “Yes: trailing commas are fixed on main; empty input is next.”");
  expect(out).toContain("0 registry records left behind");
}, 300_000);
