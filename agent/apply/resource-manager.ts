/**
 * The apply engine, after fluxcd/pkg's `ssa.ResourceManager`: one object that holds the kube
 * client, the field manager and the concurrency, and offers
 *
 * - `plan`: what `apply` and `prune` would do, by server-side dry-run, without writing anything —
 *   each object created, configured, unchanged, skipped or deleted, with a unified diff (Secret
 *   values masked). `slipway diff` prints it; the decisions are the ones `apply` takes.
 * - `apply`: staged server-side apply — (1) CRDs, Namespaces, ClusterRoles, then a wait until the
 *   CRDs are established and served and the Namespaces active; (2) `…Class` kinds; (3) the rest —
 *   objects of a stage `concurrency` at a time. Per object: skip it when reconciliation is
 *   disabled or `ssa: Ignore`; leave an existing `ssa: IfNotPresent` object alone; take over
 *   fields set by hand (`ssa: Override`, the default); dry-run and write only when the object is
 *   new or has drifted; recreate on an immutable-field change when forced. A stage with a failed
 *   object stops the apply: later stages may depend on it.
 * - `prune`: delete the ApplySet members the build no longer has.
 * - `wait`: poll the applied objects until they are healthy (the per-object rule is injected).
 *
 * Errors start with the object's id.
 */
import { SlipwayError } from "../../core/errors.ts";
import type { Logger } from "../../core/log.ts";
import { computeStatus } from "../health/compute-status.ts";
import { crdHealth } from "../health/crd.ts";
import type { HealthResult } from "../health/health-status.ts";
import { waitHealthy, type HealthReport, type ObjectRef } from "../health/wait-healthy.ts";
import { describeError, KubeApiError } from "../kube/kube-api-error.ts";
import type { KubeClient, ResourceMapping } from "../kube/kube-client.ts";
import { inventoryKey, objectId, type KubeObject } from "../kube/kube-object.ts";
import { mapSettled } from "../kube/limiter.ts";
import { UnknownKindError } from "../kube/unknown-kind-error.ts";
import { pollUntil } from "../../core/poll.ts";
import type { SetRecord } from "../applyset/applyset-parent.ts";
import { applyFieldManager, applySetPartOfLabel, forceMarkers } from "../../core/well-known.ts";
import { resolveGroupKind } from "../applyset/group-kind-mapping.ts";
import { kindsDefinedByCrds } from "../sync/validate-objects.ts";
import { formatEntry, type ChangeSetEntry } from "./change-set.ts";
import { hasDrifted } from "./drift.ts";
import { immutableFields, isImmutableError } from "./immutable-error.ts";
import { fieldsReleasedByTakeover, takeOverManagedFields, withoutFields } from "./managed-fields.ts";
import { forceEnabled, pruneDisabled, reconcileDisabled, ssaPolicy } from "./markers.ts";
import { isFluxInstallObject } from "../flux/flux-install.ts";
import { deleteObject, getObject, ListedMembers, readLive, serverSideApply, serverSideApplyResult, waitGone, type LiveIndex } from "./object-requests.ts";
import { desiredDigest, type AppliedState } from "./applied-state.ts";
import { objectDiff } from "./plan-diff.ts";
import { compareObjects, stageObjects, stageOf } from "./sort-objects.ts";

/** How the engine talks to the cluster; every field but `client` has a default. */
export interface ResourceManagerOptions {
  /** Applies, reads and deletes the objects (impersonating a sync's service account, when set). */
  client: KubeClient;
  /**
   * Lists the ApplySet's members for `prune` and `plan`: every recorded group-kind in every
   * recorded namespace, which a sync's service account may not be allowed to read. Default `client`.
   */
  inventoryClient?: KubeClient;
  /** Field manager of every apply. Default `slipway`. */
  fieldManager?: string;
  /** Objects applied (and LISTs, dry-runs and deletes sent) at once. Default 4. */
  concurrency?: number;
  /** How long to wait for CRDs to be established / Namespaces active between stages, in ms. Default 60000. */
  establishTimeoutMs?: number;
  /** Time between polls while waiting for CRDs and Namespaces, in ms. Default 500. */
  establishIntervalMs?: number;
  /** How long to wait for a deleted object to disappear before recreating it, in ms. Default 60000. */
  deleteTimeoutMs?: number;
  /** GET requests in flight at once while waiting for health. Default 8. */
  healthConcurrency?: number;
  /**
   * The health of one live object, as `wait` judges it: the one place per-object rules plug in.
   * Default `computeStatus` (agent/health/compute-status.ts: the kstatus rules).
   */
  statusOf?: (live: KubeObject) => HealthResult;
  /** Where `apply` and `prune` log each change. Default: nowhere. */
  log?: Logger;
}

/** Options of one {@link ResourceManager.apply} or {@link ResourceManager.plan}. */
export interface ApplyOptions {
  /** Recreate objects on immutable-field changes (the `force` marker does it per object). Default false. */
  force?: boolean;
  /**
   * Label selector that finds the live objects of this apply (the ApplySet part-of label): one
   * LIST per kind and namespace replaces a GET per object. Default: a GET per object.
   */
  memberSelector?: string;
  /**
   * What this sync's previous applies confirmed in sync (agent/apply/applied-state.ts): an object
   * whose desired body and listed live copy both match it is `unchanged` without a dry-run. The
   * apply updates it. Needs `memberSelector` (the live copy comes from the member LISTs). Default:
   * every existing object is dry-run.
   */
  state?: AppliedState;
  signal?: AbortSignal;
}

/** An object (or a list of them) that could not be applied, planned or deleted. */
export interface ApplyFailure {
  id: string;
  message: string;
}

/** What {@link ResourceManager.apply} did: entries in apply order, failures, and the objects it meant to reach. */
export interface ApplyResult {
  entries: ChangeSetEntry[];
  failures: ApplyFailure[];
  /** The objects in apply order (all stages), whether or not they were reached. */
  ordered: KubeObject[];
  /** What the member LISTs of this apply found, for {@link ResourceManager.prune} to reuse (with `memberSelector`). */
  listed?: ListedMembers;
  /** Objects found unchanged without a dry-run (through `state`). */
  skippedDryRuns: number;
}

/** Which ApplySet to prune (or plan the pruning of), and what to keep. */
export interface PruneOptions {
  /** The set's id (value of the part-of label). */
  id: string;
  /** Group-kinds and namespaces to look in (the union of old and new). */
  record: SetRecord;
  /** The members to keep: the new build. */
  keep: readonly KubeObject[];
  /**
   * Members already listed by the apply that preceded this prune (its {@link ApplyResult.listed}):
   * their kinds and namespaces are not listed again. Default: every recorded kind is listed.
   */
  listed?: ListedMembers;
  signal?: AbortSignal;
}

/** What {@link ResourceManager.prune} did. */
export interface PruneResult {
  /** Ids of deleted objects, in deletion order. */
  deleted: string[];
  /** Ids kept because they are marked prune-disabled. */
  protected: string[];
  /** Failures (listing or deleting), each naming the object or the list. */
  failures: ApplyFailure[];
}

/** Options of one {@link ResourceManager.wait}. */
export interface WaitOptions {
  /** Give up after this long, in ms. */
  timeoutMs: number;
  /** Time between polls, in ms. Default 2000. */
  intervalMs?: number;
  signal?: AbortSignal;
}

/** One object in a {@link Plan}: what `apply` (or `prune`) would do to it, and the diff. */
export interface PlanEntry extends ChangeSetEntry {
  /** Unified diff from the live object to the dry-run result, Secret values masked; "" when unchanged or skipped. */
  diff: string;
  /** True when an immutable-field change would delete and recreate the object. */
  recreate?: boolean;
}

/** What {@link ResourceManager.plan} found: entries in apply order, then the deletions. */
export interface Plan {
  entries: PlanEntry[];
  /** Objects the apply would fail on (an immutable field without force, a rejected dry-run…). */
  failures: ApplyFailure[];
  /** Members pruning would keep because they are marked prune-disabled. */
  protected: string[];
}

/** Options of one {@link ResourceManager.plan}. */
export interface PlanOptions extends ApplyOptions {
  /** Also plan the pruning of this set (its `keep` is the planned objects). Default: no pruning. */
  prune?: Omit<PruneOptions, "keep" | "signal">;
}

/** The result of one object's apply: the change-set entry, whether the object was recreated, and the live copy it left. */
interface ObjectOutcome extends ChangeSetEntry {
  recreated: boolean;
  /** The object as the server has it after this apply (when known), for {@link ApplyOptions.state}. */
  live?: KubeObject;
  /** True when `state` said unchanged and no dry-run was sent. */
  fromState?: boolean;
}

/** A live object as the engine found it: `undefined` not read yet, `null` known absent. */
type Live = KubeObject | null | undefined;

/** The apply engine; see the file header. */
export class ResourceManager {
  readonly client: KubeClient;
  readonly inventoryClient: KubeClient;
  readonly fieldManager: string;
  readonly concurrency: number;
  private readonly options: ResourceManagerOptions;

  constructor(options: ResourceManagerOptions) {
    this.options = options;
    this.client = options.client;
    this.inventoryClient = options.inventoryClient ?? options.client;
    this.fieldManager = options.fieldManager ?? applyFieldManager;
    this.concurrency = options.concurrency ?? 4;
  }

  /** Applies `objects` in stages; never throws for one object's failure, reports it in `failures`. */
  async apply(objects: readonly KubeObject[], options: ApplyOptions = {}): Promise<ApplyResult> {
    const { signal } = options;
    const log = this.options.log;
    const stages = stageObjects(objects);
    const listed = options.memberSelector ? new ListedMembers() : undefined;
    const result: ApplyResult = { entries: [], failures: [], ordered: stages.flat(), skippedDryRuns: 0, ...(listed ? { listed } : {}) };
    const state = options.memberSelector ? options.state : undefined;
    state?.retain(result.ordered);
    for (const [index, stage] of stages.entries()) {
      if (stage.length === 0) continue;
      const live = await this.readMembers(stage, options);
      if (live) listed?.add(live);
      const outcomes = await mapSettled(stage, this.concurrency, (obj) => this.applyOne(obj, live, { ...options, state }), signal);
      for (const [i, o] of outcomes.entries()) {
        const obj = stage[i] as KubeObject;
        if (!o.ok || !o.value.live) state?.forget(obj);
        if (o.ok) {
          if (o.value.fromState) result.skippedDryRuns++;
          else if (o.value.live && state && o.value.action !== "skipped") state.record(obj, desiredDigest(obj), o.value.live, this.fieldManager);
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
          await this.waitEstablished(stage, signal);
        } catch (err) {
          result.failures.push({ id: err instanceof SlipwayError ? err.subject : `stage ${index + 1}`, message: describeError(err) });
          return result;
        }
      }
    }
    return result;
  }

  /**
   * What {@link apply} (and, with `prune`, {@link prune}) would do to `objects`, decided as they
   * decide, by server-side dry-run; nothing is written. Objects whose kind or namespace the
   * build itself creates are planned as created.
   */
  async plan(objects: readonly KubeObject[], options: PlanOptions = {}): Promise<Plan> {
    const { signal } = options;
    const ordered = stageObjects(objects).flat();
    const plan: Plan = { entries: [], failures: [], protected: [] };
    const crdKinds = kindsDefinedByCrds(ordered);
    const newNamespaces = new Set(ordered.filter((o) => o.kind === "Namespace" && o.apiVersion === "v1").map((o) => o.metadata.name));
    const live = await this.readMembers(ordered.filter((o) => !crdKinds.has(`${o.apiVersion}:${o.kind}`)), options);
    const planned = await mapSettled(
      ordered,
      this.concurrency,
      async (obj): Promise<PlanEntry> => {
        const id = objectId(obj);
        let mapping: ResourceMapping;
        try {
          mapping = await this.client.resource(obj.apiVersion, obj.kind, signal);
        } catch (err) {
          // Defined by a CRD of this build: the CRD comes first, then the object is created.
          if (err instanceof UnknownKindError && crdKinds.has(`${obj.apiVersion}:${obj.kind}`)) return { id, action: "created", diff: objectDiff(id, undefined, obj) };
          throw err;
        }
        try {
          return await this.planOne(obj, mapping, live, options);
        } catch (err) {
          // In a namespace this build creates: the Namespace comes first, then the object is created.
          if (err instanceof KubeApiError && err.status === 404 && obj.metadata.namespace && newNamespaces.has(obj.metadata.namespace)) {
            return { id, action: "created", diff: objectDiff(id, undefined, obj) };
          }
          throw err;
        }
      },
      signal,
    );
    for (const [i, p] of planned.entries()) {
      const id = objectId(ordered[i] as KubeObject);
      if (p.ok) plan.entries.push(p.value);
      else plan.failures.push({ id, message: describeError(p.error).startsWith(id) ? describeError(p.error) : `${id}: ${describeError(p.error)}` });
    }
    if (options.prune) {
      const found = await this.findStale({ ...options.prune, keep: objects, signal });
      plan.failures.push(...found.failures);
      plan.protected.push(...found.protected);
      for (const { obj } of found.stale) plan.entries.push({ id: objectId(obj), action: "deleted", diff: objectDiff(objectId(obj), obj, undefined) });
    }
    return plan;
  }

  /**
   * Lists the set's live members and deletes those not in `keep` — in reverse apply order, with
   * background propagation and a uid precondition, never an object marked prune-disabled (or
   * with reconciliation disabled). Listing uses `inventoryClient`, deleting `client`.
   */
  async prune(options: PruneOptions): Promise<PruneResult> {
    const { signal } = options;
    const found = await this.findStale(options);
    const result: PruneResult = { deleted: [], protected: found.protected, failures: found.failures };
    for (const stage of [2, 1, 0]) {
      const batch = found.stale.filter((s) => stageOf(s.obj) === stage);
      const deleted = await mapSettled(
        batch,
        this.concurrency,
        ({ obj, mapping }) => deleteObject({ client: this.client, mapping, namespace: obj.metadata.namespace, name: obj.metadata.name, uid: obj.metadata.uid, signal }),
        signal,
      );
      for (const [i, d] of deleted.entries()) {
        const id = objectId((batch[i] as (typeof batch)[number]).obj);
        if (d.ok) {
          result.deleted.push(id);
          this.options.log?.info(`${id} deleted`, { object: id });
        } else {
          result.failures.push({ id, message: describeError(d.error) });
        }
      }
    }
    return result;
  }

  /** Polls `objects` until all are Current (healthy), any is Failed, or `timeoutMs` passes; each judged by `statusOf`. */
  async wait(objects: readonly ObjectRef[], options: WaitOptions): Promise<HealthReport> {
    return waitHealthy({
      client: this.client,
      objects,
      timeoutMs: options.timeoutMs,
      intervalMs: options.intervalMs,
      concurrency: this.options.healthConcurrency ?? 8,
      statusOf: this.options.statusOf ?? computeStatus,
      signal: options.signal,
    });
  }

  /** One LIST per kind and namespace when `memberSelector` is set; a failed batch read only costs speed (every object is then read on its own). */
  private async readMembers(objects: readonly KubeObject[], options: ApplyOptions): Promise<LiveIndex | undefined> {
    if (!options.memberSelector || objects.length === 0) return undefined;
    return readLive({ client: this.client, objects, labelSelector: options.memberSelector, concurrency: this.concurrency, signal: options.signal }).catch(() => undefined);
  }

  /** Applies one object; errors start with the object's id. */
  private async applyOne(obj: KubeObject, index: LiveIndex | undefined, options: ApplyOptions): Promise<ObjectOutcome> {
    const { signal } = options;
    const { client, fieldManager } = this;
    const id = objectId(obj);
    const policy = ssaPolicy(obj);
    if (reconcileDisabled(obj) || policy === "Ignore") return { id, action: "skipped", recreated: false };
    try {
      const mapping = await client.resource(obj.apiVersion, obj.kind, signal);
      const listed = index?.listed(obj) ?? false;
      let live: Live = index?.get(obj);
      if (live === undefined && (!listed || policy === "IfNotPresent")) live = await getObject(client, mapping, obj, signal);
      if (live && policy === "IfNotPresent") return { id, action: "skipped", recreated: false };
      // Known in sync on both sides since the last apply (applied-state.ts): nothing to ask.
      if (live && options.state?.unchanged(obj, desiredDigest(obj), live) && !(policy === "Override" && takeOverManagedFields(live, fieldManager))) {
        return { id, action: "unchanged", recreated: false, fromState: true, live };
      }
      if (live && policy === "Override") live = await this.takeOver(mapping, live, signal);
      const recreate = async (err: KubeApiError): Promise<ObjectOutcome> => {
        this.refuseRecreate(obj, err, options);
        await deleteObject({ client, mapping, namespace: obj.metadata.namespace, name: obj.metadata.name, signal });
        await waitGone({ client, mapping, namespace: obj.metadata.namespace, name: obj.metadata.name, id, timeoutMs: this.options.deleteTimeoutMs, signal });
        const created = await serverSideApply({ client, mapping, obj, fieldManager, signal });
        return { id, action: "created", recreated: true, live: created };
      };
      if (!live) {
        // New, or (when listed) not yet a member: nothing to compare with, so no dry-run. The
        // server says whether it created the object; adopting an existing one always changes it
        // (it gains the part-of label), so "configured" is true then.
        try {
          const applied = await serverSideApplyResult({ client, mapping, obj, fieldManager, signal });
          return { id, action: applied.created ? "created" : "configured", recreated: false, live: applied.object };
        } catch (err) {
          if (isImmutableError(err)) return await recreate(err);
          throw err;
        }
      }
      if (options.state?.changedInGit(obj, desiredDigest(obj))) {
        // Git changed the body since its last apply: it is written either way, so the dry-run
        // that would only decide whether to write is skipped. The server's answer says whether
        // anything changed (an unchanged apply keeps the resourceVersion).
        try {
          const written = await serverSideApply({ client, mapping, obj, fieldManager, signal });
          const changed = written.metadata.resourceVersion !== live.metadata.resourceVersion && hasDrifted(live, written);
          return { id, action: changed ? "configured" : "unchanged", recreated: false, live: written };
        } catch (err) {
          if (isImmutableError(err)) return await recreate(err);
          throw err;
        }
      }
      let dry;
      try {
        dry = await this.dryRun(mapping, obj, live, signal);
      } catch (err) {
        if (isImmutableError(err)) return await recreate(err);
        throw err;
      }
      if (dry.action === "unchanged") return { id, action: "unchanged", recreated: false, ...(dry.live ? { live: dry.live } : {}) };
      const written = await serverSideApply({ client, mapping, obj, fieldManager, signal });
      return { id, action: dry.action, recreated: false, live: written };
    } catch (err) {
      if (err instanceof SlipwayError && err.subject === id) throw err;
      throw new SlipwayError(id, describeError(err), { cause: err });
    }
  }

  /** What {@link applyOne} would do to one object, without writing. */
  private async planOne(obj: KubeObject, mapping: ResourceMapping, index: LiveIndex | undefined, options: ApplyOptions): Promise<PlanEntry> {
    const { signal } = options;
    const id = objectId(obj);
    const policy = ssaPolicy(obj);
    if (reconcileDisabled(obj) || policy === "Ignore") return { id, action: "skipped", diff: "" };
    const listed = index?.listed(obj) ?? false;
    const member = index?.get(obj);
    // `apply` skips the GET of a listed non-member, but it learns from the server whether the
    // object existed: the plan has to ask.
    const live = member ?? (await getObject(this.client, mapping, obj, signal));
    if (live && policy === "IfNotPresent") return { id, action: "skipped", diff: "" };
    let dry: { live: KubeObject | undefined; result: KubeObject; action: "created" | "configured" | "unchanged" };
    try {
      dry = await this.dryRun(mapping, obj, live, signal);
    } catch (err) {
      if (!isImmutableError(err)) throw err;
      this.refuseRecreate(obj, err, options);
      return { id, action: "created", recreate: true, diff: objectDiff(id, live ?? undefined, obj) };
    }
    // A listed object that is not a member yet is adopted: it gains the part-of label, so it changes.
    if (dry.live && listed && !member) return { id, action: "configured", diff: objectDiff(id, dry.live, dry.result) };
    let { result, action } = dry;
    if (dry.live && policy === "Override" && takeOverManagedFields(dry.live, this.fieldManager)) {
      // `apply` takes over hand-set fields first, then drops those the build does not set.
      result = withoutFields(result, fieldsReleasedByTakeover(result, this.fieldManager));
      action = hasDrifted(dry.live, result) ? "configured" : "unchanged";
    }
    return { id, action, diff: action === "unchanged" ? "" : objectDiff(id, dry.live, result) };
  }

  /** Throws the immutable-field error unless the apply or the object allows recreating it. */
  private refuseRecreate(obj: KubeObject, err: KubeApiError, options: ApplyOptions): void {
    if (options.force || forceEnabled(obj)) return;
    throw new SlipwayError(
      objectId(obj),
      `immutable field changed (${immutableFields(err)}); set force on the sync or annotate the object with ${forceMarkers[0]}: enabled to recreate it`,
      { cause: err },
    );
  }

  /**
   * Moves the fields of kubectl's and pre-SSA field managers to ours (see managed-fields.ts), so
   * the apply resets them. Returns the live object after the move (unchanged when there was
   * nothing to move, or when someone wrote the object since it was read: the takeover then waits
   * for the next run, and this apply still goes ahead).
   */
  private async takeOver(mapping: ResourceMapping, live: KubeObject, signal: AbortSignal | undefined): Promise<KubeObject> {
    const takeover = takeOverManagedFields(live, this.fieldManager);
    if (!takeover) return live;
    try {
      const patched = await this.client.request<KubeObject>({
        method: "PATCH",
        path: this.client.objectPath(mapping, live.metadata.namespace, live.metadata.name),
        body: JSON.stringify([
          { op: "test", path: "/metadata/resourceVersion", value: live.metadata.resourceVersion },
          { op: "replace", path: "/metadata/managedFields", value: takeover },
        ]),
        contentType: "application/json-patch+json",
        signal,
      });
      return patched.body;
    } catch (err) {
      if (!(err instanceof KubeApiError && (err.status === 409 || err.status === 422))) throw err;
      return live;
    }
  }

  /**
   * Diff by server-side dry-run: the live object and the server's dry-run result are compared
   * (see drift.ts), so defaults, admission and field ownership are the server's, not a guess.
   * Throws the server's error (e.g. an immutable field).
   */
  private async dryRun(mapping: ResourceMapping, obj: KubeObject, known: KubeObject | null, signal: AbortSignal | undefined): Promise<{ live: KubeObject | undefined; result: KubeObject; action: "created" | "configured" | "unchanged" }> {
    let live = known ?? undefined;
    const result = await serverSideApply({ client: this.client, mapping, obj, dryRun: true, fieldManager: this.fieldManager, signal });
    if (live && hasDrifted(live, result) && result.metadata.resourceVersion !== live.metadata.resourceVersion) {
      // The live copy is older than the object the dry-run saw (a controller wrote to it since we
      // read it, e.g. the revision annotation on a new Deployment): compare with a fresh read.
      live = (await getObject(this.client, mapping, obj, signal)) ?? undefined;
    }
    const action = !live ? "created" : hasDrifted(live, result) ? "configured" : "unchanged";
    return { live, result, action };
  }

  /** The set's live members that `keep` lacks, in deletion order (reverse apply order), and the protected ones. */
  private async findStale(options: PruneOptions): Promise<{ stale: { obj: KubeObject; mapping: ResourceMapping }[]; protected: string[]; failures: ApplyFailure[] }> {
    const { signal } = options;
    const listClient = this.inventoryClient;
    const out = { stale: [] as { obj: KubeObject; mapping: ResourceMapping }[], protected: [] as string[], failures: [] as ApplyFailure[] };
    const keep = new Set(options.keep.map(inventoryKey));
    const lists: { mapping: ResourceMapping; namespace?: string }[] = [];
    const reused: { mapping: ResourceMapping; items: KubeObject[] }[] = [];
    for (const gk of options.record.groupKinds) {
      let mapping: ResourceMapping | undefined;
      try {
        mapping = await resolveGroupKind(listClient, gk, signal);
      } catch (err) {
        out.failures.push({ id: gk, message: describeError(err) });
        continue;
      }
      if (!mapping) continue;
      for (const namespace of mapping.namespaced ? options.record.namespaces : [undefined]) {
        const items = options.listed?.items(mapping, namespace);
        if (items) reused.push({ mapping, items });
        else lists.push({ mapping, ...(namespace === undefined ? {} : { namespace }) });
      }
    }
    const listed = await mapSettled(
      lists,
      this.concurrency,
      async ({ mapping, namespace }) => {
        const res = await listClient.request<{ items?: KubeObject[] }>({
          method: "GET",
          path: listClient.objectPath(mapping, namespace),
          query: { labelSelector: `${applySetPartOfLabel}=${options.id}` },
          signal,
        });
        return (res.body.items ?? []).map((item) => ({ ...item, apiVersion: mapping.apiVersion, kind: mapping.kind }));
      },
      signal,
    );
    const found = [...reused];
    for (const [i, l] of listed.entries()) {
      const { mapping, namespace } = lists[i] as (typeof lists)[number];
      if (!l.ok) {
        out.failures.push({ id: `${mapping.kind}${namespace ? ` in ${namespace}` : ""}`, message: describeError(l.error) });
        continue;
      }
      found.push({ mapping, items: l.value });
    }
    for (const { mapping, items } of found) {
      for (const obj of items) {
        if (obj.metadata.labels?.[applySetPartOfLabel] !== options.id || keep.has(inventoryKey(obj)) || obj.metadata.deletionTimestamp) continue;
        // Flux's own install is never deleted, even when an older agent applied it.
        if (pruneDisabled(obj) || isFluxInstallObject(obj)) out.protected.push(objectId(obj));
        else out.stale.push({ obj, mapping });
      }
    }
    // Reverse apply order: workloads before Services/ConfigMaps, Namespaces and CRDs last.
    out.stale.sort((a, b) => stageOf(b.obj) - stageOf(a.obj) || compareObjects(b.obj, a.obj));
    return out;
  }

  /**
   * Between apply stages: waits until every CRD among `objects` is Established and its kinds are
   * discoverable, and every Namespace is Active, so the next stage can create custom resources
   * and namespaced objects; other kinds are ignored.
   */
  private async waitEstablished(objects: readonly KubeObject[], signal: AbortSignal | undefined): Promise<void> {
    const { client } = this;
    const timeoutMs = this.options.establishTimeoutMs ?? 60_000;
    const intervalMs = this.options.establishIntervalMs ?? 500;
    const isCrd = (o: KubeObject): boolean => o.kind === "CustomResourceDefinition" && o.apiVersion.startsWith("apiextensions.k8s.io/");
    const ready = (obj: KubeObject): { ok: boolean; failed?: string } => {
      if (obj.kind === "Namespace") return { ok: (obj.status as { phase?: string } | undefined)?.phase === "Active" };
      const h = crdHealth(obj);
      return { ok: h?.status === "Current", failed: h?.status === "Failed" ? h.message : undefined };
    };
    let pending = objects.filter((o) => o.kind === "Namespace" || isCrd(o));
    const deadline = Date.now() + timeoutMs;
    const allReady = await pollUntil(
      async () => {
        const still: KubeObject[] = [];
        for (const o of pending) {
          const mapping = await client.resource(o.apiVersion, o.kind, signal);
          const live = await getObject(client, mapping, { metadata: { name: o.metadata.name } }, signal);
          const r = live ? ready(live) : { ok: false };
          if (r.failed) throw new SlipwayError(objectId(o), r.failed);
          if (!r.ok) still.push(o);
        }
        pending = still;
        return pending.length === 0 ? true : undefined;
      },
      { intervalMs, timeoutMs, signal },
    );
    if (!allReady) {
      throw new SlipwayError(objectId(pending[0] as KubeObject), `not ${pending[0]?.kind === "Namespace" ? "active" : "established"} after ${Math.round(timeoutMs / 1000)}s`);
    }
    // Established is not yet discoverable everywhere: wait until discovery serves each new kind,
    // so the next stage finds it.
    for (const o of objects) {
      if (!isCrd(o)) continue;
      const spec = (o.spec ?? {}) as { group?: string; names?: { kind?: string }; versions?: { name?: string; served?: boolean }[] };
      if (!spec.group || !spec.names?.kind) continue;
      for (const v of spec.versions ?? []) {
        if (!v.name || v.served === false) continue;
        const kind = spec.names.kind;
        const served = await pollUntil(
          async () => {
            try {
              await client.resource(`${spec.group}/${v.name}`, kind, signal);
              return true;
            } catch (err) {
              if (!(err instanceof UnknownKindError)) throw err;
              return undefined;
            }
          },
          // Both waits share one deadline.
          { intervalMs, timeoutMs: Math.max(0, deadline - Date.now()), signal },
        );
        if (!served) throw new SlipwayError(objectId(o), `established, but ${kind} ${spec.group}/${v.name} is not served after ${Math.round(timeoutMs / 1000)}s`);
      }
    }
  }
}
