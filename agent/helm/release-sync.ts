/**
 * A HelmRelease as a sync of its own, as Flux's helm-controller reconciles each release apart
 * from the Kustomization that holds it. The holder's build defines the release (like a nested
 * Kustomization, agent/flux/sync-registry.ts); the release's sync renders it from the objects of
 * that build at that revision (no fetch of its own) and applies the result through the same
 * engine, with its own ApplySet parent `slipway-<ns>.helmrelease.<name>`, status, `interval`,
 * `timeout`, `suspend`, `dependsOn` (other HelmReleases, namespace defaulting to the release's),
 * `serviceAccountName` (impersonated, as for a Kustomization) and `prune` always on (a release
 * removed from git is uninstalled: its objects deleted, as helm-controller does).
 *
 * Releases the holder rendered itself (before releases were syncs of their own) are handed over
 * (see {@link handOverReleases}): their live objects are relabelled into the release's set
 * before the holder's prune runs, so they keep their uids.
 */
import { applySetPartOfLabel } from "../../core/well-known.ts";
import { parentId, parentRef, recordOf, readParent, unionRecords } from "../applyset/applyset-parent.ts";
import { getParent, writeParent } from "../applyset/applyset-store.ts";
import { resolveGroupKind } from "../applyset/group-kind-mapping.ts";
import type { FluxSync } from "../flux/flux-specs.ts";
import type { ObjectOrigin } from "../flux/flux-origins.ts";
import { isHelmRelease, isHelmRepository } from "../flux/flux-objects.ts";
import type { KubeClient } from "../kube/kube-client.ts";
import { objectId, type KubeObject } from "../kube/kube-object.ts";
import { resourcePath } from "../kube/resource-mapping.ts";
import { readHelmRelease } from "./helm-specs.ts";
import { helmReleaseLabels } from "./render-release.ts";

/** What a release's sync renders: its HelmRelease and HelmRepository as its holder's build had them. */
export interface HelmReleaseSource {
  /** `namespace/name` of the HelmRelease. */
  release: string;
  /** The HelmRelease object, then the HelmRepository it names when a build defines it. */
  objects: KubeObject[];
  /** Where each of `objects` was written. */
  origins: ReadonlyMap<string, ObjectOrigin>;
  /** The holder's revision these objects were built from. */
  revision: string;
}

/**
 * The sync key of HelmRelease `namespace/name`: always `namespace/helmrelease.name`, so that its
 * parent (`slipway-<namespace>.helmrelease.<name>`) and labels never meet a Kustomization's. Pure.
 */
export function helmReleaseKey(namespace: string, name: string): string {
  return `${namespace}/helmrelease.${name}`;
}

/** The HelmRelease `namespace/name` a sync key stands for, when it is a release's. Pure. */
export function releaseOfKey(key: string): { namespace: string; name: string } | undefined {
  const m = /^([^/]+)\/helmrelease\.(.+)$/.exec(key);
  return m ? { namespace: m[1] as string, name: m[2] as string } : undefined;
}

/** Flux's defaults for a HelmRelease's schedule: `interval` 10m when unset (it is required in Flux), `timeout` 5m. */
const defaultIntervalMs = 600_000;
const defaultTimeoutMs = 300_000;

/**
 * The sync of one HelmRelease of `holder`'s build, with the HelmRepository it names among
 * `repositories` (those of the same build first). A spec that does not read still becomes a
 * sync (with Flux's defaults): its run fails naming the field and records the release's status.
 * Pure.
 */
export function releaseSync(release: KubeObject, repositories: readonly KubeObject[], origins: ReadonlyMap<string, ObjectOrigin>, holder: { key: string; sourceRef: string }, revision: string): FluxSync & { helmRelease: HelmReleaseSource } {
  const namespace = release.metadata.namespace ?? "default";
  const r = readHelmRelease(release);
  const intervalMs = r.ok ? (r.value.intervalMs ?? defaultIntervalMs) : defaultIntervalMs;
  const serviceAccountName = r.ok ? r.value.serviceAccountName : undefined;
  // The HelmRepository it names (the first one given: its own build's come first).
  const repository = r.ok ? repositories.find((o) => `${o.metadata.namespace ?? "default"}/${o.metadata.name}` === r.value.repository) : undefined;
  const picked = repository ? [release, repository] : [release];
  return {
    name: helmReleaseKey(namespace, release.metadata.name),
    namespace,
    sourceRef: holder.sourceRef,
    path: "./",
    intervalMs,
    retryIntervalMs: intervalMs,
    timeoutMs: (r.ok ? r.value.timeoutMs : undefined) ?? defaultTimeoutMs,
    prune: true,
    wait: true,
    dependsOn: r.ok ? r.value.dependsOn.map((d) => helmReleaseKey(d.slice(0, d.indexOf("/")), d.slice(d.indexOf("/") + 1))) : [],
    suspend: r.ok ? r.value.suspend : false,
    force: false,
    allowEmpty: true,
    ...(serviceAccountName ? { serviceAccountName } : {}),
    helmRelease: {
      release: `${namespace}/${release.metadata.name}`,
      objects: picked,
      origins: new Map(picked.flatMap((o) => (origins.get(objectId(o)) ? [[objectId(o), origins.get(objectId(o)) as ObjectOrigin] as const] : []))),
      revision,
    },
  };
}

/** Splits a build's HelmRelease and HelmRepository objects from the rest. Pure. */
export function takeHelmObjects(objects: readonly KubeObject[]): { helm: KubeObject[]; rest: KubeObject[] } {
  const helm: KubeObject[] = [];
  const rest: KubeObject[] = [];
  for (const o of objects) (isHelmRelease(o) || isHelmRepository(o) ? helm : rest).push(o);
  return { helm, rest };
}

/**
 * Hands the releases of `holder`'s build over to their own syncs: for each release whose own
 * parent does not exist yet, the live members of the holder's set that carry the release's
 * `helm.toolkit.fluxcd.io/name` and `/namespace` labels are relabelled into the release's set
 * (a merge patch of one label: same objects, same uids) and the release's parent records their
 * kinds and namespaces, so that the holder's prune no longer sees them and the release's own
 * prune does. Run before the holder's definitions are taken, so that no release sync has started.
 * Returns the ids moved.
 */
export async function handOverReleases(client: KubeClient, agentNamespace: string, holder: string, releases: readonly KubeObject[], signal?: AbortSignal): Promise<string[]> {
  const holderRef = parentRef(holder, agentNamespace);
  const pending: { namespace: string; name: string; key: string }[] = [];
  for (const r of releases.filter(isHelmRelease)) {
    const namespace = r.metadata.namespace ?? "default";
    const key = helmReleaseKey(namespace, r.metadata.name);
    if (!(await getParent(client, parentRef(key, agentNamespace), signal))) pending.push({ namespace, name: r.metadata.name, key });
  }
  if (pending.length === 0) return [];
  const holderLive = await getParent(client, holderRef, signal);
  if (!holderLive) return [];
  const record = readParent(holderLive, holderRef);
  const holderId = parentId(holderRef);
  const moved: string[] = [];
  const found = new Map<string, KubeObject[]>();
  for (const gk of record.groupKinds) {
    const mapping = await resolveGroupKind(client, gk, signal);
    if (!mapping || !mapping.verbs.includes("list")) continue;
    for (const namespace of mapping.namespaced ? record.namespaces : [undefined]) {
      const res = await client.request<{ items?: KubeObject[] }>({ method: "GET", path: resourcePath(mapping, namespace), query: { labelSelector: `${applySetPartOfLabel}=${holderId},${helmReleaseLabels.name}` }, allowNotFound: true, signal });
      for (const item of res.body.items ?? []) {
        const labels = item.metadata.labels ?? {};
        const p = pending.find((x) => x.name === labels[helmReleaseLabels.name] && x.namespace === labels[helmReleaseLabels.namespace]);
        if (!p) continue;
        const obj: KubeObject = { ...item, apiVersion: mapping.apiVersion, kind: mapping.kind };
        await client.request({
          method: "PATCH",
          path: resourcePath(mapping, item.metadata.namespace, item.metadata.name),
          contentType: "application/merge-patch+json",
          body: JSON.stringify({ metadata: { labels: { [applySetPartOfLabel]: parentId(parentRef(p.key, agentNamespace)) } } }),
          signal,
        });
        found.set(p.key, [...(found.get(p.key) ?? []), obj]);
        moved.push(objectId(obj));
      }
    }
  }
  for (const p of pending) {
    const ref = parentRef(p.key, agentNamespace);
    // Written even when nothing moved: the parent marks the hand-over as done.
    await writeParent(client, ref, unionRecords({ groupKinds: [], namespaces: [] }, recordOf(found.get(p.key) ?? [], agentNamespace)), signal);
  }
  return moved;
}
