/**
 * Between apply stages: wait until the CRDs just applied are Established and the Namespaces are
 * Active, so the next stage can create custom resources and namespaced objects.
 */
import { SlipwayError } from "../../core/errors.ts";
import { sleep } from "../../core/retry.ts";
import { crdHealth } from "../health/crd.ts";
import type { KubeClient } from "../kube/kube-client.ts";
import { objectId, type KubeObject } from "../kube/kube-object.ts";
import { UnknownKindError } from "../kube/unknown-kind-error.ts";

/** Options for {@link waitEstablished}. */
export interface WaitEstablishedOptions {
  client: KubeClient;
  objects: readonly KubeObject[];
  /** Give up after this long, in ms. Default 60000. */
  timeoutMs?: number;
  /** Time between polls, in ms. Default 500. */
  intervalMs?: number;
  signal?: AbortSignal;
}

function ready(obj: KubeObject): { ok: boolean; failed?: string } {
  if (obj.kind === "Namespace") return { ok: (obj.status as { phase?: string } | undefined)?.phase === "Active" };
  const h = crdHealth(obj);
  return { ok: h?.status === "Current", failed: h?.status === "Failed" ? h.message : undefined };
}

/** Waits until every CRD among `objects` is Established and its kinds are discoverable, and every Namespace is Active; other kinds are ignored. */
export async function waitEstablished(options: WaitEstablishedOptions): Promise<void> {
  const { client, signal } = options;
  let pending = options.objects.filter((o) => o.kind === "Namespace" || (o.kind === "CustomResourceDefinition" && o.apiVersion.startsWith("apiextensions.k8s.io/")));
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  while (pending.length > 0) {
    const still: KubeObject[] = [];
    for (const o of pending) {
      const mapping = await client.resource(o.apiVersion, o.kind, signal);
      const res = await client.request<KubeObject>({ method: "GET", path: client.objectPath(mapping, undefined, o.metadata.name), allowNotFound: true, signal });
      const r = res.status === 404 ? { ok: false } : ready(res.body);
      if (r.failed) throw new SlipwayError(objectId(o), r.failed);
      if (!r.ok) still.push(o);
    }
    pending = still;
    if (pending.length === 0) break;
    if (Date.now() >= deadline) {
      throw new SlipwayError(objectId(pending[0] as KubeObject), `not ${pending[0]?.kind === "Namespace" ? "active" : "established"} after ${Math.round((options.timeoutMs ?? 60_000) / 1000)}s`);
    }
    await sleep(options.intervalMs ?? 500, signal);
  }
  // Established is not yet discoverable everywhere: wait until discovery serves each new kind,
  // so the next stage finds it.
  for (const o of options.objects) {
    if (o.kind !== "CustomResourceDefinition" || !o.apiVersion.startsWith("apiextensions.k8s.io/")) continue;
    const spec = (o.spec ?? {}) as { group?: string; names?: { kind?: string }; versions?: { name?: string; served?: boolean }[] };
    if (!spec.group || !spec.names?.kind) continue;
    for (const v of spec.versions ?? []) {
      if (!v.name || v.served === false) continue;
      for (;;) {
        try {
          await client.resource(`${spec.group}/${v.name}`, spec.names.kind, signal);
          break;
        } catch (err) {
          if (!(err instanceof UnknownKindError)) throw err;
          if (Date.now() >= deadline) throw new SlipwayError(objectId(o), `established, but ${spec.names.kind} ${spec.group}/${v.name} is not served after ${Math.round((options.timeoutMs ?? 60_000) / 1000)}s`);
          await sleep(options.intervalMs ?? 500, signal);
        }
      }
    }
  }
}
