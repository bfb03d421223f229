/**
 * A list-then-watch loop on one collection that survives what the API server does to long
 * streams: a stream the server ends (its `timeoutSeconds`, a restart) is resumed from the last
 * resourceVersion seen (events and bookmarks), a `410 Gone` (the version was compacted away)
 * lists again from scratch, and a stream silent past its idle limit after the server answered
 * (a hung connection: {@link WatchIdleError}) is dropped and resumed at once from the last
 * resourceVersion, like a stream the server closed; the idle limit itself paces repeated hangs,
 * so they cost one request per limit. A request the server never answers within the limit, and
 * any other failure, is retried with backoff (1 s doubling to 30 s). Runs until `signal` aborts;
 * never throws otherwise.
 */
import { errorMessage } from "../../core/errors.ts";
import type { Logger } from "../../core/log.ts";
import { sleep } from "../../core/retry.ts";
import { KubeApiError } from "../kube/kube-api-error.ts";
import type { KubeClient, WatchEvent } from "../kube/kube-client.ts";
import type { KubeObject } from "../kube/kube-object.ts";
import { WatchIdleError } from "../kube/watch-idle-error.ts";

/** Options for {@link runWatchLoop}. */
export interface WatchLoopOptions {
  /** Must offer {@link KubeClient.watch}. */
  client: KubeClient;
  /** Collection path, e.g. `/api/v1/namespaces/x/configmaps`. */
  path: string;
  labelSelector?: string;
  /** apiVersion and kind set on listed items (a LIST's items carry neither). */
  apiVersion: string;
  kind: string;
  /** Every item of a (re-)list, at the start and after each 410 Gone. */
  onList(items: KubeObject[]): void;
  /** Each ADDED, MODIFIED or DELETED event, in order. */
  onEvent(type: "ADDED" | "MODIFIED" | "DELETED", obj: KubeObject): void;
  /** Server-side length of one stream, in seconds. Default 300. */
  timeoutSeconds?: number;
  /** A stream silent this long is treated as hung, dropped and resumed, in ms. Default 90000 (the server sends a bookmark about once a minute). */
  idleTimeoutMs?: number;
  /** First retry delay after a failure, in ms (doubles up to 30 s). Default 1000. */
  retryMs?: number;
  log?: Logger;
  signal: AbortSignal;
}

/** What a {@link runWatchLoop} did, for tests and metrics. */
export interface WatchLoopStats {
  /** LISTs from scratch (the first, and one after each 410 Gone). */
  lists: number;
  /** Watch requests opened. */
  streams: number;
  /** `410 Gone` answers or events. */
  gone: number;
  /** Streams that went silent after the server answered, resumed at once (no backoff). */
  hung: number;
  /** Failures followed by a backoff (a request never answered within the idle limit included). */
  failures: number;
  /** ADDED, MODIFIED and DELETED events handled. */
  events: number;
}

/** Zeroed {@link WatchLoopStats}, to sum or to pass to {@link runWatchLoop}. */
export function emptyWatchLoopStats(): WatchLoopStats {
  return { lists: 0, streams: 0, gone: 0, hung: 0, failures: 0, events: 0 };
}

class Gone extends Error {}

/** Runs the loop; see the file header. Resolves when `signal` aborts. */
export async function runWatchLoop(options: WatchLoopOptions, stats: WatchLoopStats = emptyWatchLoopStats()): Promise<WatchLoopStats> {
  const { client, signal } = options;
  if (!client.watch) throw new Error(`${options.path}: this client cannot watch`);
  const watch = client.watch.bind(client);
  let resourceVersion: string | undefined;
  let delay = options.retryMs ?? 1000;
  while (!signal.aborted) {
    try {
      if (resourceVersion === undefined) {
        stats.lists++;
        const items: KubeObject[] = [];
        let cont: string | undefined;
        do {
          const res = await client.request<{ items?: KubeObject[]; metadata?: { resourceVersion?: string; continue?: string } }>({
            method: "GET",
            path: options.path,
            query: { labelSelector: options.labelSelector, limit: "500", continue: cont },
            signal,
          });
          for (const item of res.body.items ?? []) items.push({ ...item, apiVersion: options.apiVersion, kind: options.kind });
          cont = res.body.metadata?.continue || undefined;
          resourceVersion = res.body.metadata?.resourceVersion;
        } while (cont);
        options.onList(items);
      }
      stats.streams++;
      await watch(
        {
          path: options.path,
          ...(options.labelSelector ? { labelSelector: options.labelSelector } : {}),
          ...(resourceVersion ? { resourceVersion } : {}),
          timeoutSeconds: options.timeoutSeconds ?? 300,
          idleTimeoutMs: options.idleTimeoutMs ?? 90_000,
          signal,
        },
        (event: WatchEvent) => {
          if (event.type === "ERROR") {
            if (event.object.code === 410) throw new Gone();
            throw new Error(`${options.path}: watch error ${JSON.stringify(event.object).slice(0, 300)}`);
          }
          const rv = event.object.metadata?.resourceVersion;
          if (rv) resourceVersion = rv;
          if (event.type === "BOOKMARK") return;
          stats.events++;
          const obj = event.object as unknown as KubeObject;
          options.onEvent(event.type, { ...obj, apiVersion: obj.apiVersion ?? options.apiVersion, kind: obj.kind ?? options.kind });
        },
      );
      delay = options.retryMs ?? 1000;
    } catch (err) {
      if (signal.aborted) break;
      if (err instanceof Gone || (err instanceof KubeApiError && err.status === 410) || (err instanceof Error && err.cause instanceof Gone)) {
        stats.gone++;
        options.log?.debug(`${options.path}: resourceVersion expired, listing again`);
        resourceVersion = undefined;
        continue;
      }
      if (err instanceof WatchIdleError && err.answered) {
        stats.hung++;
        delay = options.retryMs ?? 1000;
        options.log?.debug(`${errorMessage(err)}; resuming`);
        continue;
      }
      stats.failures++;
      options.log?.warn(`watch ${options.path}: ${errorMessage(err)}; retrying in ${Math.round(delay / 1000)}s`);
      await sleep(delay, signal).catch(() => undefined);
      delay = Math.min(30_000, delay * 2);
    }
  }
  return stats;
}
