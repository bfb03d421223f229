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
