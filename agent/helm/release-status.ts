/**
 * The status of each HelmRelease: a ConfigMap `slipway-helm-<namespace>.<name>` in the agent's
 * namespace, labelled `slipway.dev/helmrelease=true`, whose `data.status` is JSON: chart,
 * version and digest last rendered, the release revision (1 on the first install, one more on
 * each change of chart or values, as Helm counts), Ready, reason and message. `slipway get
 * helmreleases` reads these. It holds no value of the release (values may be secret).
 */
import * as z from "zod";
import type { KubeClient } from "../kube/kube-client.ts";

/** Label that marks a release's status ConfigMap. */
export const helmReleaseStatusLabel = "slipway.dev/helmrelease";

/** One release's status. */
export interface HelmReleaseStatus {
  namespace: string;
  name: string;
  /** The sync whose build holds the HelmRelease. */
  sync: string;
  chart: string;
  version: string;
  /** `sha256:…` of the chart archive. */
  digest: string;
  /** sha256 of chart digest + values + release name and namespace: a change makes a new revision. */
  releaseDigest: string;
  revision: number;
  ready: "True" | "False" | "Unknown";
  reason: string;
  message: string;
  lastTransitionTime: string;
}

const statusSchema = z.object({
  namespace: z.string(),
  name: z.string(),
  sync: z.string(),
  chart: z.string(),
  version: z.string(),
  digest: z.string(),
  releaseDigest: z.string(),
  revision: z.number(),
  ready: z.enum(["True", "False", "Unknown"]),
  reason: z.string(),
  message: z.string(),
  lastTransitionTime: z.string(),
});

/** The ConfigMap name of a release's status. Pure. */
export function releaseStatusName(namespace: string, name: string): string {
  return `slipway-helm-${namespace}.${name}`.slice(0, 253);
}

/** Parses `data.status`; undefined when absent or not a status. Pure. */
export function parseReleaseStatus(text: string | undefined): HelmReleaseStatus | undefined {
  if (!text) return undefined;
  try {
    const r = statusSchema.safeParse(JSON.parse(text));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}

/** Reads one release's status. */
export async function readReleaseStatus(client: KubeClient, agentNamespace: string, namespace: string, name: string, signal?: AbortSignal): Promise<HelmReleaseStatus | undefined> {
  const res = await client.request<{ data?: { status?: string } }>({ method: "GET", path: `/api/v1/namespaces/${encodeURIComponent(agentNamespace)}/configmaps/${encodeURIComponent(releaseStatusName(namespace, name))}`, allowNotFound: true, signal });
  return res.status === 404 ? undefined : parseReleaseStatus(res.body.data?.status);
}

/** Every release status in the agent's namespace. */
export async function listReleaseStatuses(client: KubeClient, agentNamespace: string, signal?: AbortSignal): Promise<HelmReleaseStatus[]> {
  const res = await client.request<{ items?: { data?: { status?: string } }[] }>({ method: "GET", path: `/api/v1/namespaces/${encodeURIComponent(agentNamespace)}/configmaps`, query: { labelSelector: `${helmReleaseStatusLabel}=true` }, signal });
  return (res.body.items ?? []).flatMap((cm) => parseReleaseStatus(cm.data?.status) ?? []);
}

/** Writes one release's status (server-side apply, field manager `slipway`). */
export async function writeReleaseStatus(client: KubeClient, agentNamespace: string, status: HelmReleaseStatus, signal?: AbortSignal): Promise<void> {
  const name = releaseStatusName(status.namespace, status.name);
  const body = { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: agentNamespace, labels: { [helmReleaseStatusLabel]: "true" } }, data: { status: JSON.stringify(status) } };
  await client.request({
    method: "PATCH",
    path: `/api/v1/namespaces/${encodeURIComponent(agentNamespace)}/configmaps/${encodeURIComponent(name)}`,
    query: { fieldManager: "slipway", force: "true" },
    body: JSON.stringify(body),
    contentType: "application/apply-patch+yaml",
    signal,
  });
}

/** Deletes one release's status (the release left git and its objects were pruned); a missing one is fine. */
export async function removeReleaseStatus(client: KubeClient, agentNamespace: string, namespace: string, name: string, signal?: AbortSignal): Promise<void> {
  await client.request({ method: "DELETE", path: `/api/v1/namespaces/${encodeURIComponent(agentNamespace)}/configmaps/${encodeURIComponent(releaseStatusName(namespace, name))}`, allowNotFound: true, signal });
}
