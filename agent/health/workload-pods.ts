/**
 * The I/O half of fail fast (pod-failures.ts): lists a workload's Pods through its label
 * selector and applies {@link workloadPodFailure}. One LIST per workload that is still in
 * progress; a workload without a selector, or a failed LIST, gives no verdict (the ordinary
 * health rules keep deciding).
 */
import type { KubeClient } from "../kube/kube-client.ts";
import type { KubeObject } from "../kube/kube-object.ts";
import type { HealthResult } from "./health-status.ts";
import { podLabelSelector, WORKLOAD_KINDS, workloadPodFailure } from "./pod-failures.ts";

/** The fail-fast verdict for a live workload, or undefined (not a workload, no failing Pod, or the Pods cannot be read). */
export async function workloadPodFailureLive(client: KubeClient, workload: KubeObject, signal?: AbortSignal): Promise<HealthResult | undefined> {
  if (!WORKLOAD_KINDS.includes(workload.kind)) return undefined;
  const selector = podLabelSelector(workload);
  if (!selector || !workload.metadata.namespace) return undefined;
  try {
    const mapping = await client.resource("v1", "Pod", signal);
    const res = await client.request<{ items?: KubeObject[] }>({
      method: "GET",
      path: client.objectPath(mapping, workload.metadata.namespace),
      query: { labelSelector: selector },
      signal,
    });
    const pods = (res.body.items ?? []).map((p) => ({ ...p, apiVersion: "v1", kind: "Pod" }));
    return workloadPodFailure(workload, pods);
  } catch {
    if (signal?.aborted) throw signal.reason;
    return undefined;
  }
}
