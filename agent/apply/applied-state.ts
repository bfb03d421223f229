/**
 * What the apply engine last confirmed in sync, per object of one sync: a digest of the desired
 * body it applied (or found unchanged by dry-run) and a fingerprint of the live copy the server
 * answered then. On the next apply, an object whose desired body has the same digest and whose
 * listed live copy has the same fingerprint has not changed on either side since, so its dry-run
 * is skipped; anything else takes the dry-run path.
 *
 * The fingerprint is exact per kind: for kinds whose `metadata.generation` counts every change
 * outside metadata and status (see {@link generationKinds}) it is the uid, the generation, the
 * labels, the annotations and the managed fields of writes to the main resource (status writes
 * by controllers do not count); for every other kind it is the uid and the resourceVersion
 * (which every write changes). Only two short digests are kept per object, never the object.
 */
import { createHash } from "node:crypto";
import { applyFieldManager, takeoverFieldManagers } from "../../core/well-known.ts";
import { inventoryKey, type KubeObject } from "../kube/kube-object.ts";

/**
 * Group/Kind of built-in kinds whose API server strategy increments `metadata.generation` on
 * every change of `spec` (their only field besides metadata and status), including writes
 * through the `scale` subresource. Custom resources do too, but an aggregated API need not, so
 * they are judged by resourceVersion.
 */
export const generationKinds: ReadonlySet<string> = new Set([
  "apps/Deployment",
  "apps/StatefulSet",
  "apps/DaemonSet",
  "apps/ReplicaSet",
  "batch/Job",
  "batch/CronJob",
  "autoscaling/HorizontalPodAutoscaler",
  "policy/PodDisruptionBudget",
  "apiextensions.k8s.io/CustomResourceDefinition",
]);

const digestLength = 22;

function digest(text: string): string {
  return createHash("sha256").update(text).digest("base64url").slice(0, digestLength);
}

function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf("/");
  return slash < 0 ? "" : apiVersion.slice(0, slash);
}

/** The digest of a desired object as it is sent (the part-of label included). */
export function desiredDigest(obj: KubeObject): string {
  return digest(JSON.stringify(obj));
}

/**
 * The fingerprint of a live object: equal fingerprints mean nobody changed the object in a way
 * drift detection could see (see the file header for what is compared per kind).
 */
export function liveFingerprint(live: KubeObject): string {
  const m = live.metadata;
  if (generationKinds.has(`${groupOf(live.apiVersion)}/${live.kind}`) && typeof m.generation === "number") {
    const managed = ((m.managedFields ?? []) as { subresource?: string }[]).filter((f) => !f.subresource);
    return digest(JSON.stringify([m.uid ?? "", m.generation, m.labels ?? {}, m.annotations ?? {}, managed]));
  }
  return digest(`${m.uid ?? ""}\0${m.resourceVersion ?? ""}`);
}

/**
 * What a watch judges drift by (agent/watch/member-watch.ts), looser than {@link liveFingerprint}
 * so that controllers' writes (a Deployment's revision annotation, a new generation from an
 * autoscaler on a field git does not set) wake nothing: the uid, the fields `fieldManager`'s
 * apply owns (a hand edit of any of them moves its ownership away), and whether a manager whose
 * fields the apply takes over (kubectl's) wrote the object.
 */
export function ownershipFingerprint(live: KubeObject, fieldManager: string = applyFieldManager): string {
  const entries = live.metadata.managedFields ?? [];
  const ours = entries.filter((e) => e.manager === fieldManager && e.operation === "Apply" && !e.subresource).map((e) => [e.apiVersion ?? "", e.fieldsV1 ?? {}]);
  const handEdited = entries.some((e) => takeoverFieldManagers.includes(e.manager ?? "") && !e.subresource);
  return digest(JSON.stringify([live.metadata.uid ?? "", ours, handEdited]));
}

/** Per-sync memory of what was last confirmed in sync; see the file header. */
export class AppliedState {
  private readonly entries = new Map<string, string>();

  /** Whether `obj` (desired, digest `desired`) is known in sync with `live` as listed now. */
  unchanged(obj: KubeObject, desired: string, live: KubeObject): boolean {
    return this.entries.get(inventoryKey(obj))?.slice(0, 2 * digestLength) === `${desired}${liveFingerprint(live)}`;
  }

  /**
   * Whether `obj` is remembered with a desired body other than `desired`: git changed it since
   * its last apply, so the apply will write it whatever the live copy says (no dry-run needed to
   * decide). False for an object not remembered.
   */
  changedInGit(obj: KubeObject, desired: string): boolean {
    const entry = this.entries.get(inventoryKey(obj));
    return entry !== undefined && entry.slice(0, digestLength) !== desired;
  }

  /** Records that desired body `desired` of `obj` was confirmed in sync with `live` (the server's answer), applied as `fieldManager`. */
  record(obj: KubeObject, desired: string, live: KubeObject, fieldManager: string = applyFieldManager): void {
    this.entries.set(inventoryKey(obj), `${desired}${liveFingerprint(live)}${ownershipFingerprint(live, fieldManager)}`);
  }

  /** The {@link ownershipFingerprint} recorded for an inventory key, or undefined when the object is not remembered. */
  ownershipOf(key: string): string | undefined {
    return this.entries.get(key)?.slice(2 * digestLength);
  }

  /** The inventory keys of the remembered objects. */
  keys(): IterableIterator<string> {
    return this.entries.keys();
  }

  /** Forgets `obj`: its next apply takes the dry-run path. */
  forget(obj: KubeObject): void {
    this.entries.delete(inventoryKey(obj));
  }

  /** Keeps only the objects of `objects` (the current build). */
  retain(objects: readonly KubeObject[]): void {
    const keep = new Set(objects.map(inventoryKey));
    for (const key of this.entries.keys()) if (!keep.has(key)) this.entries.delete(key);
  }

  /** Forgets everything (e.g. after an apply that was cut short). */
  clear(): void {
    this.entries.clear();
  }

  /** Objects remembered. */
  get size(): number {
    return this.entries.size;
  }
}

/** One {@link AppliedState} per sync, for an agent process. */
export class AppliedStates {
  private readonly states = new Map<string, AppliedState>();

  /** The state of `sync`, created empty on first use. */
  of(sync: string): AppliedState {
    let s = this.states.get(sync);
    if (!s) this.states.set(sync, (s = new AppliedState()));
    return s;
  }

  /** Drops the state of a sync that is gone. */
  delete(sync: string): void {
    this.states.delete(sync);
  }
}
