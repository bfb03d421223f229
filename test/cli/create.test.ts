import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { runCli } from "./run-cli.ts";

test("the seed's flux create commands, done the GitOps way: Flux-format YAML with --export", async () => {
  const src = await runCli(["create", "source", "git", "monitoring", "--interval=30m", "--url=https://github.com/fluxcd/flux2", "--branch=main", "--export"]);
  assert.equal(src.code, 0, src.stderr);
  assert.equal(src.stdout, `---
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata:
  name: monitoring
  namespace: flux-system
spec:
  interval: 30m0s
  ref:
    branch: main
  url: https://github.com/fluxcd/flux2
`);
  const ks = await runCli(["create", "kustomization", "monitoring-stack", "--interval=1h", "--prune=true", "--source=monitoring", "--path=./manifests/monitoring", "--depends-on", "infra", "--target-namespace", "monitoring", "--export"]);
  assert.equal(ks.code, 0, ks.stderr);
  assert.equal(ks.stdout, `---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: monitoring-stack
  namespace: flux-system
spec:
  interval: 1h0m0s
  dependsOn:
    - name: infra
  path: ./manifests/monitoring
  prune: true
  sourceRef:
    kind: GitRepository
    name: monitoring
  targetNamespace: monitoring
`);
});

test("without --export the file goes into --output-dir; bad input is refused naming the flag", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "slipway-create-"));
  const r = await runCli(["create", "source", "git", "apps", "--url", "https://git.example/apps", "--tag", "v1.2.0", "--secret-ref", "apps-auth", "--output-dir", dir]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(readFileSync(path.join(dir, "gitrepository-apps.yaml"), "utf8"), /ref:\n {4}tag: v1\.2\.0\n {2}secretRef:\n {4}name: apps-auth\n/);
  const noDir = await runCli(["create", "kustomization", "x", "--source", "apps", "--path", "./x"]);
  assert.equal(noDir.code, 2);
  assert.match(noDir.stderr, /✗ --output-dir: is required without --export/);
  const twoRefs = await runCli(["create", "source", "git", "x", "--url", "https://x/y", "--branch", "a", "--tag", "b", "--export"]);
  assert.equal(twoRefs.code, 2);
  assert.match(twoRefs.stderr, /give exactly one of --branch, --tag or --commit/);
  const badInterval = await runCli(["create", "kustomization", "x", "--source", "apps", "--path", "./x", "--interval", "soon", "--export"]);
  assert.equal(badInterval.code, 2);
  assert.match(badInterval.stderr, /✗ --interval soon: is not a duration/);
  const outside = await runCli(["create", "kustomization", "x", "--source", "apps", "--path", "../x", "--export"]);
  assert.equal(outside.code, 2);
  assert.match(outside.stderr, /✗ Kustomization\/flux-system\/x: spec\.path: "\.\.\/x" leaves the repository/);
});
