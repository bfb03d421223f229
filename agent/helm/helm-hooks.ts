/**
 * Running a release's hooks with the apply engine, as Helm does, one at a time in weight order:
 * the previous copy is deleted first (`helm.sh/hook-delete-policy` before-hook-creation, Helm's
 * default; a Job's template cannot be changed in place), the hook is applied server-side and
 * waited for as Helm waits: a Job until it completed, a Pod until it succeeded (kstatus calls a
 * running Job current, which is not enough for a hook), anything else until healthy; then it is
 * deleted when its policy says hook-succeeded (or hook-failed, on failure). Hooks are not members
 * of the sync's ApplySet, as in Helm they are not part of the release: they are never pruned. The
 * first hook that fails stops the run, naming the hook and the release.
 */
import { SlipwayError, errorMessage } from "../../core/errors.ts";
import { pollUntil } from "../../core/poll.ts";
import type { Logger } from "../../core/log.ts";
import { getObject } from "../apply/object-requests.ts";
import { ResourceManager } from "../apply/resource-manager.ts";
import { conditionWith, statusOf } from "../health/health-status.ts";
import type { KubeClient } from "../kube/kube-client.ts";
import { objectId, type KubeObject } from "../kube/kube-object.ts";

/** Options for {@link runHooks}. */
export interface RunHooksOptions {
  client: KubeClient;
  /** `HelmRelease/ns/name`, for messages. */
  subject: string;
  /** Time for each hook to become healthy, ms. */
  timeoutMs: number;
  log: Logger;
  signal?: AbortSignal;
}

const policies = (o: KubeObject): string[] => (o.metadata.annotations?.["helm.sh/hook-delete-policy"] ?? "before-hook-creation").split(",").map((p) => p.trim());

async function remove(client: KubeClient, o: KubeObject, signal?: AbortSignal): Promise<void> {
  const mapping = await client.resource(o.apiVersion, o.kind, signal);
  const p = client.objectPath(mapping, o.metadata.namespace, o.metadata.name);
  const res = await client.request({ method: "DELETE", path: p, query: { propagationPolicy: "Background" }, allowNotFound: true, signal });
  if (res.status === 404) return;
  for (let i = 0; i < 600; i++) {
    if ((await client.request({ method: "GET", path: p, allowNotFound: true, signal })).status === 404) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new SlipwayError(objectId(o), "was not deleted within 60s (before-hook-creation)");
}

/**
 * Waits until a Job hook has completed or a Pod hook has succeeded; throws when it failed or the
 * time ran out. Other kinds return at once (their health was waited for already).
 */
async function waitFinished(client: KubeClient, o: KubeObject, timeoutMs: number, signal?: AbortSignal): Promise<void> {
  const isJob = o.apiVersion === "batch/v1" && o.kind === "Job";
  const isPod = o.apiVersion === "v1" && o.kind === "Pod";
  if (!isJob && !isPod) return;
  const mapping = await client.resource(o.apiVersion, o.kind, signal);
  const outcome = await pollUntil(
    async () => {
      const live = await getObject(client, mapping, o, signal);
      if (!live) return "was deleted before it finished";
      if (isPod) {
        const phase = statusOf(live).phase;
        return phase === "Succeeded" ? "done" : phase === "Failed" ? "pod failed" : undefined;
      }
      if (conditionWith(live, "Complete", "True")) return "done";
      const failed = conditionWith(live, "Failed", "True");
      return failed ? `job failed: ${failed.message ?? ""}`.trim() : undefined;
    },
    { intervalMs: 200, timeoutMs, ...(signal ? { signal } : {}) },
  );
  if (outcome === "done") return;
  throw new SlipwayError(objectId(o), outcome ?? `did not finish within ${Math.round(timeoutMs / 1000)}s`);
}

/** Runs `hooks` in order (already sorted by weight). Returns their ids. */
export async function runHooks(hooks: readonly KubeObject[], options: RunHooksOptions): Promise<string[]> {
  const manager = new ResourceManager({ client: options.client, inventoryClient: options.client, log: options.log });
  const done: string[] = [];
  for (const hook of hooks) {
    const id = objectId(hook);
    const what = `${options.subject}: hook ${id} (${hook.metadata.annotations?.["helm.sh/hook"] ?? ""})`;
    const policy = policies(hook);
    try {
      if (policy.includes("before-hook-creation")) await remove(options.client, hook, options.signal);
      const applied = await manager.apply([hook], options.signal ? { signal: options.signal } : {});
      const failure = applied.failures[0];
      if (failure) throw new SlipwayError(what, failure.message);
      const health = await manager.wait([hook], { timeoutMs: options.timeoutMs, ...(options.signal ? { signal: options.signal } : {}) });
      const finished = health.healthy ? await waitFinished(options.client, hook, options.timeoutMs, options.signal).then(() => undefined, (err: unknown) => errorMessage(err)) : health.message;
      if (finished !== undefined) {
        if (policy.includes("hook-failed")) await remove(options.client, hook, options.signal).catch(() => undefined);
        throw new SlipwayError(what, `did not succeed: ${finished}`);
      }
      if (policy.includes("hook-succeeded")) await remove(options.client, hook, options.signal);
    } catch (err) {
      options.signal?.throwIfAborted();
      if (err instanceof SlipwayError && err.message.startsWith(what)) throw err;
      throw new SlipwayError(what, errorMessage(err), { cause: err });
    }
    options.log.info(`${what} succeeded`);
    done.push(id);
  }
  return done;
}
