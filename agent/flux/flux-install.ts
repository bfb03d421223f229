/**
 * Flux's own install, as `flux install` and `flux bootstrap` write it (gotk-components.yaml, every
 * release from 0.14 on): the CustomResourceDefinitions of the `*.toolkit.fluxcd.io` groups and the
 * objects labelled `app.kubernetes.io/part-of: flux`, or `app.kubernetes.io/instance: flux-system`
 * with a version label (releases before ~0.15 lack `part-of`). The agent never applies these and
 * never prunes them: a repository Flux bootstrapped keeps its `flux-system/` directory, and a Flux
 * install in the cluster is left exactly as it is. Pure.
 */
import type { KubeObject } from "../kube/kube-object.ts";
import { splitApiVersion } from "../kube/kube-object.ts";

/** The API groups of Flux's toolkit end in this suffix (`source.toolkit.fluxcd.io`, …). */
export const fluxToolkitGroupSuffix = ".toolkit.fluxcd.io";

/** Why `obj` is part of Flux's install, in one phrase for a `skipped` line; undefined when it is not. */
export function fluxInstallReason(obj: Pick<KubeObject, "apiVersion" | "kind" | "metadata"> & { spec?: unknown }): string | undefined {
  const { group } = splitApiVersion(obj.apiVersion);
  if (obj.kind === "CustomResourceDefinition" && group === "apiextensions.k8s.io") {
    const spec = obj.spec as { group?: unknown } | undefined;
    const crdGroup = typeof spec?.group === "string" ? spec.group : obj.metadata.name.slice(obj.metadata.name.indexOf(".") + 1);
    if (crdGroup.endsWith(fluxToolkitGroupSuffix)) return `a CRD of Flux's ${crdGroup} group`;
  }
  const labels = obj.metadata.labels ?? {};
  if (labels["app.kubernetes.io/part-of"] === "flux") return "part of Flux's install (app.kubernetes.io/part-of: flux)";
  if (labels["app.kubernetes.io/instance"] === "flux-system" && labels["app.kubernetes.io/version"] !== undefined) {
    return `part of Flux's install (app.kubernetes.io/instance: flux-system, version ${labels["app.kubernetes.io/version"]})`;
  }
  return undefined;
}

/** Whether `obj` belongs to Flux's install (see {@link fluxInstallReason}). */
export function isFluxInstallObject(obj: Pick<KubeObject, "apiVersion" | "kind" | "metadata"> & { spec?: unknown }): boolean {
  return fluxInstallReason(obj) !== undefined;
}
