/**
 * The agent's read-only status API, served on the receivers' port:
 *
 * - `GET /api/v1/syncs`: every sync, each as `slipway get -o json` prints it (`name`,
 *   `suspended` and the recorded status: `ready`, `reason`, `message`, `lastAppliedRevision`, …)
 *   plus where it reads from (`path`, `repository: {name, url, ref}`) when the agent runs it;
 * - `GET /api/v1/syncs/<name>` (a Kustomization from git as `<namespace>/<name>`): the same entry
 *   plus `health`, the live health of every member of its set (kstatus' rules).
 *
 * Every request needs `Authorization: Bearer <token>` with the token the agent reads from
 * `SLIPWAY_API_TOKEN`, compared in constant time (both sides hashed first, so not even the length
 * leaks). A missing or wrong token is a 401; without a configured token the API is off (404 with
 * the reason). Nothing is written; the token never reaches a log.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type http from "node:http";
import { errorMessage } from "../../core/errors.ts";
import type { Logger } from "../../core/log.ts";
import type { KubeClient } from "../kube/kube-client.ts";
import type { StatusStore, ParentView } from "../status/status-store.ts";
import type { SyncStatus } from "../status/sync-status.ts";
import { listSyncMembers, memberHealth, type MemberHealth } from "./sync-members.ts";

/** Where a sync reads from, as the status API shows it. */
export interface ApiSyncSpec {
  /** The sync's key (`shop`, `flux-system/apps`). */
  name: string;
  /** Directory in the repository (`./clusters/eks`). */
  path: string;
  repository?: { name: string; url: string; ref: Record<string, string> };
}

/** One sync in the API's answers. */
export type ApiSync = { name: string; suspended: boolean; path?: string; repository?: ApiSyncSpec["repository"] } & Partial<SyncStatus>;

/** One sync with the live health of its members (`GET /api/v1/syncs/<name>`). */
export type ApiSyncDetail = ApiSync & { health: MemberHealth[] };

/** Options for {@link createStatusApi}. */
export interface StatusApiOptions {
  store: StatusStore;
  client: KubeClient;
  /** Bearer token the requests must carry. Undefined or empty: the API is off. */
  token: string | undefined;
  /** The syncs the agent runs now (configuration and git), for `path` and `source`. */
  specs(): readonly ApiSyncSpec[];
  log: Logger;
  /** At most one "refused" line per this interval, ms. Default 60000. */
  refusedLogIntervalMs?: number;
}

/** Handles a request when it is the API's (resolves true), else resolves false and leaves it alone. */
export type RequestHandler = (req: http.IncomingMessage, res: http.ServerResponse) => Promise<boolean>;

/** The API's path prefix. */
export const apiPrefix = "/api/v1/";

const digest = (s: string): Buffer => createHash("sha256").update(s).digest();

/** Whether an `Authorization` header carries `want` as a bearer token; constant time in the token. */
export function bearerMatches(header: string | undefined, want: string): boolean {
  const m = /^Bearer[ ]+(\S+)\s*$/i.exec(header ?? "");
  const given = m?.[1] ?? "";
  // Always compare, so a missing header takes as long as a wrong one.
  const same = timingSafeEqual(digest(given), digest(want));
  return m !== null && same;
}

/** The API entry of a parent, with its spec when known. Pure. */
export function apiSync(view: ParentView, spec: ApiSyncSpec | undefined): ApiSync {
  return {
    name: view.sync,
    suspended: view.suspended || view.status?.suspended === true,
    ...view.status,
    ...(spec ? { path: spec.path, ...(spec.repository ? { repository: spec.repository } : {}) } : {}),
  };
}

function json(res: http.ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
  const text = JSON.stringify(body, null, 2) + "\n";
  res.writeHead(status, { "Content-Type": "application/json; charset=utf-8", "Content-Length": Buffer.byteLength(text), "Cache-Control": "no-store", ...extra });
  res.end(text);
}

/** Creates the API's request handler. */
export function createStatusApi(options: StatusApiOptions): RequestHandler {
  const { store, client, log } = options;
  const interval = options.refusedLogIntervalMs ?? 60_000;
  let lastRefusal = -Infinity;
  let suppressed = 0;
  const refused = (): void => {
    const t = Date.now();
    if (t - lastRefusal < interval) {
      suppressed++;
      return;
    }
    log.warn(`status API refused: missing or wrong bearer token${suppressed ? ` (${suppressed} more refused since the last report)` : ""}`);
    lastRefusal = t;
    suppressed = 0;
  };
  const specOf = (name: string): ApiSyncSpec | undefined => options.specs().find((s) => s.name === name);

  return async (req, res) => {
    const url = new URL(req.url ?? "/", "http://agent");
    if (!url.pathname.startsWith(apiPrefix) && url.pathname !== apiPrefix.slice(0, -1)) return false;
    if (!options.token) {
      json(res, 404, { error: "the status API is off: set SLIPWAY_API_TOKEN in the agent's environment" });
      return true;
    }
    if (!bearerMatches(req.headers.authorization, options.token)) {
      refused();
      json(res, 401, { error: "unauthorized: give Authorization: Bearer <SLIPWAY_API_TOKEN>" }, { "WWW-Authenticate": 'Bearer realm="slipway"' });
      return true;
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      json(res, 405, { error: "the status API is read-only: use GET" }, { Allow: "GET, HEAD" });
      return true;
    }
    const rest = url.pathname.slice(apiPrefix.length);
    const signal = AbortSignal.timeout(30_000);
    try {
      if (rest === "syncs" || rest === "syncs/") {
        const views = await store.list(signal);
        json(res, 200, { syncs: views.map((v) => apiSync(v, specOf(v.sync))) });
        return true;
      }
      if (rest.startsWith("syncs/")) {
        let name: string;
        try {
          name = decodeURIComponent(rest.slice("syncs/".length)).replace(/\/+$/, "");
        } catch {
          json(res, 400, { error: "malformed percent-encoding in the path" });
          return true;
        }
        const view = /^[a-z0-9][a-z0-9.-]*(\/[a-z0-9][a-z0-9.-]*)?$/.test(name) ? await store.get(name, signal) : undefined;
        if (!view) {
          json(res, 404, { error: `sync ${name}: not found` });
          return true;
        }
        const members = await listSyncMembers(client, name, store.namespace, signal);
        const detail: ApiSyncDetail = { ...apiSync(view, specOf(name)), health: memberHealth(members) };
        json(res, 200, detail);
        return true;
      }
      json(res, 404, { error: `${url.pathname}: not found (GET ${apiPrefix}syncs or ${apiPrefix}syncs/<name>)` });
    } catch (err) {
      log.error(`status API ${url.pathname}: ${errorMessage(err)}`);
      if (!res.headersSent) json(res, 502, { error: `cannot read the status from the API server: ${errorMessage(err)}` });
    }
    return true;
  };
}

/** The API's view of the syncs and sources an agent runs: path and source (name, URL, ref) per sync key. Pure. */
export function apiSpecs(specs: { syncs: readonly { name: string; path: string; sourceRef: string }[]; sources: readonly { name: string; url: string; ref: object }[] }): ApiSyncSpec[] {
  return specs.syncs.map((s) => {
    const src = specs.sources.find((x) => x.name === s.sourceRef);
    const ref = Object.fromEntries(Object.entries(src?.ref ?? {}).filter((e): e is [string, string] => typeof e[1] === "string"));
    return { name: s.name, path: s.path, ...(src ? { repository: { name: src.name, url: src.url, ref } } : {}) };
  });
}
