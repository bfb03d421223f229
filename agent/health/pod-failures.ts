/**
 * Fail fast: a workload (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job) whose Pods of the
 * current revision wait in `ImagePullBackOff`, `ErrImagePull` or `CrashLoopBackOff` will not
 * become ready without a change, so its health check fails at once, naming the Pod, the
 * container and the reason, instead of waiting for the timeout. Pure: the caller lists the Pods
 * (with {@link podLabelSelector}) and hands them in.
 */
import type { KubeObject } from "../kube/kube-object.ts";
import { failed, stringAt, type HealthResult } from "./health-status.ts";

/** Waiting reasons that fail a workload at once. */
export const FAIL_FAST_REASONS: readonly string[] = ["ImagePullBackOff", "ErrImagePull", "CrashLoopBackOff"];

/** The kinds whose Pods are checked. */
export const WORKLOAD_KINDS: readonly string[] = ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"];

interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

function selectorOf(workload: KubeObject): LabelSelector | undefined {
  const sel = (workload.spec as { selector?: unknown } | undefined)?.selector;
  return typeof sel === "object" && sel !== null ? (sel as LabelSelector) : undefined;
}

/**
 * The workload's `spec.selector` as a `labelSelector` query value (`app=web,tier in (a,b)`), or
 * undefined when it has none (then no Pod is checked).
 */
export function podLabelSelector(workload: KubeObject): string | undefined {
  const sel = selectorOf(workload);
  if (!sel) return undefined;
  const parts = Object.entries(sel.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of sel.matchExpressions ?? []) {
    if (e.operator === "In") parts.push(`${e.key} in (${(e.values ?? []).join(",")})`);
    else if (e.operator === "NotIn") parts.push(`${e.key} notin (${(e.values ?? []).join(",")})`);
    else if (e.operator === "Exists") parts.push(e.key);
    else if (e.operator === "DoesNotExist") parts.push(`!${e.key}`);
  }
  return parts.length > 0 ? parts.join(",") : undefined;
}

function selects(sel: LabelSelector, labels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    const value = labels[e.key] ?? "";
    if (e.operator === "In" && !(has && (e.values ?? []).includes(value))) return false;
    if (e.operator === "NotIn" && has && (e.values ?? []).includes(value)) return false;
    if (e.operator === "Exists" && !has) return false;
    if (e.operator === "DoesNotExist" && has) return false;
  }
  return true;
}

function images(spec: unknown): string[] {
  const containers = (spec as { containers?: { image?: unknown }[] } | undefined)?.containers;
  return Array.isArray(containers) ? containers.map((c) => String(c?.image ?? "")) : [];
}

/**
 * Whether `pod` belongs to the workload's current revision: a StatefulSet's Pods carry its
 * updateRevision; for other kinds the Pod runs the images of the workload's Pod template (so a
 * crash-looping Pod of the version being replaced does not fail the rollout that replaces it).
 */
function currentRevision(workload: KubeObject, pod: KubeObject): boolean {
  if (workload.kind === "StatefulSet") {
    const rev = stringAt(workload, ["status", "updateRevision"], "");
    if (rev) return pod.metadata.labels?.["controller-revision-hash"] === rev;
  }
  const want = images((workload.spec as { template?: { spec?: unknown } } | undefined)?.template?.spec);
  return want.length === 0 || JSON.stringify(images(pod.spec)) === JSON.stringify(want);
}

interface ContainerStatus {
  name?: unknown;
  state?: { waiting?: { reason?: unknown; message?: unknown } };
}

/**
 * The Failed result for `workload` when one of `pods` (its Pods, any order) of the current
 * revision has a container (init containers included) waiting for a fail-fast reason; undefined
 * otherwise. The message names the workload, the Pod, the container, the reason and the kubelet's
 * message, e.g. `deployment "web": pod "web-7f-x" container "app" is in ImagePullBackOff: …`.
 */
export function workloadPodFailure(workload: KubeObject, pods: readonly KubeObject[]): HealthResult | undefined {
  if (!WORKLOAD_KINDS.includes(workload.kind)) return undefined;
  const sel = selectorOf(workload);
  if (!sel) return undefined;
  const ns = workload.metadata.namespace;
  const sorted = [...pods].sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0));
  for (const pod of sorted) {
    if (pod.kind !== "Pod" || pod.metadata.deletionTimestamp || (ns !== undefined && pod.metadata.namespace !== undefined && pod.metadata.namespace !== ns)) continue;
    if (!selects(sel, pod.metadata.labels ?? {}) || !currentRevision(workload, pod)) continue;
    const status = (pod.status ?? {}) as { initContainerStatuses?: ContainerStatus[]; containerStatuses?: ContainerStatus[] };
    for (const c of [...(status.initContainerStatuses ?? []), ...(status.containerStatuses ?? [])]) {
      const reason = c?.state?.waiting?.reason;
      if (typeof reason !== "string" || !FAIL_FAST_REASONS.includes(reason)) continue;
      const msg = c.state?.waiting?.message;
      const kind = workload.kind === "DaemonSet" ? "daemon set" : workload.kind === "ReplicaSet" ? "replica set" : workload.kind.toLowerCase();
      return failed(`${kind} "${workload.metadata.name}": pod "${pod.metadata.name}" container "${String(c.name ?? "")}" is in ${reason}${typeof msg === "string" && msg ? `: ${msg}` : ""}`);
    }
  }
  return undefined;
}
