/**
 * Staged server-side apply of a whole build: stage by stage (see sort-objects.ts), objects of a
 * stage in parallel (4 at a time by default), waiting for CRDs and Namespaces to be ready before
 * the next stage. A stage with a failed object stops the apply: later stages may depend on it.
 */
import type { Logger } from "../../core/log.ts";
import { describeError } from "../kube/kube-api-error.ts";
import type { KubeClient } from "../kube/kube-client.ts";
import { objectId, type KubeObject } from "../kube/kube-object.ts";
import { mapSettled } from "../kube/limiter.ts";
import { applyObject } from "./apply-object.ts";
import { formatEntry, type ChangeSetEntry } from "./change-set.ts";
import { readLive } from "./read-live.ts";
import { stageObjects } from "./sort-objects.ts";
import { waitEstablished } from "./wait-established.ts";

/** Options for {@link applyStaged}. */
export interface ApplyStagedOptions {
  client: KubeClient;
  objects: readonly KubeObject[];
  /** Recreate objects on immutable-field changes. Default false. */
  force?: boolean;
  /** Objects applied at once within a stage. Default 4. */
  concurrency?: number;
  /** Field manager. Default `slipway`. */
  fieldManager?: string;
  /**
   * Label selector that finds the live objects of this apply (the ApplySet part-of label): one
   * LIST per kind and namespace replaces a GET per object. Default: a GET per object.
   */
  memberSelector?: string;
  /** How long to wait for CRDs to be established / Namespaces active, in ms. Default 60000. */
  establishTimeoutMs?: number;
  signal?: AbortSignal;
  log?: Logger;
}

/** An object that could not be applied. */
export interface ApplyFailure {
  id: string;
  message: string;
}

/** What {@link applyStaged} did: entries in apply order, failures, and the objects it reached. */
export interface ApplyStagedResult {
  entries: ChangeSetEntry[];
  failures: ApplyFailure[];
  /** The objects in apply order (all stages), whether or not they were reached. */
  ordered: KubeObject[];
}

/** Applies `objects` in stages; never throws for one object's failure, reports it in `failures`. */
export async function applyStaged(options: ApplyStagedOptions): Promise<ApplyStagedResult> {
  const { client, signal, log } = options;
  const stages = stageObjects(options.objects);
  const result: ApplyStagedResult = { entries: [], failures: [], ordered: stages.flat() };
  for (const [index, stage] of stages.entries()) {
    if (stage.length === 0) continue;
    // A failed batch read only costs speed: every object not found is read on its own.
    const live = options.memberSelector
      ? await readLive({ client, objects: stage, labelSelector: options.memberSelector, concurrency: options.concurrency, signal }).catch(() => undefined)
      : undefined;
    const outcomes = await mapSettled(
      stage,
      options.concurrency ?? 4,
      async (obj) => {
        const mapping = await client.resource(obj.apiVersion, obj.kind, signal);
        return applyObject({ client, mapping, obj, live: live?.get(obj), listed: live?.listed(obj) ?? false, force: options.force, fieldManager: options.fieldManager, signal });
      },
      signal,
    );
    for (const [i, o] of outcomes.entries()) {
      const obj = stage[i] as KubeObject;
      if (o.ok) {
        result.entries.push({ id: o.value.id, action: o.value.action });
        if (o.value.action !== "unchanged") log?.info(formatEntry(o.value), { object: o.value.id, recreated: o.value.recreated || undefined });
      } else {
        const message = describeError(o.error);
        result.failures.push({ id: objectId(obj), message });
        log?.error(message, { object: objectId(obj) });
      }
    }
    if (result.failures.length > 0) return result;
    if (index < 2) {
      try {
        await waitEstablished({ client, objects: stage, timeoutMs: options.establishTimeoutMs, signal });
      } catch (err) {
        result.failures.push({ id: err instanceof Error && "subject" in err ? String(err.subject) : `stage ${index + 1}`, message: describeError(err) });
        return result;
      }
    }
  }
  return result;
}
