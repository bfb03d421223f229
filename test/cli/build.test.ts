/** `slipway build --path DIR`, run as a real child process. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, mkdirSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseAllDocuments } from "yaml";
import { runCli } from "./run-cli.ts";

const shop = path.resolve(import.meta.dirname, "../fixtures/shop/clusters/eks/shop");

test("prints the YAML stream of the seed's plain directory, without writing into it", async () => {
  const r = await runCli(["build", "--path", shop, "--target-namespace", "shop-prod"]);
  assert.equal(r.code, 0, r.stderr);
  const docs = parseAllDocuments(r.stdout).map((d) => d.toJS() as { kind: string; metadata: { name: string; namespace: string } });
  assert.equal(docs.length, 16);
  assert.deepEqual([...new Set(docs.map((d) => d.kind))].sort(), ["ConfigMap", "Deployment", "Ingress", "Service"]);
  assert.ok(docs.every((d) => d.metadata.namespace === "shop-prod"));
  assert.ok(!existsSync(path.join(shop, "kustomization.yaml")));
});

test("a broken file fails naming file:line; usage errors exit 2", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "slipway-cli-build-"));
  mkdirSync(path.join(dir, "apps"));
  writeFileSync(path.join(dir, "apps", "ok.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\n");
  writeFileSync(path.join(dir, "apps", "bad.yaml"), "just: a mapping\n");
  const r = await runCli(["build", "--path", path.join(dir, "apps")]);
  assert.equal(r.code, 1);
  assert.equal(r.stdout, "");
  assert.match(r.stderr, /✗ bad\.yaml:1: is not a Kubernetes object: apiVersion is missing/);
  const u = await runCli(["build", "--nope"]);
  assert.equal(u.code, 2);
  assert.match(u.stderr, /Usage: slipway build/);
  const missing = await runCli(["build", "--path", path.join(dir, "absent")]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /absent: does not exist/);
});

test("the seed's cluster directory: Flux's sync objects are listed on stderr as sources and syncs, Flux's install as skipped", async () => {
  const eks = path.resolve(import.meta.dirname, "../../examples/shop/clusters/eks");
  const r = await runCli(["build", "--path", eks]);
  assert.equal(r.code, 0, r.stderr);
  const kinds = parseAllDocuments(r.stdout).map((d) => (d.toJS() as { kind: string }).kind);
  assert.ok(!kinds.includes("GitRepository") && !kinds.includes("Kustomization") && !kinds.includes("CustomResourceDefinition"), kinds.join(","));
  const lines = r.stderr.trimEnd().split("\n");
  assert.match(r.stderr, /^source GitRepository\/flux-system\/flux-system \(examples\/shop\/clusters\/eks\/flux-system\/gotk-sync\.yaml:\d+\): .* branch eks, every 1m$/m);
  assert.match(r.stderr, /^source GitRepository\/flux-system\/monitoring \(examples\/shop\/clusters\/eks\/monitoring\.yaml:\d+\): \S+ branch main, every 30m$/m);
  assert.match(r.stderr, /^sync Kustomization\/flux-system\/flux-system \(.*gotk-sync\.yaml:\d+\): \.\/clusters\/eks of GitRepository\/flux-system\/flux-system, every 3m, prune on$/m);
  assert.match(r.stderr, /^sync Kustomization\/flux-system\/monitoring-stack \(.*monitoring\.yaml:\d+\): \.\/manifests\/monitoring of GitRepository\/flux-system\/monitoring, every 1h, prune on$/m);
  assert.match(r.stderr, /^skipped Deployment\/flux-system\/kustomize-controller: part of Flux's install/m);
  assert.match(r.stderr, /^skipped CustomResourceDefinition\/kustomizations\.kustomize\.toolkit\.fluxcd\.io: a CRD of Flux's/m);
  assert.equal(lines.filter((l) => l.startsWith("skipped Deployment/flux-system/")).length, 6, "the six controllers");
});
