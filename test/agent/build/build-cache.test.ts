import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { buildKey, createBuildCache, type BuildInputs } from "../../../agent/build/build-cache.ts";
import { buildSync } from "../../../agent/build/build-sync.ts";
import { createKustomize } from "../../../agent/build/kustomize-runner.ts";
import { createWorkspace } from "../../../agent/build/workspace.ts";

const inputs: BuildInputs = { sha: "a".repeat(40), path: "apps", kustomize: "kustomize build v5.6.0", owner: { sync: "apps", namespace: "slipway-system" } };
const cm = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  k: v\n`;

test("buildKey: every input the build depends on changes the key; the same inputs give the same key", () => {
  const variants: BuildInputs[] = [
    { ...inputs, sha: "b".repeat(40) },
    { ...inputs, path: "apps/prod" },
    { ...inputs, kustomize: "kustomize build v5.7.0" },
    { ...inputs, ignore: "*.md" },
    { ...inputs, targetNamespace: "shop" },
    { ...inputs, overlay: { namePrefix: "p-" } },
    { ...inputs, owner: { sync: "apps", namespace: "other" } },
  ];
  const keys = new Set([buildKey(inputs), ...variants.map(buildKey)]);
  assert.equal(keys.size, variants.length + 1);
  assert.equal(buildKey({ ...inputs }), buildKey(inputs));
});

test("build cache: a build comes back only for its own key, one entry per sync, unreadable entries are misses", async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), "slipway-build-cache-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const warnings: string[] = [];
  const cache = createBuildCache(path.join(dir, "builds"), (m) => warnings.push(m));
  const ws = await createWorkspace(dir);
  mkdirSync(path.join(ws.root, "apps"), { recursive: true });
  writeFileSync(path.join(ws.root, "apps", "a.yaml"), cm("a"));
  const built = await buildSync({ root: ws.root, path: "apps", kustomize: await createKustomize(), owner: { sync: "apps", namespace: "slipway-system" } });
  assert.equal(built.fromTreeAlone, true);
  const key = buildKey(inputs);

  assert.equal(await cache.get("apps", key), undefined, "nothing kept yet");
  await cache.put("apps", key, built);
  assert.deepEqual(await cache.get("apps", key), built);
  assert.equal(await cache.get("apps", buildKey({ ...inputs, sha: "c".repeat(40) })), undefined, "another commit is a miss");
  assert.equal(await cache.get("other", key), undefined, "another sync is a miss");

  // A new build of the sync replaces the old one: the directory holds one file per sync.
  const key2 = buildKey({ ...inputs, sha: "d".repeat(40) });
  await cache.put("apps", key2, { ...built, objects: [] });
  assert.equal(await cache.get("apps", key), undefined);
  assert.deepEqual((await cache.get("apps", key2))?.objects, []);
  assert.deepEqual(readdirSync(path.join(dir, "builds")).length, 1);

  // A damaged file (a crash mid-write cannot leave one, but a full disk can truncate) is a miss.
  const [file] = readdirSync(path.join(dir, "builds"));
  writeFileSync(path.join(dir, "builds", file ?? ""), '{"key":"' + key2 + '","result":{"objects":[');
  assert.equal(await cache.get("apps", key2), undefined);
  writeFileSync(path.join(dir, "builds", file ?? ""), JSON.stringify({ key: key2, result: { objects: "not a list" } }));
  assert.equal(await cache.get("apps", key2), undefined);
  assert.equal(warnings.length, 0, warnings.join("\n"));

  // A write that fails costs only the saving, and says why.
  const blocked = createBuildCache(path.join(ws.root, "apps", "a.yaml"), (m) => warnings.push(m));
  await blocked.put("apps", key, built);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0] ?? "", /^build cache .*a\.yaml\/[0-9a-f]{32}\.json: /);
  assert.equal(await blocked.get("apps", key), undefined);
});

test("a build whose kustomization may fetch at build time (helmCharts, generators) is not from the tree alone", async (t) => {
  const ws = await createWorkspace();
  t.after(() => ws.dispose());
  mkdirSync(path.join(ws.root, "apps", "base"), { recursive: true });
  writeFileSync(path.join(ws.root, "apps", "kustomization.yaml"), "resources: [base]\n");
  writeFileSync(path.join(ws.root, "apps", "base", "kustomization.yaml"), "resources: [a.yaml]\ngenerators: [gen.yaml]\n");
  writeFileSync(path.join(ws.root, "apps", "base", "a.yaml"), cm("a"));
  writeFileSync(path.join(ws.root, "apps", "base", "gen.yaml"), "apiVersion: builtin\nkind: ConfigMapGenerator\nmetadata:\n  name: generated\nliterals: [x=y]\n");
  const built = await buildSync({ root: ws.root, path: "apps", kustomize: await createKustomize() });
  const names = built.objects.map((o) => o.metadata.name).sort();
  assert.equal(names.length, 2);
  assert.equal(names[0], "a");
  assert.match(names[1] ?? "", /^generated-[a-z0-9]{10}$/, "the generator ran (its name carries the content hash)");
  assert.equal(built.fromTreeAlone, false, "a generator in a base reached from the path");
});
