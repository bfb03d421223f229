/**
 * Delivery metrics from the statuses the reconciles record: when a sync that this agent saw
 * start a revision records it applied and healthy, the time from that manifest commit (its
 * committer time) to now goes to `slipway_commit_to_healthy_seconds`, and the commit time to
 * `slipway_sync_last_applied_timestamp_seconds`. The reconcile also says when a started
 * revision's build was applied ({@link DeliveryStore.applied}, before its health is known): the
 * time from the commit to that moment goes to `slipway_commit_to_applied_seconds`, once per
 * revision. After every successful reconcile the images the
 * sync's live workloads are set to are read again (in the background) for
 * `slipway_workload_image_info`: one series per container, so cardinality is bounded by the
 * objects the agent manages.
 */
import { errorMessage } from "../../core/errors.ts";
import { splitImageRef } from "../../core/image-ref.ts";
import type { Logger } from "../../core/log.ts";
import type { KubeClient } from "../kube/kube-client.ts";
import type { KubeObject } from "../kube/kube-object.ts";
import type { StatusStore } from "../status/status-store.ts";
import type { AppliedRevision } from "../reconcile/reconcile-sync.ts";
import { listSyncMembers } from "../api/sync-members.ts";
import { summaryWrote } from "../apply/change-set.ts";
import type { AgentMetrics, WorkloadImage } from "./agent-metrics.ts";

/** Options for {@link watchDeliveries}. */
export interface DeliveryObserverOptions {
  client: KubeClient;
  agentNamespace: string;
  metrics: AgentMetrics;
  log: Logger;
  /** The committer time (ms) of `sha` of source `source`, when known. */
  commitTimeOf(source: string, sha: string): number | undefined;
  now?: () => number;
}

/** The pod template's containers (init containers included) of a workload, or its own for a Pod. */
function podSpecOf(obj: KubeObject): Record<string, unknown> | undefined {
  const spec = obj.spec as Record<string, unknown> | undefined;
  if (!spec) return undefined;
  if (obj.kind === "Pod") return spec;
  if (obj.kind === "CronJob") return ((((spec.jobTemplate as Record<string, unknown> | undefined)?.spec as Record<string, unknown> | undefined)?.template as Record<string, unknown> | undefined)?.spec as Record<string, unknown> | undefined);
  return ((spec.template as Record<string, unknown> | undefined)?.spec as Record<string, unknown> | undefined);
}

const workloadKinds = new Set(["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "Pod"]);

/** One container of a workload among a build's objects, and its image reference as written. */
export interface ContainerImage {
  namespace: string;
  kind: string;
  name: string;
  container: string;
  ref: string;
}

/** The containers (init containers first) of each workload among `objects`, with their image references as written. Pure. */
export function containerImages(objects: readonly KubeObject[]): ContainerImage[] {
  const rows: ContainerImage[] = [];
  for (const obj of objects) {
    if (!workloadKinds.has(obj.kind)) continue;
    const pod = podSpecOf(obj);
    for (const key of ["initContainers", "containers"]) {
      const list = pod?.[key];
      if (!Array.isArray(list)) continue;
      for (const c of list as { name?: unknown; image?: unknown }[]) {
        if (typeof c.name !== "string" || typeof c.image !== "string") continue;
        rows.push({ namespace: obj.metadata.namespace ?? "", kind: obj.kind, name: obj.metadata.name, container: c.name, ref: c.image });
      }
    }
  }
  return rows;
}

/** One row per container of each workload among `objects`. Pure. */
export function workloadImages(objects: readonly KubeObject[]): WorkloadImage[] {
  return containerImages(objects).map(({ ref, ...where }) => {
    let image = ref;
    let tag = "";
    try {
      const parsed = splitImageRef(ref);
      image = parsed.name;
      tag = parsed.tag ?? parsed.digest ?? "";
    } catch {
      // An image the parser refuses is shown as written.
    }
    return { ...where, image, tag };
  });
}

const shaOf = (revision: string | undefined): string | undefined => /(?:^|@)sha1:([0-9a-f]{40})$/.exec(revision ?? "")?.[1];

/** A status store that also updates the delivery and image metrics, and takes the reconcile's word of what it applied. */
export interface DeliveryStore extends StatusStore {
  /** A revision's build was applied at `atMs`: observes commit → applied when this agent started that revision and has not observed it yet. */
  applied(sync: string, applied: AppliedRevision): void;
}

/** A status store that also updates the delivery and image metrics. */
export function watchDeliveries(inner: StatusStore, options: DeliveryObserverOptions): DeliveryStore {
  const { metrics, log } = options;
  const now = options.now ?? Date.now;
  const started = new Map<string, string>();
  // Per sync: the revision started and not yet applied, and the last revision observed applied.
  const applyPending = new Map<string, string>();
  const appliedSeen = new Map<string, string>();
  const refreshing = new Map<string, Promise<void>>();
  /** Syncs whose members were listed since the agent started. */
  const listed = new Set<string>();
  const refresh = (sync: string): void => {
    const next = (refreshing.get(sync) ?? Promise.resolve())
      .then(async () => {
        metrics.workloadImages(sync, workloadImages(await listSyncMembers(options.client, sync, options.agentNamespace, AbortSignal.timeout(30_000))));
        listed.add(sync);
      })
      .catch((err: unknown) => log.warn(`image metrics: ${errorMessage(err)}`, { sync }));
    refreshing.set(sync, next);
  };
  return {
    namespace: inner.namespace,
    applied(sync, a) {
      if (applyPending.get(sync) !== a.revision || appliedSeen.get(sync) === a.revision) return;
      applyPending.delete(sync);
      appliedSeen.set(sync, a.revision);
      const sha = shaOf(a.revision);
      const at = sha ? options.commitTimeOf(a.source, sha) : undefined;
      if (at !== undefined) metrics.appliedAfter(sync, Math.max(0, (a.atMs - at) / 1000));
    },
    get: (sync, signal) => inner.get(sync, signal),
    list: (signal) => inner.list(signal),
    async write(sync, status, signal) {
      const uid = await inner.write(sync, status, signal);
      if (status.reason === "Progressing" && status.lastAttemptedRevision) {
        started.set(sync, status.lastAttemptedRevision);
        applyPending.set(sync, status.lastAttemptedRevision);
      }
      if (status.ready === "True") {
        const rev = status.lastAppliedRevision;
        const sha = shaOf(rev);
        if (rev && sha && started.get(sync) === rev && status.source) {
          started.delete(sync);
          const at = options.commitTimeOf(status.source, sha);
          if (at !== undefined) metrics.delivered(sync, at, Math.max(0, (now() - at) / 1000));
        }
        // What runs changes with a write: a reconcile that created, configured and deleted nothing
        // (a no-op, every interval of every sync) keeps the rows of the last listing.
        const wrote = status.lastChangeSet === undefined || summaryWrote(status.lastChangeSet);
        if (wrote || !listed.has(sync)) refresh(sync);
      }
      return uid;
    },
  };
}
