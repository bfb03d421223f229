/**
 * A source's own status, as Flux keeps one on each GitRepository: Ready with a reason and a
 * message, the revision of the last successful fetch (`eks@sha1:<sha>`), the URL and ref, and the
 * time of the last fetch, successful or not. It lives in one ConfigMap per source in the agent
 * namespace, `slipway.source.<key>` (key `ns/name` written `ns.name`) labelled `slipway.dev/source`,
 * key `data.status` (JSON), written by server-side apply under the status field manager after each
 * fetch and deleted when the source leaves git (the build that defined it no longer does, also
 * across restarts: the status records `definedBy`) or the running agent drops it. Syncs' parents are
 * `slipway-<sync>`, so the two never share a name. Sources whose definition is invalid never fetch
 * and have no ConfigMap: `slipway get sources` shows them from their syncs' status.
 */
import { SlipwayError, errorMessage } from "../../core/errors.ts";
import type { Logger } from "../../core/log.ts";
import { sourceLabel, sourceStatusNamePrefix, statusFieldManager } from "../../core/well-known.ts";
import type { KubeClient } from "../kube/kube-client.ts";
import type { KubeObject } from "../kube/kube-object.ts";
import { keyToLabel, labelToKey } from "../flux/sync-key.ts";

/** The recorded status of one source. */
export interface SourceStatus {
  ready: "True" | "False";
  /** Flux's reasons: `Succeeded`, or `GitOperationFailed` when the last fetch failed. */
  reason: "Succeeded" | "GitOperationFailed";
  /** `Fetched revision: eks@sha1:…` (Slipway keeps no artifact, so not Flux's "stored artifact"), or the fetch error. */
  message: string;
  /** Revision of the last successful fetch (kept when a later fetch fails). */
  revision?: string;
  url: string;
  /** The tracked ref as people read it: `branch eks`, `semver range >=1.0.0`. */
  ref: string;
  /** When the last fetch ended, ISO time. */
  lastFetchTime: string;
  /** When `ready` last changed, ISO time. */
  lastTransitionTime: string;
  /** Duration of the last fetch, in ms. */
  lastFetchDurationMs: number;
  /** For a source defined in git: the sync whose build defines it (its status goes when that build no longer does). */
  definedBy?: string;
  /** A suspended GitRepository (`spec.suspend: true`): not fetched; its last revision is served. */
  suspended?: boolean;
}

/** One source's status ConfigMap as the CLI sees it. */
export interface SourceView {
  /** The source's key (`name` in the agent namespace, `ns/name` elsewhere). */
  source: string;
  status: SourceStatus;
}

/** What a source's status says of its settings. */
export interface SourceSettings {
  url: string;
  ref: string;
  definedBy?: string;
  suspended?: boolean;
}

/** What one fetch ended with. */
export type FetchOutcome = { ok: true; revision: string; durationMs: number; suspended?: boolean } | { ok: false; error: string; durationMs: number };

/** The status after a fetch, keeping the last good revision across failures. `now` is ISO. Pure. */
export function nextSourceStatus(prev: SourceStatus | undefined, source: SourceSettings, outcome: FetchOutcome, now: string): SourceStatus {
  const ready = outcome.ok ? "True" : "False";
  return {
    ready,
    reason: outcome.ok ? "Succeeded" : "GitOperationFailed",
    message: outcome.ok ? `Fetched revision: ${outcome.revision}` : outcome.error,
    ...(outcome.ok ? { revision: outcome.revision } : prev?.revision ? { revision: prev.revision } : {}),
    url: source.url,
    ref: source.ref,
    // A suspension fetches nothing: the last fetch stays the last.
    lastFetchTime: outcome.ok && outcome.suspended && prev ? prev.lastFetchTime : now,
    lastTransitionTime: prev && prev.ready === ready ? prev.lastTransitionTime : now,
    lastFetchDurationMs: outcome.ok && outcome.suspended && prev ? prev.lastFetchDurationMs : Math.round(outcome.durationMs),
    ...(source.definedBy ? { definedBy: source.definedBy } : {}),
    ...(source.suspended ? { suspended: true } : {}),
  };
}

/** Reads a recorded source status; undefined for missing or unreadable text. Pure. */
export function parseSourceStatus(text: string | undefined): SourceStatus | undefined {
  if (!text) return undefined;
  try {
    const v = JSON.parse(text) as Partial<SourceStatus> | null;
    if (!v || (v.ready !== "True" && v.ready !== "False") || typeof v.message !== "string" || typeof v.lastFetchTime !== "string") return undefined;
    return v as SourceStatus;
  } catch {
    return undefined;
  }
}

/** The ConfigMap name of a source's status. */
export function sourceStatusName(source: string): string {
  return `${sourceStatusNamePrefix}${keyToLabel(source)}`;
}

/** Status access for the sources of one agent namespace. */
export interface SourceStatusStore {
  /** Records what a fetch of `source` ended with (reads the previous status once, then keeps it). */
  record(source: string, settings: SourceSettings, outcome: FetchOutcome, signal?: AbortSignal): Promise<void>;
  /** Deletes the status of a source that left. */
  remove(source: string, signal?: AbortSignal): Promise<void>;
  /** Every source status in the namespace, sorted by key. */
  list(signal?: AbortSignal): Promise<SourceView[]>;
}

const cmPath = (ns: string, name?: string): string => `/api/v1/namespaces/${encodeURIComponent(ns)}/configmaps${name ? `/${encodeURIComponent(name)}` : ""}`;

/** Creates the store for `namespace`. */
export function createSourceStatusStore(client: KubeClient, namespace: string, now: () => Date = () => new Date()): SourceStatusStore {
  const known = new Map<string, SourceStatus>();
  const read = async (source: string, signal?: AbortSignal): Promise<SourceStatus | undefined> => {
    const res = await client.request<KubeObject>({ method: "GET", path: cmPath(namespace, sourceStatusName(source)), allowNotFound: true, signal });
    return res.status === 404 ? undefined : parseSourceStatus((res.body.data as Record<string, string> | undefined)?.status);
  };
  return {
    async record(source, settings, outcome, signal) {
      const name = sourceStatusName(source);
      try {
        const prev = known.get(source) ?? (await read(source, signal));
        const status = nextSourceStatus(prev, settings, outcome, now().toISOString());
        const body = { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace, labels: { [sourceLabel]: keyToLabel(source) } }, data: { status: JSON.stringify(status) } };
        await client.request<KubeObject>({ method: "PATCH", path: cmPath(namespace, name), query: { fieldManager: statusFieldManager, force: "true" }, contentType: "application/apply-patch+yaml", body: JSON.stringify(body), signal });
        known.set(source, status);
      } catch (err) {
        throw new SlipwayError(`ConfigMap/${namespace}/${name}`, "cannot record the source's status", { cause: err });
      }
    },
    async remove(source, signal) {
      known.delete(source);
      const name = sourceStatusName(source);
      try {
        await client.request({ method: "DELETE", path: cmPath(namespace, name), allowNotFound: true, signal });
      } catch (err) {
        throw new SlipwayError(`ConfigMap/${namespace}/${name}`, "cannot delete the status of a source that left", { cause: err });
      }
    },
    async list(signal) {
      const res = await client.request<{ items: KubeObject[] }>({ method: "GET", path: cmPath(namespace), query: { labelSelector: sourceLabel }, signal });
      const out: SourceView[] = [];
      for (const cm of res.body.items) {
        const label = cm.metadata.labels?.[sourceLabel];
        const status = parseSourceStatus((cm.data as Record<string, string> | undefined)?.status);
        if (label !== undefined && status && cm.metadata.name === sourceStatusName(labelToKey(label))) out.push({ source: labelToKey(label), status });
      }
      return out.sort((a, b) => a.source.localeCompare(b.source));
    },
  };
}

/**
 * The source manager's hook: records each fetch and each removal, one write at a time per source
 * (in fetch order), never failing the fetch (a failed write is logged as a warning). Each write
 * is bounded by `writeTimeoutMs` (default 10 s), and `abort()` (a leader that lost its Lease)
 * cancels the writes in flight and drops the queued ones, so that nothing is written afterwards.
 */
export function sourceStatusRecorder(
  store: SourceStatusStore,
  log: Logger,
  options: { writeTimeoutMs?: number } = {},
): { fetched(source: string, settings: SourceSettings, outcome: FetchOutcome): void; removed(source: string): void; flush(): Promise<void>; abort(reason?: unknown): void } {
  const chains = new Map<string, Promise<void>>();
  const stopped = new AbortController();
  const timeoutMs = options.writeTimeoutMs ?? 10_000;
  const enqueue = (source: string, work: (signal: AbortSignal) => Promise<void>): void => {
    const next = (chains.get(source) ?? Promise.resolve())
      .then(() => (stopped.signal.aborted ? undefined : work(AbortSignal.any([stopped.signal, AbortSignal.timeout(timeoutMs)]))))
      .catch((err: unknown) => {
        if (!stopped.signal.aborted) log.warn(errorMessage(err), { source });
      });
    chains.set(source, next);
  };
  return {
    fetched: (source, settings, outcome) => enqueue(source, (signal) => store.record(source, settings, outcome, signal)),
    removed: (source) => enqueue(source, (signal) => store.remove(source, signal)),
    flush: async () => {
      await Promise.all(chains.values());
    },
    abort: (reason) => stopped.abort(reason),
  };
}
