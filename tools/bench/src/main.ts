// npm run bench -- <name…> [--json] [--write] [--quick]
// Runs the named benchmarks (all when none is named), prints a table (or one JSON object per
// metric with --json), and with --write updates that bench's section of docs/benchmarks.md.
import path from "node:path";
import { parseArgs } from "node:util";
import type { Metric } from "./metrics.ts";
import { formatTable, writeSection } from "./report.ts";

const BENCHES: Record<string, (quick: boolean) => Promise<Metric[]>> = {
  mailbox: async (quick) => {
    const { runMailboxBench, DEFAULTS } = await import("./mailbox.ts");
    return runMailboxBench(
      quick ? { senders: 4, perSender: 200, wakeSamples: 20, pollSamples: 5 } : DEFAULTS,
    );
  },
  transcript: async (quick) => {
    const { runTranscriptBench, DEFAULTS } = await import("./transcript.ts");
    return runTranscriptBench(quick ? { ...DEFAULTS, bytes: 50 * 1000 * 1000 } : DEFAULTS);
  },
  opencode: async (quick) => {
    const { runOpenCodeBench, DEFAULTS } = await import("./opencode.ts");
    return runOpenCodeBench(quick ? { messages: 10_000 } : DEFAULTS);
  },
  server: async (quick) => {
    const { runServerBench, DEFAULTS } = await import("./server.ts");
    return runServerBench(
      quick ? { samples: 15, pollSamples: 5, records: 100, tmuxSessions: 10, listRuns: 5 } : DEFAULTS,
    );
  },
  hook: async (quick) => {
    const { runHookBench, DEFAULTS } = await import("./hook.ts");
    // OXTAIL_BENCH_HOOK measures another build of the hook program (a before/after comparison).
    const hook = process.env.OXTAIL_BENCH_HOOK || undefined;
    return runHookBench(
      quick ? { runs: 50, bigRuns: 5, backlog: 5000, deliveries: 3, hook } : { ...DEFAULTS, hook },
    );
  },
  chaos: async (quick) => {
    const { runChaosBench, DEFAULTS } = await import("./chaos.ts");
    return runChaosBench(
      quick
        ? {
            ...DEFAULTS,
            senders: 4,
            perSender: 200,
            minKills: 12,
            backlog: 2000,
            readerKills: 3,
            recoverySamples: 5,
          }
        : DEFAULTS,
    );
  },
  startup: async (quick) => {
    const { runStartupBench, DEFAULTS } = await import("./startup.ts");
    return runStartupBench(quick ? { runs: 8 } : DEFAULTS);
  },
  footprint: async (quick) => {
    const { runFootprintBench, DEFAULTS } = await import("./footprint.ts");
    return runFootprintBench(quick ? { ...DEFAULTS, agents: 1, importRounds: 1 } : DEFAULTS);
  },
  tokens: async () => {
    const { runTokensBench } = await import("./tokens.ts");
    return runTokensBench();
  },
  delivery: async (quick) => {
    const { runDeliveryBench, DEFAULTS } = await import("./delivery.ts");
    return runDeliveryBench(
      quick ? { deliveries: 200, loopguard: { ...DEFAULTS.loopguard, collaborationHours: 2 } } : DEFAULTS,
    );
  },
  fleet: async (quick) => {
    const { runFleetBench, DEFAULTS } = await import("./fleet.ts");
    return runFleetBench(quick ? { ...DEFAULTS, messages: 2000, samples: 10, idleSeconds: 3 } : DEFAULTS);
  },
  nats: async (quick) => {
    const { runNatsBench, DEFAULTS } = await import("./nats.ts");
    return runNatsBench(
      quick ? { asks: 30, senders: 16, perSender: 20, restarts: 2, hookRuns: 10 } : DEFAULTS,
    );
  },
  wake: async (quick) => {
    const { runWakeBench, DEFAULTS } = await import("./wake.ts");
    return runWakeBench(quick ? { ...DEFAULTS, wakes: 5, burstTries: 2 } : DEFAULTS);
  },
};

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    json: { type: "boolean" },
    write: { type: "boolean" },
    quick: { type: "boolean" },
    help: { type: "boolean" },
  },
});

if (values.help) {
  process.stdout.write(
    `usage: npm run bench -- [${Object.keys(BENCHES).join("|")}…] [--json] [--write] [--quick]\n`,
  );
  process.exit(0);
}
const names = positionals.length > 0 ? positionals : Object.keys(BENCHES);
const unknown = names.filter((n) => !(n in BENCHES));
if (unknown.length > 0) {
  process.stderr.write(`Unknown bench ${unknown.join(", ")}. Known: ${Object.keys(BENCHES).join(", ")}.\n`);
  process.exit(2);
}

const docPath = path.resolve(import.meta.dirname, "../../../docs/benchmarks.md");
for (const name of names) {
  const run = BENCHES[name] as (quick: boolean) => Promise<Metric[]>;
  const metrics = await run(Boolean(values.quick));
  if (values.json) {
    for (const m of metrics) process.stdout.write(`${JSON.stringify(m)}\n`);
  } else {
    process.stdout.write(`\n${name}\n${formatTable(metrics)}\n`);
  }
  if (values.write) {
    writeSection(docPath, name, metrics, `npm run bench -- ${name}${values.quick ? " --quick" : ""}`);
  }
}
