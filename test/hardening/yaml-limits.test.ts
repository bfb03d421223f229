// What a repository can make the agent or CI do: alias bombs refused naming the file (before
// kustomize runs, and in marked files), kustomize bounded in time, memory and output, marked
// files above the size limit refused.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { checkYamlAliases } from "../../core/yaml-guard.ts";
import { createKustomize } from "../../agent/build/kustomize-runner.ts";
import { parseManifests } from "../../agent/build/parse-manifests.ts";
import { updateMarkers } from "../../core/markers/update-tree.ts";
import { aliasBomb, configMapBomb } from "./yaml-limits.ts";

async function tempDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "slipway-yaml-limits-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test("the alias guard refuses a billion-laughs document in linear time, naming file:line", () => {
  const t0 = performance.now();
  assert.throws(() => checkYamlAliases(aliasBomb(12, 12), "clusters/eks/bomb.yaml"), /^SlipwayError: clusters\/eks\/bomb\.yaml:\d+: aliases expand to more than 100000 nodes \(an alias bomb\); refused$/);
  assert.ok(performance.now() - t0 < 1000, "milliseconds, not an expansion");
  assert.throws(() => checkYamlAliases("a: &a [1, *a]\n", "loop.yaml"), /^SlipwayError: loop\.yaml:1: alias \*a refers to a node that contains it/);
  // Ordinary anchors pass, and so does text without any.
  checkYamlAliases("base: &env [{name: A, value: '1'}]\nx: *env\ny: *env\n", "ok.yaml");
  checkYamlAliases(aliasBomb(3, 3), "small.yaml");
});

test("kustomize never runs on a repository with an alias bomb: the build fails naming the file", async (t) => {
  const root = await tempDir(t);
  const dir = path.join(root, "clusters/eks");
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, "kustomization.yaml"), "resources: [bomb.yaml]\n");
  await writeFile(path.join(dir, "bomb.yaml"), configMapBomb());
  const kustomize = await createKustomize();
  await assert.rejects(kustomize.build(dir, AbortSignal.timeout(60_000), root), /^SlipwayError: clusters\/eks\/bomb\.yaml:\d+: aliases expand to more than 100000 nodes/);
});

test("kustomize runs with time, memory and output limits, each failing the build with a message", async (t) => {
  const root = await tempDir(t);
  const dir = path.join(root, "app");
  await mkdir(dir, { recursive: true });
  const big = "x".repeat(200_000);
  const maps = Array.from({ length: 30 }, (_, i) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: m${i}\ndata:\n  v: "${big}"\n`).join("---\n");
  await writeFile(path.join(dir, "maps.yaml"), maps);
  await writeFile(path.join(dir, "kustomization.yaml"), "resources: [maps.yaml]\n");
  const ok = await (await createKustomize()).build(dir, undefined, root);
  assert.ok(ok.length > 6_000_000, "the unbounded build works");
  await assert.rejects((await createKustomize({ maxOutputBytes: 100_000 })).build(dir, undefined, root), /^SlipwayError: kustomize build: kustomize wrote more than 100000 bytes of output and was stopped$/);
  await assert.rejects((await createKustomize({ maxMemoryBytes: 8 * 2 ** 20 })).build(dir, undefined, root), /^SlipwayError: kustomize build: kustomize used more than 8 MiB of memory and was stopped$/);
  await assert.rejects((await createKustomize({ timeoutMs: 20 })).build(dir, undefined, root), /^SlipwayError: kustomize build: kustomize timed out after 0.02s$/);
});

test("an alias bomb in a YAML stream is refused naming the document", () => {
  assert.throws(() => parseManifests(configMapBomb(), "kustomize build ."), /^SlipwayError: kustomize build \.: document 1: refused: /);
});

test("marked files: above the size limit, or holding an alias bomb, are refused naming the file", async (t) => {
  const root = await tempDir(t);
  const images = new Map([["flux-system:app", { name: "registry.example/app", tag: "2" }]]);
  const marked = 'image: registry.example/app:1 # {"$imagepolicy": "flux-system:app"}\n';
  await writeFile(path.join(root, "big.yaml"), marked + `pad: "${"p".repeat(5000)}"\n`);
  await assert.rejects(updateMarkers({ root, images, maxFileBytes: 4096 }), /^SlipwayError: big\.yaml: is 5\d{3} bytes, above the limit of 4096 bytes for a file with image policy markers; refused$/);
  await rm(path.join(root, "big.yaml"));
  await writeFile(path.join(root, "bomb.yaml"), marked + aliasBomb());
  await assert.rejects(updateMarkers({ root, images }), /^SlipwayError: bomb\.yaml:\d+: aliases expand to more than 100000 nodes/);
  await rm(path.join(root, "bomb.yaml"));
  await writeFile(path.join(root, "ok.yaml"), marked);
  const r = await updateMarkers({ root, images });
  assert.equal(r.changes.length, 1);
});
