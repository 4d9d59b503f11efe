import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { latencyMetrics, type Metric, meetsTarget, percentile } from "../src/metrics.ts";
import { formatTable, writeSection } from "../src/report.ts";

const metric = (over: Partial<Metric>): Metric => ({
  bench: "b",
  metric: "m",
  unit: "ms",
  value: 5,
  baseline: 200,
  baseline_label: "poll",
  target: 10,
  ...over,
});

describe("bench metrics", () => {
  it("percentile is nearest-rank", () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });

  it("targets: lower is better, except throughput", () => {
    expect(meetsTarget(metric({ value: 5 }))).toBe(true);
    expect(meetsTarget(metric({ value: 11 }))).toBe(false);
    expect(meetsTarget(metric({ unit: "msg/s", value: 5, target: 10 }))).toBe(false);
    expect(meetsTarget(metric({ target: null }))).toBeNull();
    // A count of successes is checked the other way: 0 of 20 submitted is not "≤ 20".
    expect(meetsTarget(metric({ unit: "count", better: "higher", value: 0, target: 20 }))).toBe(false);
    expect(meetsTarget(metric({ unit: "count", better: "higher", value: 20, target: 20 }))).toBe(true);
    expect(meetsTarget(metric({ unit: "count", value: 0, target: 0 }))).toBe(true); // e.g. messages lost
  });

  it("latencyMetrics gives p50 and p99 rows, each against the same percentile of the baseline", () => {
    const samples = Array.from({ length: 100 }, (_, i) => i + 1);
    const baseline = samples.map((v) => v * 10);
    const [p50, p99] = latencyMetrics("b", "ask", samples, { baseline, label: "poll", targetP50: 60 });
    expect(p50).toMatchObject({ metric: "ask_p50_ms", value: 50, baseline: 500, target: 60, unit: "ms" });
    expect(p99).toMatchObject({ metric: "ask_p99_ms", value: 99, baseline: 990, target: null });
    expect(
      latencyMetrics("b", "x", [1], { baseline: null, label: "", targetP50: null })[0]?.baseline,
    ).toBeNull();
  });

  it("the table leaves the ratio out for counts", () => {
    const table = formatTable([
      metric({ unit: "count", better: "higher", value: 20, baseline: 5, target: 20 }),
    ]);
    expect(table).not.toContain("0.3×");
    expect(table).toContain("20 count ✓");
  });

  it("the table shows the baseline ratio and whether the target is met", () => {
    const table = formatTable([metric({})]);
    expect(table).toContain("40×");
    expect(table).toContain("10 ms ✓");
  });

  it("writeSection replaces its own section and keeps the rest of the page", () => {
    const doc = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "bench-doc-")), "benchmarks.md");
    fs.writeFileSync(doc, "# Benchmarks\n\nIntro stays.\n");
    writeSection(doc, "mailbox", [metric({ value: 5 })], "npm run bench -- mailbox");
    writeSection(doc, "hook", [metric({ value: 1 })], "npm run bench -- hook");
    writeSection(doc, "mailbox", [metric({ value: 7 })], "npm run bench -- mailbox");
    const text = fs.readFileSync(doc, "utf8");
    expect(text).toContain("Intro stays.");
    expect(text.match(/<!-- bench:mailbox:start -->/g)).toHaveLength(1);
    expect(text).toContain("| 7 ms");
    expect(text).not.toContain("| 5 ms");
    expect(text).toContain("### hook");
  });
});
