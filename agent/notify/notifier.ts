/**
 * The agent's notifier: Flux's notification-controller inside the agent. It reads the Provider
 * and Alert objects of every build ({@link Notifier.configure}), and watches what the reconciles
 * record: Events (change sets, prunes, health, failures) become Flux event payloads for the chat
 * and webhook Providers, status transitions become commit statuses (`pending` when a revision
 * starts, `success` / `failure` when it ends) for the `github` / `gitlab` ones.
 *
 * Sent only when something changed: a change set, a prune, a new revision healthy, a failure
 * (not the same failure again), a recovery; a no-op reconcile sends nothing. Delivery runs in the
 * background, one queue per Provider, each request retried with exponential backoff on network
 * errors, 429 and 5xx; it never blocks or fails a reconcile. A Provider's address, token and
 * headers (and its proxy URL) are registered with the redactor and never logged: a failure names the Provider and
 * the HTTP status or error code only.
 *
 * An Alert's event source `name: "*"` with `matchLabels` takes the syncs whose Kustomization in git
 * carries those labels (as Flux does; with a name, matchLabels is not looked at). An event of a
 * new revision names the images whose reference changed in it (`metadata.image`, comma-separated):
 * the CI step's `Slipway-Image` trailer and every container whose image differs from the previous
 * applied revision's build, changed by hand or not.
 */
import { hostname } from "node:os";
import { errorMessage } from "../../core/errors.ts";
import type { Logger } from "../../core/log.ts";
import { registerSecret } from "../../core/redact.ts";
import { parse as parseYaml } from "yaml";
import type { KubeObject } from "../kube/kube-object.ts";
import type { SecretReader } from "../source/source-credentials.ts";
import type { EventRecorder, SyncEvent } from "../status/event-recorder.ts";
import type { StatusStore } from "../status/status-store.ts";
import type { SyncStatus } from "../status/sync-status.ts";
import { splitKey } from "../flux/sync-key.ts";
import { appRepositoryAddress, readDeliveryTrailers } from "./app-commit.ts";
import { fetch as proxyFetch, ProxyAgent } from "undici";
import { isProxyUrl, readNotificationObjects, type AlertSpec, type ProviderSpec } from "./notification-specs.ts";
import { containerImages } from "../metrics/delivery-observer.ts";
import type { AppliedRevision } from "../reconcile/reconcile-sync.ts";
import { splitImageRef } from "../../core/image-ref.ts";
import { commitStatusRequest, eventRequest, isCommitStatusType, type CommitStatus, type FluxEvent, type ProviderRequest, type ResolvedProvider } from "./provider-requests.ts";

/** Options for {@link createNotifier}. */
export interface NotifierOptions {
  /** Reads Provider Secrets (the agent's Secret reader). */
  secrets: SecretReader;
  agentNamespace: string;
  log: Logger;
  /** Tries per request. Default 4. */
  attempts?: number;
  /** First retry delay, doubled per retry, ms. Default 1000. */
  backoffMs?: number;
  /** The message of commit `sha` of source `source`, when known (for the CI step's trailers). */
  messageOf?(source: string, sha: string): string | undefined;
}

/** The notifier. */
export interface Notifier {
  /** Takes the Provider and Alert objects of `sync`'s build (every build, so removed ones go). */
  configure(sync: string, objects: readonly KubeObject[]): void;
  /** An Event recorder that also notifies. */
  watchEvents(inner: EventRecorder): EventRecorder;
  /** A status store that also posts commit statuses on transitions. */
  watchStatus(inner: StatusStore): StatusStore;
  /** Takes what a reconcile applied, to name the images a revision changed. */
  applied(sync: string, applied: AppliedRevision): void;
  /** Resolves once every queued delivery has ended (tests, shutdown). */
  idle(): Promise<void>;
}

const shaOf = (revision: string | undefined): string | undefined => /(?:^|@)sha1:([0-9a-f]{40})$/.exec(revision ?? "")?.[1];

/** Why a response or an error is worth a retry. */
function retryable(status: number | undefined): boolean {
  return status === undefined || status === 429 || status >= 500;
}

/** The error code of a failed fetch (`ECONNREFUSED`), never its message (which may carry the URL). */
function errorCode(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown } } | null)?.cause;
  if (typeof cause?.code === "string") return cause.code;
  if (err instanceof Error && err.name === "TimeoutError") return "timeout";
  return err instanceof Error ? err.name : "error";
}

/** Creates a notifier. */
export function createNotifier(options: NotifierOptions): Notifier {
  const { log, secrets, agentNamespace } = options;
  const attempts = options.attempts ?? 4;
  const backoff = options.backoffMs ?? 1000;
  const instance = hostname();
  const bySync = new Map<string, { providers: ProviderSpec[]; alerts: AlertSpec[]; labels: Map<string, Record<string, string>> }>();
  const reported = new Map<string, string>();
  const queues = new Map<string, Promise<void>>();
  // Per sync: the last event key sent (to skip repeats), and whether the last outcome was a failure.
  const lastWarning = new Map<string, string>();
  // The source of each sync, from its status, to read the delivery trailers of an event's revision.
  const sourceOf = new Map<string, string>();
  const healthyAt = new Map<string, string>();
  const failing = new Set<string>();
  const statusSent = new Map<string, string>();
  // Per sync and Provider: the commit a pending status was last posted on.
  const pendingSent = new Map<string, string>();
  // Per sync: the container images of the last applied build, and the images its revision changed.
  const builtImages = new Map<string, { revision: string; images: Map<string, string> }>();
  const changedImages = new Map<string, { revision: string; images: string[] }>();

  const providers = (): ProviderSpec[] => [...bySync.values()].flatMap((d) => d.providers);
  const alerts = (): AlertSpec[] => [...bySync.values()].flatMap((d) => d.alerts);
  /** The labels in git of `Kind/ns/name` (a Kustomization or GitRepository some build defines). */
  const labelsOf = (id: string): Record<string, string> => {
    for (const d of bySync.values()) {
      const l = d.labels.get(id);
      if (l) return l;
    }
    return {};
  };
  const sourceMatches = (s: AlertSpec["eventSources"][number], kind: string, namespace: string, name: string): boolean => {
    if (s.kind !== kind || s.namespace !== namespace) return false;
    if (s.name !== "*") return s.name === name;
    if (!s.matchLabels) return true;
    const labels = labelsOf(`${kind}/${namespace}/${name}`);
    return Object.entries(s.matchLabels).every(([k, v]) => labels[k] === v);
  };

  const resolve = async (p: ProviderSpec): Promise<ResolvedProvider> => {
    let data: Record<string, string> = {};
    if (p.secretName) data = await secrets.read({ name: p.secretName, namespace: p.namespace });
    for (const v of Object.values(data)) registerSecret(v);
    const address = data.address ?? p.address;
    if (!address) throw new Error(`${p.id}: no address (spec.address or the address key of Secret/${p.namespace}/${p.secretName ?? ""})`);
    let headers: Record<string, string> = {};
    if (data.headers) {
      const parsed = parseYaml(data.headers) as unknown;
      if (typeof parsed !== "object" || parsed === null) throw new Error(`${p.id}: Secret/${p.namespace}/${p.secretName ?? ""}: headers: is not a map of header names to values`);
      headers = Object.fromEntries(Object.entries(parsed as Record<string, unknown>).map(([k, v]) => [k.toLowerCase(), String(v)]));
      for (const v of Object.values(headers)) registerSecret(v);
    }
    const proxy = data.proxy ?? p.proxy;
    if (proxy !== undefined) {
      if (!isProxyUrl(proxy)) throw new Error(`${p.id}: the proxy (spec.proxy or the proxy key of its Secret) is not an http:// or https:// URL`);
      registerSecret(proxy);
      const u = new URL(proxy);
      if (u.password) registerSecret(decodeURIComponent(u.password));
    }
    if (p.proxy) registerSecret(p.proxy);
    return { id: p.id, type: p.type, address, headers, ...(proxy ? { proxy } : {}), ...(data.token ? { token: data.token } : {}), ...(p.channel ? { channel: p.channel } : {}), ...(data.username ?? p.username ? { username: data.username ?? p.username } : {}) };
  };

  const send = async (p: ProviderSpec, build: (r: ResolvedProvider) => ProviderRequest, what: string): Promise<void> => {
    let req: ProviderRequest;
    let dispatcher: ProxyAgent | undefined;
    try {
      const resolved = await resolve(p);
      req = build(resolved);
      // Through the proxy, every request is tunnelled with CONNECT (https and http alike).
      if (resolved.proxy) dispatcher = new ProxyAgent(resolved.proxy);
    } catch (err) {
      log.warn(`${p.id}: ${what} not sent: ${errorMessage(err).replace(`${p.id}: `, "")}`);
      return;
    }
    try {
      await deliver(p, req, what, dispatcher);
    } finally {
      await dispatcher?.close().catch(() => undefined);
    }
  };

  const deliver = async (p: ProviderSpec, req: ProviderRequest, what: string, dispatcher: ProxyAgent | undefined): Promise<void> => {
    for (let n = 1; ; n++) {
      let status: number | undefined;
      let why: string;
      try {
        const init = { method: "POST", headers: req.headers, body: req.body, redirect: "manual", signal: AbortSignal.timeout(p.timeoutMs) } as const;
        const res = dispatcher ? await proxyFetch(req.url, { ...init, dispatcher }) : await fetch(req.url, init);
        await res.body?.cancel();
        status = res.status;
        if (res.ok) {
          log.debug(`${p.id}: ${what} delivered`, { attempts: n });
          return;
        }
        why = `HTTP ${res.status}`;
      } catch (err) {
        why = errorCode(err);
      }
      if (!retryable(status) || n >= attempts) {
        log.warn(`${p.id}: ${what} not delivered after ${n} attempt${n > 1 ? "s" : ""}: ${why}`);
        return;
      }
      await new Promise((r) => setTimeout(r, backoff * 2 ** (n - 1)));
    }
  };

  const enqueue = (p: ProviderSpec, build: (r: ResolvedProvider) => ProviderRequest, what: string): void => {
    const next = (queues.get(p.id) ?? Promise.resolve()).then(() => send(p, build, what)).catch((err: unknown) => log.warn(`${p.id}: ${errorMessage(err)}`));
    queues.set(p.id, next);
  };

  /** The Alerts (and their Providers) that take events of `sync` at `severity`. */
  const routes = (sync: string, severity: FluxEvent["severity"], message: string): { alert: AlertSpec; provider: ProviderSpec }[] => {
    const { namespace, name } = splitKey(sync, agentNamespace);
    const out: { alert: AlertSpec; provider: ProviderSpec }[] = [];
    for (const alert of alerts()) {
      if (alert.suspend) continue;
      if (alert.eventSeverity === "error" && severity !== "error") continue;
      if (!alert.eventSources.some((s) => sourceMatches(s, "Kustomization", namespace, name))) continue;
      if (!alert.passes(message)) continue;
      const provider = providers().find((p) => p.namespace === alert.namespace && p.name === alert.providerRef);
      if (provider && !provider.suspend) out.push({ alert, provider });
    }
    return out;
  };

  /**
   * The images revision `revision` of `sync` changed: the CI step's (its Slipway-Image trailer,
   * with its digest) and those the build comparison found, one per repository, comma-separated.
   */
  const imagesOf = (sync: string, revision: string | undefined): string | undefined => {
    const src = sourceOf.get(sync);
    const sha = shaOf(revision);
    const trailer = src && sha ? readDeliveryTrailers(options.messageOf?.(src, sha) ?? "").image : undefined;
    const changed = changedImages.get(sync);
    const found = changed && changed.revision === revision ? changed.images : [];
    const repoOf = (ref: string): string => {
      try {
        return splitImageRef(ref).name;
      } catch {
        return ref;
      }
    };
    const out = trailer ? [trailer] : [];
    for (const ref of found) if (!out.some((o) => repoOf(o) === repoOf(ref))) out.push(ref);
    return out.length > 0 ? out.join(", ") : undefined;
  };

  const notifyEvent = (e: SyncEvent): void => {
    // What changed, and only that: repeats of a failure, health at a revision already reported
    // healthy, and internal notes are not sent.
    if (e.reason === "Skipped") return;
    if (e.type === "Warning") {
      const key = `${e.reason}\n${e.note}\n${e.revision ?? ""}`;
      if (lastWarning.get(e.sync) === key) return;
      lastWarning.set(e.sync, key);
      failing.add(e.sync);
    } else if (e.reason === "HealthCheckPassed") {
      if (!failing.has(e.sync) && healthyAt.get(e.sync) === (e.revision ?? "")) return;
      healthyAt.set(e.sync, e.revision ?? "");
      failing.delete(e.sync);
      lastWarning.delete(e.sync);
    } else {
      failing.delete(e.sync);
      lastWarning.delete(e.sync);
    }
    const severity = e.type === "Warning" ? "error" : "info";
    const { namespace, name } = splitKey(e.sync, agentNamespace);
    const image = e.reason === "ReconciliationSucceeded" ? imagesOf(e.sync, e.revision) : undefined;
    for (const { alert, provider } of routes(e.sync, severity, e.note)) {
      if (isCommitStatusType(provider.type)) continue;
      const event: FluxEvent = {
        involvedObject: { apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", namespace, name },
        severity,
        timestamp: new Date().toISOString(),
        message: e.note,
        reason: e.reason,
        metadata: { ...alert.eventMetadata, ...(alert.summary ? { summary: alert.summary } : {}), ...(e.revision ? { revision: e.revision } : {}), ...(image ? { image } : {}) },
        reportingController: "kustomize-controller",
        reportingInstance: instance,
      };
      enqueue(provider, (r) => eventRequest(r, event), `event ${e.reason} of Kustomization/${namespace}/${name}`);
    }
  };

  const notifyStatus = (sync: string, s: SyncStatus): void => {
    if (s.source) sourceOf.set(sync, s.source);
    let status: Omit<CommitStatus, "context"> | undefined;
    if (s.reason === "Progressing") {
      const sha = shaOf(s.lastAttemptedRevision);
      if (sha) status = { sha, state: "pending", description: "reconciliation in progress" };
    } else if (s.ready === "True") {
      const sha = shaOf(s.lastAppliedRevision);
      if (sha) status = { sha, state: "success", description: s.message };
    } else if (s.ready === "False" && s.reason !== "DependencyNotReady") {
      const sha = shaOf(s.lastAttemptedRevision);
      if (sha) status = { sha, state: "failure", description: `${s.reason}: ${s.message}` };
    }
    if (!status) return;
    const key = `${status.sha}:${status.state}`;
    if (statusSent.get(sync) === key) return;
    statusSent.set(sync, key);
    const { namespace, name } = splitKey(sync, agentNamespace);
    const result: CommitStatus = { ...status, context: `kustomization/${name}` };
    // The app commit the CI step delivered in this manifest commit gets the same statuses.
    const app = s.source ? readDeliveryTrailers(options.messageOf?.(s.source, status.sha) ?? "") : {};
    const appRepo = app.sourceRepo;
    const post = (provider: ProviderSpec, st: CommitStatus): void => {
      enqueue(provider, (r) => commitStatusRequest(r, st), `commit status ${st.state} of Kustomization/${namespace}/${name}`);
      if (!app.sourceSha || !appRepo) return;
      const appStatus: CommitStatus = { ...st, sha: app.sourceSha, description: st.state === "success" ? `deployed by ${name}: ${st.description}` : st.description };
      enqueue(
        provider,
        (r) => {
          const address = appRepositoryAddress(r.address, appRepo);
          if (!address) throw new Error(`the app repository ${appRepo} is not on the Provider's host`);
          return commitStatusRequest({ ...r, address }, appStatus);
        },
        `commit status ${st.state} of app commit ${app.sourceSha.slice(0, 12)}`,
      );
    };
    for (const { provider } of routes(sync, status.state === "failure" ? "error" : "info", status.description)) {
      if (!isCommitStatusType(provider.type)) continue;
      // A result always follows a pending on the same commit: when the revision started before
      // this Provider was known (the agent's first reconcile of the sync reads the Providers in
      // its build, after the start) or without a start (the revision was already applied).
      const pendingKey = `${sync}\n${provider.id}`;
      if (status.state !== "pending" && pendingSent.get(pendingKey) !== status.sha) post(provider, { ...result, state: "pending", description: "reconciliation in progress" });
      pendingSent.set(pendingKey, status.sha);
      post(provider, result);
    }
  };

  return {
    applied(sync, a) {
      const images = new Map<string, string>();
      for (const r of containerImages(a.objects)) images.set(`${r.kind}/${r.namespace}/${r.name}/${r.container}`, r.ref);
      const before = builtImages.get(sync);
      builtImages.set(sync, { revision: a.revision, images });
      if (!before || before.revision === a.revision) return;
      const changed = [...images].filter(([k, ref]) => before.images.has(k) && before.images.get(k) !== ref).map(([, ref]) => ref);
      changedImages.set(sync, { revision: a.revision, images: [...new Set(changed)] });
    },
    configure(sync, objects) {
      const specs = readNotificationObjects(objects);
      const key = JSON.stringify([...specs.errors, ...specs.warnings]);
      if (reported.get(sync) !== key) {
        for (const e of specs.errors) log.error(e, { sync });
        for (const w of specs.warnings) log.warn(w, { sync });
        for (const a of specs.alerts) if (a.eventSources.some((s) => s.matchLabels && s.name !== "*")) log.warn(`${a.id}: spec.eventSources[].matchLabels: applies only with name "*" (as in Flux); this source matches by name`, { sync });
        reported.set(sync, key);
      }
      const labels = new Map<string, Record<string, string>>();
      for (const o of objects) if (o.kind === "Kustomization" || o.kind === "GitRepository") labels.set(`${o.kind}/${o.metadata.namespace ?? "default"}/${o.metadata.name}`, o.metadata.labels ?? {});
      if (specs.providers.length === 0 && specs.alerts.length === 0 && labels.size === 0) bySync.delete(sync);
      else bySync.set(sync, { providers: specs.providers, alerts: specs.alerts, labels });
    },
    watchEvents: (inner) => ({
      async record(event, signal) {
        await inner.record(event, signal);
        try {
          notifyEvent(event);
        } catch (err) {
          log.warn(`notifications: ${errorMessage(err)}`, { sync: event.sync });
        }
      },
    }),
    watchStatus: (inner) => ({
      namespace: inner.namespace,
      get: (sync, signal) => inner.get(sync, signal),
      list: (signal) => inner.list(signal),
      async write(sync, status, signal) {
        const uid = await inner.write(sync, status, signal);
        try {
          notifyStatus(sync, status);
        } catch (err) {
          log.warn(`notifications: ${errorMessage(err)}`, { sync });
        }
        return uid;
      },
    }),
    async idle() {
      for (;;) {
        const pending = [...queues.values()];
        await Promise.all(pending);
        if ([...queues.values()].every((q, i) => q === pending[i]) && queues.size === pending.length) return;
      }
    },
  };
}
