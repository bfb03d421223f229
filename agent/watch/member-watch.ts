/**
 * Drift in seconds: the members of one sync are watched (one list-then-watch per recorded kind
 * and namespace, selected by the ApplySet `part-of` label; agent/watch/watch-loop.ts), and every
 * change is checked against what the last apply confirmed (agent/apply/applied-state.ts). A
 * member whose ownership fingerprint no longer matches (a field the apply owns was changed by
 * someone else, or kubectl wrote to it), or that was deleted, is drift; the agent's own writes
 * and controllers' writes to fields git does not set match and are ignored. Drift is coalesced: after
 * the first change, `debounceMs` passes, changes that turned out to match by then (an apply
 * recorded them) are dropped, and `onDrift` is called once with the rest. While `busy()` says
 * an apply of the sync is running, the check waits for it to end. Nothing is kept per event but
 * the key and fingerprint of each pending member, so a burst of events costs no more memory than
 * the set has members.
 */
import type { Logger } from "../../core/log.ts";
import { applySetPartOfLabel } from "../../core/well-known.ts";
import { ownershipFingerprint, type AppliedState } from "../apply/applied-state.ts";
import type { KubeClient, ResourceMapping } from "../kube/kube-client.ts";
import { inventoryKey, parseInventoryKey, type KubeObject } from "../kube/kube-object.ts";
import { emptyWatchLoopStats, runWatchLoop, type WatchLoopStats } from "./watch-loop.ts";

/** One kind in one namespace (undefined for cluster-scoped kinds) to watch. */
export interface WatchTarget {
  mapping: ResourceMapping;
  namespace?: string;
}

/** Options for {@link MemberWatch}. */
export interface MemberWatchOptions {
  /** Lists and watches the members (the agent's own identity). */
  client: KubeClient;
  /** The ApplySet id (value of the part-of label). */
  id: string;
  /** What the sync's applies confirmed in sync; the watch only reads it. */
  state: AppliedState;
  /** Called once per burst of drift, with the keys (inventory keys) of the members that drifted. */
  onDrift(keys: string[]): void;
  /** True while an apply of the sync runs: the drift check then waits. Default: never busy. */
  busy?(): boolean;
  /** Field manager of the sync's applies. Default `slipway`. */
  fieldManager?: string;
  /** Quiet time after the first change before drift is reported, in ms. Default 300. */
  debounceMs?: number;
  /** Server-side length of one watch stream, in seconds (tests shorten it). Default 300. */
  timeoutSeconds?: number;
  /**
   * A stream that carries no byte for this long is treated as hung: dropped and resumed at once
   * from the last resourceVersion, in ms. Default 90000 (the server sends a bookmark about once a minute).
   */
  idleTimeoutMs?: number;
  /** First backoff after a failed list or watch, in ms (doubles up to 30 s). Default 1000. */
  retryMs?: number;
  log?: Logger;
}

/** The watches of one sync's members; see the file header. */
export class MemberWatch {
  private readonly options: MemberWatchOptions;
  private readonly loops = new Map<string, { stop: AbortController; done: Promise<WatchLoopStats>; stats: WatchLoopStats }>();
  /** Members changed since the last report: key → live fingerprint (null when deleted). */
  private readonly pending = new Map<string, string | null>();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private peak = 0;

  constructor(options: MemberWatchOptions) {
    this.options = options;
  }

  /** Watches exactly `targets` from now on: new ones start (with a list), gone ones stop. */
  setTargets(targets: readonly WatchTarget[]): void {
    if (this.closed) return;
    const wanted = new Map(targets.map((t) => [`${t.mapping.group}/${t.mapping.resource}/${t.mapping.namespaced ? (t.namespace ?? "") : ""}`, t]));
    for (const [key, loop] of this.loops) {
      if (wanted.has(key)) continue;
      loop.stop.abort();
      this.loops.delete(key);
    }
    for (const [key, t] of wanted) {
      if (this.loops.has(key)) continue;
      const stop = new AbortController();
      const stats = emptyWatchLoopStats();
      const namespace = t.mapping.namespaced ? t.namespace : undefined;
      const done = runWatchLoop(
        {
          client: this.options.client,
          path: this.options.client.objectPath(t.mapping, namespace),
          labelSelector: `${applySetPartOfLabel}=${this.options.id}`,
          apiVersion: t.mapping.apiVersion,
          kind: t.mapping.kind,
          onList: (items) => this.listed(t, items),
          onEvent: (type, obj) => this.changed(obj, type === "DELETED" ? null : ownershipFingerprint(obj, this.options.fieldManager)),
          ...(this.options.timeoutSeconds ? { timeoutSeconds: this.options.timeoutSeconds } : {}),
          ...(this.options.idleTimeoutMs ? { idleTimeoutMs: this.options.idleTimeoutMs } : {}),
          ...(this.options.retryMs ? { retryMs: this.options.retryMs } : {}),
          ...(this.options.log ? { log: this.options.log } : {}),
          signal: stop.signal,
        },
        stats,
      );
      this.loops.set(key, { stop, done, stats });
    }
  }

  /** Totals over the running watch loops. */
  stats(): WatchLoopStats {
    const out = emptyWatchLoopStats();
    for (const { stats } of this.loops.values()) for (const k of Object.keys(out) as (keyof WatchLoopStats)[]) out[k] += stats[k];
    return out;
  }

  /**
   * The most members held pending at once since the watch started: at most the number of
   * members however many events arrive, and only members whose owned fields changed count
   * (a status write to a member is never held). For tests.
   */
  peakPending(): number {
    return this.peak;
  }

  /** Stops every watch; resolves when they have ended. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    for (const loop of this.loops.values()) loop.stop.abort();
    await Promise.all([...this.loops.values()].map((l) => l.done));
    this.loops.clear();
  }

  /** A (re-)list: every listed member is checked, and every remembered member of that kind and namespace the list lacks was deleted. */
  private listed(target: WatchTarget, items: KubeObject[]): void {
    const seen = new Set<string>();
    for (const item of items) {
      seen.add(inventoryKey(item));
      this.changed(item, ownershipFingerprint(item, this.options.fieldManager));
    }
    const { group, kind } = target.mapping;
    for (const key of this.options.state.keys()) {
      if (seen.has(key)) continue;
      const k = parseInventoryKey(key);
      if (k.group === group && k.kind === kind && (!target.mapping.namespaced || k.namespace === (target.namespace ?? ""))) this.mark(key, null);
    }
  }

  private changed(obj: KubeObject, fingerprint: string | null): void {
    const key = inventoryKey(obj);
    // Only members an apply confirmed are judged: others are new to the set, left to the next run.
    const known = this.options.state.ownershipOf(key);
    if (known === undefined) return;
    if (fingerprint === known) {
      this.pending.delete(key);
      return;
    }
    this.mark(key, fingerprint);
  }

  private mark(key: string, fingerprint: string | null): void {
    this.pending.set(key, fingerprint);
    this.peak = Math.max(this.peak, this.pending.size);
    this.timer ??= setTimeout(() => this.flush(), this.options.debounceMs ?? 300);
  }

  private flush(): void {
    this.timer = undefined;
    if (this.closed) return;
    if (this.options.busy?.()) {
      this.timer = setTimeout(() => this.flush(), this.options.debounceMs ?? 300);
      return;
    }
    const drifted: string[] = [];
    for (const [key, fp] of this.pending) {
      const known = this.options.state.ownershipOf(key);
      if (known !== undefined && known !== fp) drifted.push(key);
    }
    this.pending.clear();
    if (drifted.length > 0) this.options.onDrift(drifted);
  }
}
