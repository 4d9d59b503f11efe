import fs from "node:fs";
import os from "node:os";
import { type Metric, meetsTarget } from "./metrics.ts";

/** A readable table of metrics. */
export function formatTable(metrics: readonly Metric[]): string {
  const rows = metrics.map((m) => {
    // A ratio compares times or rates; counts are compared as they are.
    const ratio =
      m.baseline !== null && m.value !== 0 && m.unit !== "count" ? `${round2(m.baseline / m.value)}×` : "";
    const met = meetsTarget(m);
    return [
      m.metric,
      `${m.value} ${m.unit}`,
      m.baseline === null ? "—" : `${m.baseline} ${m.unit} (${m.baseline_label})`,
      ratio,
      m.target === null ? "—" : `${m.target} ${m.unit} ${met ? "✓" : "✗"}`,
    ];
  });
  const header = ["metric", "value", "baseline", "baseline/value", "target"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] as number)).join(" | ")} |`;
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

function round2(n: number): number {
  return Math.round(n * 10) / 10;
}

/** One line describing this machine. */
export function machineLine(): string {
  const cpu = os.cpus()[0]?.model ?? "unknown CPU";
  return `${os.cpus().length} × ${cpu.trim()}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()} ${os.release()}, Node ${process.version}`;
}

/**
 * Replace (or append) the section of `bench` in docs/benchmarks.md: its table, the
 * machine, the date and the command that produced it.
 */
export function writeSection(
  docPath: string,
  bench: string,
  metrics: readonly Metric[],
  command: string,
): void {
  const start = `<!-- bench:${bench}:start -->`;
  const end = `<!-- bench:${bench}:end -->`;
  const section = [
    start,
    `### ${bench}`,
    "",
    `- Date: ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC`,
    `- Machine: ${machineLine()}`,
    `- Command: \`${command}\``,
    "",
    formatTable(metrics),
    end,
  ].join("\n");
  const doc = fs.existsSync(docPath) ? fs.readFileSync(docPath, "utf8") : "# Benchmarks\n";
  const from = doc.indexOf(start);
  const to = doc.indexOf(end);
  const next =
    from >= 0 && to > from
      ? doc.slice(0, from) + section + doc.slice(to + end.length)
      : `${doc.trimEnd()}\n\n${section}\n`;
  fs.writeFileSync(docPath, next);
}
