/**
 * The CLI's side of talking to the agent: annotations merged onto a sync's ApplySet parent
 * (reconcile now, suspend, resume) and waiting until the agent has handled a request.
 */
import { SlipwayError } from "../../core/errors.ts";
import { pollUntil } from "../../core/poll.ts";
import type { KubeClient } from "../kube/kube-client.ts";
import { parentRef } from "../applyset/applyset-parent.ts";
import type { StatusStore, ParentView } from "./status-store.ts";
import { cliFieldManager, reconcileRequestedAtAnnotation, reconcileWithSourceAnnotation, suspendAnnotation } from "../../core/well-known.ts";

/** Merges `annotations` (null removes one) onto the parent of `sync`; throws naming the sync when it has no parent. */
export async function annotateParent(client: KubeClient, namespace: string, sync: string, annotations: Record<string, string | null>, signal?: AbortSignal): Promise<void> {
  const ref = parentRef(sync, namespace);
  const res = await client.request({
    method: "PATCH",
    path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/configmaps/${encodeURIComponent(ref.name)}`,
    query: { fieldManager: cliFieldManager },
    contentType: "application/merge-patch+json",
    body: JSON.stringify({ metadata: { annotations } }),
    allowNotFound: true,
    signal,
  });
  if (res.status === 404) throw new SlipwayError(`sync ${sync}`, `not found (no ConfigMap/${namespace}/${ref.name}; has the agent run it yet?)`);
}

/** Asks the agent to reconcile `sync` now; returns the request's value (an ISO time). */
export async function requestReconcile(client: KubeClient, namespace: string, sync: string, options: { withSource?: boolean; now?: Date; signal?: AbortSignal } = {}): Promise<string> {
  const at = (options.now ?? new Date()).toISOString();
  await annotateParent(client, namespace, sync, { [reconcileRequestedAtAnnotation]: at, [reconcileWithSourceAnnotation]: options.withSource ? "true" : null }, options.signal);
  return at;
}

/** Suspends (`true`) or resumes (`false`) a sync. */
export async function setSuspended(client: KubeClient, namespace: string, sync: string, suspended: boolean, signal?: AbortSignal): Promise<void> {
  await annotateParent(client, namespace, sync, { [suspendAnnotation]: suspended ? "true" : null }, signal);
}

/** Polls the parent until its status says request `at` was handled; throws on timeout. */
export async function waitHandled(store: StatusStore, sync: string, at: string, options: { timeoutMs: number; pollMs?: number; signal?: AbortSignal }): Promise<ParentView> {
  let last: ParentView | undefined;
  const handled = await pollUntil(
    async () => {
      last = await store.get(sync, options.signal);
      return last?.status?.lastHandledReconcileAt === at && last.status.ready !== "Unknown" ? last : undefined;
    },
    { intervalMs: options.pollMs ?? 1000, timeoutMs: options.timeoutMs, signal: options.signal },
  );
  if (handled) return handled;
  throw new SlipwayError(`sync ${sync}`, `the agent did not handle the reconcile request within ${Math.round(options.timeoutMs / 1000)}s (is it running? last status: ${last?.status?.message ?? "none"})`);
}
