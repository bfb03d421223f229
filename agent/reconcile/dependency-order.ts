/**
 * Ordering syncs by `dependsOn`: a stable topological order for `--once` runs and cycle
 * detection for configuration checks. Pure.
 */

/** The part of a sync this module needs. */
export interface DependencyNode {
  name: string;
  dependsOn: readonly string[];
}

/** Returns one dependency cycle as a list of names (first repeated last), or undefined when there is none. */
export function findDependencyCycle(nodes: readonly DependencyNode[]): string[] | undefined {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const state = new Map<string, "visiting" | "done">();
  const stack: string[] = [];
  const visit = (name: string): string[] | undefined => {
    const s = state.get(name);
    if (s === "done") return undefined;
    if (s === "visiting") return [...stack.slice(stack.indexOf(name)), name];
    state.set(name, "visiting");
    stack.push(name);
    for (const dep of byName.get(name)?.dependsOn ?? []) {
      if (!byName.has(dep)) continue;
      const cycle = visit(dep);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(name, "done");
    return undefined;
  };
  for (const n of nodes) {
    const cycle = visit(n.name);
    if (cycle) return cycle;
  }
  return undefined;
}

/**
 * Orders nodes so every node comes after its dependencies; among nodes whose dependencies are
 * met, the configuration order is kept. Unknown dependency names are ignored. Throws on a cycle.
 */
export function dependencyOrder<T extends DependencyNode>(nodes: readonly T[]): T[] {
  const cycle = findDependencyCycle(nodes);
  if (cycle) throw new Error(`dependency cycle: ${cycle.join(" → ")}`);
  const names = new Set(nodes.map((n) => n.name));
  const placed = new Set<string>();
  const out: T[] = [];
  while (out.length < nodes.length) {
    const next = nodes.find((n) => !placed.has(n.name) && n.dependsOn.every((d) => placed.has(d) || !names.has(d)));
    if (!next) break;
    placed.add(next.name);
    out.push(next);
  }
  return out;
}
