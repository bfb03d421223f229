/**
 * The Flux objects the agent runs itself instead of applying them: `source.toolkit.fluxcd.io`
 * GitRepository and `kustomize.toolkit.fluxcd.io` Kustomization, in every API version users have
 * in their repositories (v1beta1, v1beta2, v1). Pure.
 */
import type { KubeObject } from "../kube/kube-object.ts";
import { splitApiVersion } from "../kube/kube-object.ts";

/** API group of Flux's GitRepository. */
export const fluxSourceGroup = "source.toolkit.fluxcd.io";
/** API group of Flux's Kustomization. */
export const fluxKustomizeGroup = "kustomize.toolkit.fluxcd.io";
/** The API versions of both groups the agent reads. */
export const fluxSyncVersions: readonly string[] = ["v1beta1", "v1beta2", "v1"];

/** Whether `obj` is a Flux GitRepository of a version the agent reads. */
export function isGitRepository(obj: Pick<KubeObject, "apiVersion" | "kind">): boolean {
  const { group, version } = splitApiVersion(obj.apiVersion);
  return obj.kind === "GitRepository" && group === fluxSourceGroup && fluxSyncVersions.includes(version);
}

/** Whether `obj` is a Flux Kustomization (not kustomize's own `kustomize.config.k8s.io` one) of a version the agent reads. */
export function isFluxKustomization(obj: Pick<KubeObject, "apiVersion" | "kind">): boolean {
  const { group, version } = splitApiVersion(obj.apiVersion);
  return obj.kind === "Kustomization" && group === fluxKustomizeGroup && fluxSyncVersions.includes(version);
}

/** Whether `obj` is one of the Flux objects the agent runs (GitRepository or Kustomization). */
export function isFluxSyncObject(obj: Pick<KubeObject, "apiVersion" | "kind">): boolean {
  return isGitRepository(obj) || isFluxKustomization(obj);
}

/** API group of Flux's HelmRelease. */
export const fluxHelmGroup = "helm.toolkit.fluxcd.io";

/** Whether `obj` is a Flux HelmRepository (v1beta1, v1beta2, v1): rendered by agent/helm, never applied. */
export function isHelmRepository(obj: Pick<KubeObject, "apiVersion" | "kind">): boolean {
  const { group, version } = splitApiVersion(obj.apiVersion);
  return obj.kind === "HelmRepository" && group === fluxSourceGroup && fluxSyncVersions.includes(version);
}

/** Whether `obj` is a Flux HelmRelease (v2beta1, v2beta2, v2): rendered by agent/helm, never applied. */
export function isHelmRelease(obj: Pick<KubeObject, "apiVersion" | "kind">): boolean {
  const { group, version } = splitApiVersion(obj.apiVersion);
  return obj.kind === "HelmRelease" && group === fluxHelmGroup && ["v2beta1", "v2beta2", "v2"].includes(version);
}

/** API group of Flux's notification Provider and Alert. */
export const fluxNotificationGroup = "notification.toolkit.fluxcd.io";

/** Whether `obj` is a Flux Provider or Alert (v1beta1–v1beta3): read by the agent's notifier, never applied. */
export function isNotificationObject(obj: Pick<KubeObject, "apiVersion" | "kind">): boolean {
  const { group, version } = splitApiVersion(obj.apiVersion);
  return (obj.kind === "Provider" || obj.kind === "Alert") && group === fluxNotificationGroup && ["v1beta1", "v1beta2", "v1beta3"].includes(version);
}
