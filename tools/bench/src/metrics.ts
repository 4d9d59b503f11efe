/** One measured figure, in the SPEC §8 `--json` form. */
export interface Metric {
  bench: string;
  metric: string;
  unit: "ms" | "MB" | "msg/s" | "count" | "bytes" | "tokens" | "ratio";
  value: number;
  baseline: number | null;
  baseline_label: string;
  target: number | null;
  /** Which way is good (default: lower, except msg/s). A count of successes is "higher". */
  better?: "higher" | "lower";
}

/** The p-th percentile (0–100) of `values`, nearest-rank. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))] as number;
}

/**
 * The `<name>_p50_ms` and `<name>_p99_ms` metrics of latency samples, each compared with the
 * same percentile of the baseline's samples from the same run (when there is one).
 */
export function latencyMetrics(
  bench: string,
  name: string,
  samples: readonly number[],
  options: { baseline: readonly number[] | null; label: string; targetP50: number | null },
): Metric[] {
  return ([50, 99] as const).map((p) => ({
    bench,
    metric: `${name}_p${p}_ms`,
    unit: "ms" as const,
    value: round(percentile(samples, p)),
    baseline: options.baseline ? round(percentile(options.baseline, p)) : null,
    baseline_label: options.label,
    target: p === 50 ? options.targetP50 : null,
  }));
}

/** Round to a sensible number of digits for reporting. */
export function round(value: number): number {
  if (!Number.isFinite(value)) return value;
  return Math.abs(value) >= 100 ? Math.round(value) : Math.round(value * 100) / 100;
}

/** High-resolution wall-clock time in ms, comparable across processes on one machine. */
export function wallNow(): number {
  return performance.timeOrigin + performance.now();
}

/** True when the metric meets its target (lower is better, except throughput). */
export function meetsTarget(m: Metric): boolean | null {
  if (m.target === null) return null;
  const higher = (m.better ?? (m.unit === "msg/s" ? "higher" : "lower")) === "higher";
  return higher ? m.value >= m.target : m.value <= m.target;
}
