import { test } from "node:test";
import assert from "node:assert/strict";
import { parseManifests, renderManifests, splitDocuments } from "../../../agent/build/parse-manifests.ts";
import { cleanKustomizeError } from "../../../agent/build/kustomize-runner.ts";
import { renderKustomization } from "../../../agent/build/generate-kustomization.ts";
import { isRemoteEntry } from "../../../agent/build/remote-bases.ts";

test("documents become objects; empty documents are skipped; unknown fields survive", () => {
  const objs = parseManifests("---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\nspecial: {x: 1}\n---\n---\napiVersion: v1\nkind: Service\nmetadata: {name: b}\n", "s");
  assert.equal(objs.length, 2);
  assert.deepEqual(objs[0]?.special, { x: 1 });
  assert.equal(renderManifests(objs), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\nspecial:\n  x: 1\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: b\n");
});

test("a document that is not an object is named with what it lacks", () => {
  assert.throws(() => parseManifests("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\nkind: Secret\nmetadata: {}\n", "kustomize build apps"), /^SlipwayError: kustomize build apps: document 2 \(Secret\): is not a Kubernetes object: apiVersion, metadata\.name missing$/);
  assert.throws(() => parseManifests("a: [\n", "s"), /^SlipwayError: s: document 1: invalid YAML/);
});

test("kustomize failure text is reduced to its message", () => {
  assert.equal(
    cleanKustomizeError(`kubectl kustomize /x: exited with 1: E1126 14:54:12.630070   22262 run.go:72] "command failed" err="accumulating resources from 'a.yaml': \\"x\\""`),
    `accumulating resources from 'a.yaml': "x"`,
  );
  assert.equal(cleanKustomizeError("kustomize build /x: exited with 1: Error: no such file"), "no such file");
});

test("generated kustomization text and remote entries", () => {
  assert.equal(renderKustomization([]), "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: []\n");
  assert.equal(renderKustomization(["a.yaml"], "ns"), 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: "ns"\nresources:\n  - "a.yaml"\n');
  for (const r of ["https://github.com/a/b", "git@github.com:a/b.git", "github.com/a/b/deploy?ref=v1", "ssh://git@h/x"]) assert.ok(isRemoteEntry(r), r);
  for (const l of ["../base", "deploy.yaml", "sub/dir"]) assert.ok(!isRemoteEntry(l), l);
});

test("streams split only at separator lines, not inside block scalars", () => {
  const text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata:\n  script: |\n    echo one\n    ---\n    echo two\n--- # next\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n";
  assert.equal(splitDocuments(text).length, 2);
  const objs = parseManifests(text, "s");
  assert.deepEqual(objs.map((o) => o.metadata.name), ["a", "b"]);
  assert.equal((objs[0]?.data as Record<string, string>).script, "echo one\n---\necho two\n");
});
