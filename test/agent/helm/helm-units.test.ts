/** The pure parts of agent/helm: version choice, values merge and targetPath, hook phases, specs. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { parse } from "yaml";
import { pickVersion } from "../../../agent/helm/chart-source.ts";
import { mergeValues, setAtPath } from "../../../agent/helm/helm-values.ts";
import { hookPhase, hookWeight } from "../../../agent/helm/render-release.ts";
import { readHelmRelease, readHelmRepository } from "../../../agent/helm/helm-specs.ts";
import { specIssueText } from "../../../agent/flux/flux-specs.ts";
import type { KubeObject } from "../../../agent/kube/kube-object.ts";

const obj = (text: string): KubeObject => parse(text) as KubeObject;

test("pickVersion: the highest version in the range, prereleases only when the range names one", () => {
  const versions = ["1.0.0", "1.0.3", "1.1.0-rc.1", "1.1.0", "2.0.0"];
  assert.equal(pickVersion(versions, "~1.0"), "1.0.3");
  assert.equal(pickVersion(versions, "1.x"), "1.1.0");
  assert.equal(pickVersion(versions, "*"), "2.0.0");
  assert.equal(pickVersion(["1.0.0", "1.1.0-rc.1"], ">=1.1.0-0"), "1.1.0-rc.1");
  assert.equal(pickVersion(versions, ">=5.0.0"), undefined);
  assert.throws(() => pickVersion(versions, "not a range!"), /semver range "not a range!"/);
});

test("values: maps merged deeply, other values replaced; targetPath sets a dotted path", () => {
  assert.deepEqual(mergeValues({ a: { b: 1, c: [1] }, d: 1 }, { a: { c: [2], e: 3 }, d: { x: 1 } }), { a: { b: 1, c: [2], e: 3 }, d: { x: 1 } });
  assert.deepEqual(setAtPath({ a: { keep: 1 } }, "a.b.c", "v"), { a: { keep: 1, b: { c: "v" } } });
  assert.deepEqual(setAtPath({ list: [{ name: "a" }] }, "list[0].name", "x"), { list: [{ name: "x" }] });
  assert.deepEqual(setAtPath({}, "list[0].name", "x"), { list: [{ name: "x" }] });
});

test("hooks: pre-install on install, pre-upgrade on upgrade; test, delete and rollback hooks never", () => {
  const hook = (h?: string, w?: string): KubeObject => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x", annotations: { ...(h ? { "helm.sh/hook": h } : {}), ...(w ? { "helm.sh/hook-weight": w } : {}) } } });
  assert.equal(hookPhase(hook(), false), "release");
  assert.equal(hookPhase(hook("pre-install"), false), "pre");
  assert.equal(hookPhase(hook("pre-install"), true), "never");
  assert.equal(hookPhase(hook("pre-install,pre-upgrade"), true), "pre");
  assert.equal(hookPhase(hook("post-install, post-upgrade"), true), "post");
  assert.equal(hookPhase(hook("test"), false), "never");
  assert.equal(hookPhase(hook("pre-delete,post-rollback"), false), "never");
  assert.equal(hookWeight(hook("pre-install", "-5")), -5);
  assert.equal(hookWeight(hook("pre-install", "x")), 0);
});

test("specs: Flux's defaults, and errors and warnings that name the field", () => {
  const r = readHelmRelease(obj(`apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: { name: app, namespace: apps }\nspec:\n  interval: 5m\n  targetNamespace: prod\n  chart: { spec: { chart: app, sourceRef: { kind: HelmRepository, name: charts, namespace: flux-system } } }\n  maxHistory: 3\n`));
  assert.ok(r.ok);
  assert.equal(r.value.releaseName, "prod-app");
  assert.equal(r.value.targetNamespace, "prod");
  assert.equal(r.value.version, "*");
  assert.equal(r.value.repository, "flux-system/charts");
  assert.equal(r.value.installCrds, "Create");
  assert.equal(r.value.upgradeCrds, "Skip");
  assert.deepEqual(r.warnings.map(specIssueText), ["spec.maxHistory: is ignored: Slipway keeps no Helm release history"]);
  const bad = readHelmRelease(obj(`apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: { name: app }\nspec: { install: { crds: Sometimes }, chart: { spec: { chart: app, sourceRef: { kind: HelmRepository, name: c } } } }\n`));
  assert.ok(!bad.ok);
  assert.match(specIssueText(bad.errors[0] ?? { path: [], message: "" }), /^spec\.install\.crds: /);
  const repo = readHelmRepository(obj(`apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata: { name: ecr, namespace: flux-system }\nspec: { type: oci, provider: aws, url: "oci://123456789012.dkr.ecr.eu-west-1.amazonaws.com/charts/", secretRef: { name: creds } }\n`));
  assert.ok(repo.ok);
  assert.deepEqual({ url: repo.value.url, provider: repo.value.provider, secretRef: repo.value.secretRef }, { url: "oci://123456789012.dkr.ecr.eu-west-1.amazonaws.com/charts", provider: "aws", secretRef: { name: "creds", namespace: "flux-system" } });
  const wrongUrl = readHelmRepository(obj(`apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata: { name: x }\nspec: { type: oci, url: "https://charts.example" }\n`));
  assert.ok(!wrongUrl.ok);
  assert.match(specIssueText(wrongUrl.errors[0] ?? { path: [], message: "" }), /^spec\.url: "https:\/\/charts\.example" must start with oci:\/\//);
});
