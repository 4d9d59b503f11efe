// The ask graph: who waits for whom, and which waits can never end because they form a cycle.

/** An edge of the graph: `from` waits for `to`. */
export interface WaitEdge {
  from: string;
  to: string;
}

/**
 * The nodes that sit on a cycle of waits (a strongly connected component with more than one node,
 * or a node waiting on itself). Tarjan's algorithm, iterative, so a long chain cannot overflow the
 * stack.
 */
export function nodesInCycles(edges: readonly WaitEdge[]): Set<string> {
  const next = new Map<string, string[]>();
  for (const e of edges) {
    const list = next.get(e.from) ?? [];
    list.push(e.to);
    next.set(e.from, list);
    if (!next.has(e.to)) next.set(e.to, []);
  }
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const out = new Set<string>();
  let counter = 0;
  for (const root of next.keys()) {
    if (index.has(root)) continue;
    const work: { node: string; i: number }[] = [{ node: root, i: 0 }];
    index.set(root, counter);
    low.set(root, counter++);
    stack.push(root);
    onStack.add(root);
    while (work.length > 0) {
      const frame = work[work.length - 1] as { node: string; i: number };
      const targets = next.get(frame.node) ?? [];
      if (frame.i < targets.length) {
        const to = targets[frame.i++] as string;
        if (!index.has(to)) {
          index.set(to, counter);
          low.set(to, counter++);
          stack.push(to);
          onStack.add(to);
          work.push({ node: to, i: 0 });
        } else if (onStack.has(to))
          low.set(frame.node, Math.min(low.get(frame.node) as number, index.get(to) as number));
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent)
        low.set(parent.node, Math.min(low.get(parent.node) as number, low.get(frame.node) as number));
      if (low.get(frame.node) !== index.get(frame.node)) continue;
      const component: string[] = [];
      let member: string | undefined;
      do {
        member = stack.pop() as string;
        onStack.delete(member);
        component.push(member);
      } while (member !== frame.node);
      const selfLoop = targets.includes(frame.node);
      if (component.length > 1 || selfLoop) for (const m of component) out.add(m);
    }
  }
  return out;
}

/** True when the edge lies on a cycle: both ends are in one cycle's component. */
export function edgeInCycle(
  edge: WaitEdge,
  cyclic: ReadonlySet<string>,
  edges: readonly WaitEdge[],
): boolean {
  if (!cyclic.has(edge.from) || !cyclic.has(edge.to)) return false;
  // Both ends on cycles: the edge is on one when `to` reaches `from` through cyclic nodes.
  const seen = new Set<string>();
  const todo = [edge.to];
  while (todo.length > 0) {
    const node = todo.pop() as string;
    if (node === edge.from) return true;
    if (seen.has(node)) continue;
    seen.add(node);
    for (const e of edges) if (e.from === node && cyclic.has(e.to)) todo.push(e.to);
  }
  return false;
}
