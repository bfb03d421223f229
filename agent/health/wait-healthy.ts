/**
 * Waits until a set of applied objects is healthy: polls the live objects and judges each with
 * one status function (by default the kstatus rules, `computeStatus`) until every one is Current,
 * any one is Failed, or the time runs out. The apply engine's `wait` (agent/apply/resource-manager.ts)
 * calls this.
 */
import { errorMessage, throwIfAborted } from "../../core/errors.ts";
import { pollUntil } from "../../core/poll.ts";
import type { KubeClient } from "../kube/kube-client.ts";
import { objectId, type KubeObject } from "../kube/kube-object.ts";
import { mapSettled } from "../kube/limiter.ts";
import { computeStatus } from "./compute-status.ts";
import type { HealthResult, HealthStatus } from "./health-status.ts";
import { workloadPodFailureLive } from "./workload-pods.ts";

/** The object to watch: its apiVersion, kind, namespace and name. */
export type ObjectRef = Pick<KubeObject, "apiVersion" | "kind"> & { metadata: { name: string; namespace?: string } };

/** The last seen health of one object. */
export interface ObjectHealth {
  id: string;
  status: HealthStatus;
  message: string;
}

/** The outcome of {@link waitHealthy}. */
export interface HealthReport {
  /** True when every object became Current. */
  healthy: boolean;
  /** Why not, naming the objects (empty when healthy). */
  message: string;
  /** The last status of every object, in input order. */
  objects: ObjectHealth[];
  durationMs: number;
}

/** Options for {@link waitHealthy}. */
export interface WaitHealthyOptions {
  client: KubeClient;
  objects: readonly ObjectRef[];
  /** Give up after this long, in ms. */
  timeoutMs: number;
  /** Time between polls, in ms. Default 2000. */
  intervalMs?: number;
  /** GET requests in flight at once. Default 8. */
  concurrency?: number;
  /** The health of one live object: the only place per-object rules are applied. Default `computeStatus`. */
  statusOf?: (live: KubeObject) => HealthResult;
  signal?: AbortSignal;
}

/** Polls `objects` until all are Current (healthy), any is Failed, or `timeoutMs` passes. */
export async function waitHealthy(options: WaitHealthyOptions): Promise<HealthReport> {
  const start = Date.now();
  const interval = options.intervalMs ?? 2000;
  const statusOf = options.statusOf ?? computeStatus;
  const results: ObjectHealth[] = options.objects.map((o) => ({ id: objectId(o), status: "InProgress", message: "not checked yet" }));
  const done = (healthy: boolean, message: string): HealthReport => ({ healthy, message, objects: results, durationMs: Date.now() - start });
  const waitingOn = (r: ObjectHealth): boolean => r.status !== "Current" && r.status !== "Suspended"; // a paused Deployment is reported, not waited on
  const settled = await pollUntil(
    async (): Promise<HealthReport | undefined> => {
      const pending = results.map((r, i) => ({ r, i })).filter(({ r }) => waitingOn(r));
      await mapSettled(
        pending,
        options.concurrency ?? 8,
        async ({ r, i }) => {
          const ref = options.objects[i] as ObjectRef;
          try {
            const mapping = await options.client.resource(ref.apiVersion, ref.kind, options.signal);
            const res = await options.client.request<KubeObject>({
              method: "GET",
              path: options.client.objectPath(mapping, ref.metadata.namespace, ref.metadata.name),
              allowNotFound: true,
              signal: options.signal,
            });
            if (res.status === 404) {
              r.status = "NotFound";
              r.message = `${ref.kind.toLowerCase()} "${ref.metadata.name}" not found`;
            } else {
              Object.assign(r, statusOf(res.body));
              // Fail fast: a workload whose Pods cannot start fails now, not at the timeout.
              if (r.status === "InProgress") Object.assign(r, await workloadPodFailureLive(options.client, res.body, options.signal));
            }
          } catch (err) {
            r.status = "InProgress";
            r.message = `cannot read it: ${errorMessage(err)}`;
          }
        },
        options.signal,
      );
      throwIfAborted(options.signal);
      const failedOnes = results.filter((r) => r.status === "Failed");
      if (failedOnes.length > 0) return done(false, failedOnes.map((r) => `${r.id}: ${r.message}`).join("; "));
      return results.some(waitingOn) ? undefined : done(true, "");
    },
    { intervalMs: interval, timeoutMs: options.timeoutMs, signal: options.signal },
  );
  if (settled) return settled;
  return done(false, `timed out after ${Math.round((Date.now() - start) / 1000)}s waiting for: ${results.filter(waitingOn).map((r) => `${r.id}: ${r.message}`).join("; ")}`);
}
