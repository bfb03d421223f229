import { test } from "node:test";
import assert from "node:assert/strict";
import { fluxInstallReason, isFluxInstallObject } from "../../../agent/flux/flux-install.ts";
import type { KubeObject } from "../../../agent/kube/kube-object.ts";

const obj = (apiVersion: string, kind: string, name: string, labels?: Record<string, string>, spec?: unknown): KubeObject & { spec?: unknown } => ({
  apiVersion,
  kind,
  metadata: { name, ...(labels ? { labels } : {}) },
  ...(spec ? { spec } : {}),
});

test("Flux's install as every release labels it is recognised, with the reason", () => {
  // 0.15 and later: part-of.
  assert.equal(fluxInstallReason(obj("apps/v1", "Deployment", "source-controller", { "app.kubernetes.io/part-of": "flux", "app.kubernetes.io/instance": "flux-system", "app.kubernetes.io/version": "v2.3.0" })), "part of Flux's install (app.kubernetes.io/part-of: flux)");
  // 0.14: instance and version only.
  assert.equal(fluxInstallReason(obj("v1", "Namespace", "flux-system", { "app.kubernetes.io/instance": "flux-system", "app.kubernetes.io/version": "v0.14.2" })), "part of Flux's install (app.kubernetes.io/instance: flux-system, version v0.14.2)");
  // A toolkit CRD, labelled or not, by spec.group or, without one, by its name.
  assert.equal(fluxInstallReason(obj("apiextensions.k8s.io/v1", "CustomResourceDefinition", "kustomizations.kustomize.toolkit.fluxcd.io", undefined, { group: "kustomize.toolkit.fluxcd.io" })), "a CRD of Flux's kustomize.toolkit.fluxcd.io group");
  assert.equal(fluxInstallReason(obj("apiextensions.k8s.io/v1", "CustomResourceDefinition", "helmreleases.helm.toolkit.fluxcd.io")), "a CRD of Flux's helm.toolkit.fluxcd.io group");
});

test("objects that only look like Flux's are applied as usual", () => {
  // An app that happens to be called flux-system, without Flux's version label.
  assert.equal(isFluxInstallObject(obj("v1", "ConfigMap", "x", { "app.kubernetes.io/instance": "flux-system" })), false);
  assert.equal(isFluxInstallObject(obj("apps/v1", "Deployment", "x", { "app.kubernetes.io/part-of": "shop" })), false);
  assert.equal(isFluxInstallObject(obj("apiextensions.k8s.io/v1", "CustomResourceDefinition", "widgets.example.com", undefined, { group: "example.com" })), false);
  // A CRD of a group that merely contains the words.
  assert.equal(isFluxInstallObject(obj("apiextensions.k8s.io/v1", "CustomResourceDefinition", "things.toolkit.fluxcd.io.example.com", undefined, { group: "toolkit.fluxcd.io.example.com" })), false);
});
