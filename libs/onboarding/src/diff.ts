import type { FileChange } from "@oxtail/core";

type Op = { kind: " " | "-" | "+"; line: string };

const lines = (text: string | null) =>
  text === null || text === "" ? [] : text.replace(/\n$/, "").split("\n");

/** The line edits from `a` to `b`: common prefix and suffix, and a longest common subsequence between. */
function diffLines(a: string[], b: string[]): Op[] {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const midA = a.slice(start, endA);
  const midB = b.slice(start, endB);
  const middle: Op[] = [];
  if (midA.length * midB.length > 4_000_000) {
    // Too large to align: all removed, then all added (still exact, just less readable).
    middle.push(...midA.map((line) => ({ kind: "-" as const, line })));
    middle.push(...midB.map((line) => ({ kind: "+" as const, line })));
  } else {
    const n = midA.length;
    const m = midB.length;
    const lcs: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
    for (let i = n - 1; i >= 0; i--)
      for (let j = m - 1; j >= 0; j--)
        (lcs[i] as Uint32Array)[j] =
          midA[i] === midB[j]
            ? ((lcs[i + 1] as Uint32Array)[j + 1] as number) + 1
            : Math.max((lcs[i + 1] as Uint32Array)[j] as number, (lcs[i] as Uint32Array)[j + 1] as number);
    const lcsAt = (i: number, j: number) => (lcs[i] as Uint32Array)[j] as number;
    let i = 0;
    let j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && midA[i] === midB[j]) {
        middle.push({ kind: " ", line: midA[i++] as string });
        j++;
      } else if (i < n && (j === m || lcsAt(i + 1, j) >= lcsAt(i, j + 1)))
        middle.push({ kind: "-", line: midA[i++] as string });
      else middle.push({ kind: "+", line: midB[j++] as string });
    }
  }
  const same = (line: string): Op => ({ kind: " ", line });
  return [...a.slice(0, start).map(same), ...middle, ...a.slice(endA).map(same)];
}

/**
 * A unified diff of one change, with `context` unchanged lines around each edit: what
 * `oxtail setup --dry-run` shows. A created file is diffed against `/dev/null`, a removed one to it.
 */
export function renderDiff(change: FileChange, context = 3): string {
  const ops = diffLines(lines(change.before), lines(change.after));
  const out = [
    `--- ${change.before === null ? "/dev/null" : change.path}`,
    `+++ ${change.after === null ? "/dev/null" : change.path}  (${change.what})`,
  ];
  const changed = ops.flatMap((op, index) => (op.kind === " " ? [] : [index]));
  let k = 0;
  while (k < changed.length) {
    // One hunk: edits no more than 2 × context lines apart.
    let last = changed[k] as number;
    const first = last;
    while (k + 1 < changed.length && (changed[k + 1] as number) - last <= 2 * context)
      last = changed[++k] as number;
    k++;
    const from = Math.max(0, first - context);
    const to = Math.min(ops.length, last + context + 1);
    const before = ops.slice(0, from);
    const lineA = before.filter((o) => o.kind !== "+").length + 1;
    const lineB = before.filter((o) => o.kind !== "-").length + 1;
    const hunk = ops.slice(from, to);
    const sizeA = hunk.filter((o) => o.kind !== "+").length;
    const sizeB = hunk.filter((o) => o.kind !== "-").length;
    out.push(
      `@@ -${sizeA === 0 ? lineA - 1 : lineA},${sizeA} +${sizeB === 0 ? lineB - 1 : lineB},${sizeB} @@`,
    );
    out.push(...hunk.map((o) => `${o.kind}${o.line}`));
  }
  return out.join("\n");
}
