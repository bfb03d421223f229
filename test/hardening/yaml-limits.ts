/** Hostile YAML for the limit tests and the benchmark. */

/** A "billion laughs" document: `levels` anchors, each a list of `width` aliases of the one before. */
export function aliasBomb(levels = 9, width = 9): string {
  const lines = [`l0: &l0 [${Array(width).fill('"lol"').join(", ")}]`];
  for (let i = 1; i < levels; i++) lines.push(`l${i}: &l${i} [${Array(width).fill(`*l${i - 1}`).join(", ")}]`);
  lines.push(`boom: *l${levels - 1}`);
  return lines.join("\n") + "\n";
}

/** A ConfigMap whose data is a bomb, as a repository could hold it. */
export function configMapBomb(levels = 9, width = 9): string {
  const body = aliasBomb(levels, width)
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => `  ${l}`)
    .join("\n");
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bomb\nanchors:\n${body}\ndata:\n  x: "1"\n`;
}
