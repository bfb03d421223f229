/**
 * Benchmark: `buildSync` (agent/build) on the 1,000-object fixture of the apply benchmarks, laid
 * out two ways in a plain directory (no kustomization, so one is generated): one file per
 * object, and one file holding all 1,000 documents. Times the whole build in-process (generated
 * kustomization, the file checks, kustomize, parsing its output), median and worst of the runs.
 * Prints a markdown table.
 *
 * Usage: npm run bench -- build-sync, or node bench/build-sync.ts [--runs 5] [--objects 1000]
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { buildSync } from "../agent/build/build-sync.ts";
import { createKustomize } from "../agent/build/kustomize-runner.ts";
import { createWorkspace } from "../agent/build/workspace.ts";
import { renderManifests } from "../agent/build/parse-manifests.ts";
import { buildObjects } from "./fixtures/thousand-objects.ts";

const { values } = parseArgs({ options: { runs: { type: "string", default: "5" }, objects: { type: "string", default: "1000" } } });
const RUNS = Number(values.runs);
const OBJECTS = Number(values.objects);
const namespaces = Array.from({ length: 10 }, (_, i) => `bench-${i}`);
const objects = buildObjects(namespaces, OBJECTS);

/** Writes the layout into a fresh workspace and times one build of it. */
async function once(layout: "per-file" | "one-file"): Promise<number> {
  const ws = await createWorkspace();
  try {
    const dir = path.join(ws.root, "objects");
    mkdirSync(dir, { recursive: true });
    if (layout === "one-file") writeFileSync(path.join(dir, "objects.yaml"), renderManifests(objects));
    else objects.forEach((o, i) => writeFileSync(path.join(dir, `${String(i).padStart(4, "0")}.yaml`), renderManifests([o])));
    const kustomize = await createKustomize();
    const start = performance.now();
    const res = await buildSync({ root: ws.root, path: "objects", kustomize, owner: { sync: "bench", namespace: "slipway-system" } });
    const ms = performance.now() - start;
    if (res.objects.length !== OBJECTS) throw new Error(`bench: built ${res.objects.length} objects, expected ${OBJECTS}`);
    return ms;
  } finally {
    await ws.dispose();
  }
}

const rows: string[] = [];
for (const layout of ["per-file", "one-file"] as const) {
  await once(layout); // warm-up: module loading, kustomize detection, the file cache
  const times: number[] = [];
  for (let r = 0; r < RUNS; r++) times.push(await once(layout));
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)] ?? 0;
  const worst = times[times.length - 1] ?? 0;
  rows.push(`| ${OBJECTS} objects, ${layout === "per-file" ? `${OBJECTS} files` : "one file"} | ${median.toFixed(0)} ms | ${worst.toFixed(0)} ms |`);
}
console.log(`buildSync, ${RUNS} runs, ${cpus().length} cores, load ${loadavg()[0]?.toFixed(1)}\n`);
console.log("| layout | median wall | max wall |\n|---|---:|---:|");
for (const r of rows) console.log(r);
