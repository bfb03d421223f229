import { test } from "node:test";
import assert from "node:assert/strict";
import { parse } from "yaml";
import { readGitRepository, readKustomization, specIssueText } from "../../../agent/flux/flux-specs.ts";
import type { KubeObject } from "../../../agent/kube/kube-object.ts";

const obj = (text: string): KubeObject => parse(text) as KubeObject;

test("the seed's gotk-sync.yaml (v1beta1) reads with Flux's defaults", () => {
  const repo = readGitRepository(obj(`apiVersion: source.toolkit.fluxcd.io/v1beta1
kind: GitRepository
metadata: { name: flux-system, namespace: flux-system }
spec: { interval: 1m0s, ref: { branch: eks }, secretRef: { name: flux-system }, url: https://git.example/shop }
`), "slipway-system");
  assert.ok(repo.ok);
  assert.deepEqual(repo.value, { name: "flux-system/flux-system", url: "https://git.example/shop", ref: { branch: "eks" }, intervalMs: 60_000, timeoutMs: 60_000, provider: "generic", secretRef: { name: "flux-system", namespace: "flux-system" } });
  assert.deepEqual(repo.warnings, []);
  const k = readKustomization(obj(`apiVersion: kustomize.toolkit.fluxcd.io/v1beta1
kind: Kustomization
metadata: { name: flux-system, namespace: flux-system }
spec: { interval: 3m0s, path: ./clusters/eks, prune: true, sourceRef: { kind: GitRepository, name: flux-system }, validation: client }
`), "slipway-system");
  assert.ok(k.ok);
  assert.equal(k.value.name, "flux-system/flux-system");
  assert.equal(k.value.sourceRef, "flux-system/flux-system", "sourceRef.namespace defaults to the Kustomization's");
  assert.equal(k.value.intervalMs, 180_000);
  assert.equal(k.value.retryIntervalMs, 180_000, "retryInterval defaults to interval");
  assert.equal(k.value.timeoutMs, 180_000, "timeout defaults to interval");
  assert.equal(k.value.prune, true);
  assert.equal(k.value.wait, false);
  assert.deepEqual(k.warnings.map(specIssueText), ["spec.validation: is ignored: the API server validates every object by server-side dry-run"]);
});

test("a GitRepository without ref follows master; ref precedence is commit, then tag, then branch", () => {
  const base = (ref: string) => obj(`apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata: { name: m, namespace: flux-system }\nspec: { interval: 30m, url: https://x/y${ref} }\n`);
  const r1 = readGitRepository(base(""), "flux-system");
  assert.ok(r1.ok);
  assert.deepEqual(r1.value.ref, { branch: "master" });
  assert.equal(r1.value.name, "m", "the agent's namespace gives a bare key");
  const r2 = readGitRepository(base(", ref: { branch: main, tag: v1 }"), "x");
  assert.ok(r2.ok);
  assert.deepEqual(r2.value.ref, { tag: "v1" });
  const sha = "a".repeat(40);
  const r3 = readGitRepository(base(`, ref: { branch: main, tag: v1, commit: ${sha} }`), "x");
  assert.ok(r3.ok);
  assert.deepEqual(r3.value.ref, { commit: sha });
});

test("ref.name wins over semver, tag and branch; semver over tag and branch; bad ones name the field", () => {
  const base = (ref: string) => obj(`apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata: { name: m, namespace: flux-system }\nspec: { interval: 30m, url: https://x/y, ref: ${ref} }\n`);
  const named = readGitRepository(base('{ name: refs/pull/1/head, semver: ">=1.0.0", tag: v1, branch: main }'), "x");
  assert.ok(named.ok);
  assert.deepEqual(named.value.ref, { name: "refs/pull/1/head" });
  const ranged = readGitRepository(base('{ semver: ">=1.0.0 <2.0.0", tag: v1, branch: main }'), "x");
  assert.ok(ranged.ok);
  assert.deepEqual(ranged.value.ref, { semver: ">=1.0.0 <2.0.0" });
  const badRange = readGitRepository(base('{ semver: ">=x.y.z" }'), "x");
  assert.ok(!badRange.ok);
  assert.match(specIssueText(badRange.errors[0] ?? { path: [], message: "" }), /^spec\.ref\.semver: is not a semver range: .*improper constraint/);
  const shortName = readGitRepository(base("{ name: main }"), "x");
  assert.ok(!shortName.ok);
  assert.deepEqual(shortName.errors.map(specIssueText), ['spec.ref.name: "main" is not a full reference name (e.g. refs/heads/main, refs/pull/1/head)']);
  const dotted = readGitRepository(base('{ name: "refs/heads/a..b" }'), "x");
  assert.ok(!dotted.ok);
  assert.match(specIssueText(dotted.errors[0] ?? { path: [], message: "" }), /^spec\.ref\.name: "refs\/heads\/a\.\.b" contains "\.\."/);
});

test("errors and warnings name the field: invalid interval, decryption, unknown and not-run fields", () => {
  const k = readKustomization(obj(`apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: { name: a, namespace: apps }
spec: { interval: 5 minutes, prune: true, sourceRef: { kind: GitRepository, name: s }, decryption: { provider: sops }, kubeConfig: {}, colour: blue }
`), "slipway-system");
  assert.equal(k.ok, false);
  assert.ok(!k.ok);
  assert.deepEqual(k.errors.map(specIssueText), ['spec.interval: "5 minutes" is not a positive duration such as 30s, 1m0s or 1h']);
  assert.deepEqual(k.warnings.map(specIssueText), ["spec.kubeConfig: is not supported by Slipway yet; the field is ignored", "spec.colour: is not a field of Kustomization; ignored"]);
  const d = readKustomization(obj(`apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: { name: a, namespace: apps }
spec: { interval: 5m, prune: true, sourceRef: { kind: GitRepository, name: s }, decryption: { provider: vault } }
`), "slipway-system");
  assert.ok(!d.ok);
  assert.match(specIssueText(d.errors[0] ?? { path: [], message: "" }), /^spec\.decryption\.provider: "vault" is not supported \(sops\)/);
  const sops = readKustomization(obj(`apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: { name: a, namespace: apps }
spec: { interval: 5m, sourceRef: { kind: GitRepository, name: s }, decryption: { provider: sops, secretRef: { name: sops-keys } } }
`), "slipway-system");
  assert.ok(sops.ok);
  assert.deepEqual(sops.value.decryption, { provider: "sops", secretRef: "sops-keys" });
  const noInterval = readGitRepository(obj(`apiVersion: source.toolkit.fluxcd.io/v1beta2\nkind: GitRepository\nmetadata: { name: m }\nspec: { url: https://x/y }\n`), "x");
  assert.ok(!noInterval.ok);
  assert.deepEqual(noInterval.errors.map(specIssueText), ["spec.interval: is required"]);
});

test("dependsOn and postBuild keep Flux's namespaces and order", () => {
  const k = readKustomization(obj(`apiVersion: kustomize.toolkit.fluxcd.io/v1beta2
kind: Kustomization
metadata: { name: apps, namespace: flux-system }
spec:
  interval: 10m
  prune: false
  sourceRef: { kind: GitRepository, name: flux-system }
  dependsOn: [{ name: infra }, { name: crds, namespace: other }]
  targetNamespace: shop
  postBuild:
    substitute: { cluster: eks }
    substituteFrom: [{ kind: ConfigMap, name: vars }, { kind: Secret, name: secret-vars, optional: true }]
`), "flux-system");
  assert.ok(k.ok);
  assert.deepEqual(k.value.dependsOn, ["infra", "other/crds"]);
  assert.equal(k.value.targetNamespace, "shop");
  assert.deepEqual(k.value.postBuild, { substitute: { cluster: "eks" }, substituteFrom: [{ kind: "ConfigMap", name: "vars", optional: false }, { kind: "Secret", name: "secret-vars", optional: true }] });
});

test("provider aws (Slipway's addition) takes a CodeCommit URL, codecommit:: form included", () => {
  const r = readGitRepository(obj(`apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata: { name: shop, namespace: flux-system }\nspec: { interval: 1m, provider: aws, ref: { branch: eks }, url: "codecommit::ap-northeast-2://shop" }\n`), "slipway-system");
  assert.ok(r.ok);
  assert.equal(r.value.provider, "aws");
  assert.equal(r.value.url, "https://git-codecommit.ap-northeast-2.amazonaws.com/v1/repos/shop");
  const bad = readGitRepository(obj(`apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata: { name: shop }\nspec: { interval: 1m, provider: azure, url: "https://x/y" }\n`), "x");
  assert.ok(!bad.ok);
  assert.deepEqual(bad.errors.map(specIssueText), ['spec.provider: "azure" is not supported by Slipway (generic, or aws for CodeCommit)']);
});
