/**
 * A raw Kubernetes API client. Requests go out through Node's own http/https with a keep-alive
 * agent and bounded concurrency; bodies are sent byte for byte as given (the typed client library
 * re-serializes objects through its models and drops fields it does not know, and under forced
 * server-side apply a dropped field is a deleted field). Discovery is cached per apiVersion and
 * refreshed once on a miss, so a kind whose CRD was applied a moment ago is found.
 */
import http from "node:http";
import http2 from "node:http2";
import https from "node:https";
import tls from "node:tls";
import { SlipwayError, throwIfAborted } from "../../core/errors.ts";
import { retry, sleep } from "../../core/retry.ts";
import { VERSION } from "../../core/version.ts";
import { KubeApiError, kubeApiErrorFrom } from "./kube-api-error.ts";
import { loadKubeCredentials, type KubeCredentials } from "./kube-credentials.ts";
import { createLimiter, type Limiter } from "./limiter.ts";
import { discoveryPath, parseResourceList, resourcePath, type ResourceMapping } from "./resource-mapping.ts";
import { UnknownKindError } from "./unknown-kind-error.ts";
import { WatchIdleError } from "./watch-idle-error.ts";

export type { ResourceMapping } from "./resource-mapping.ts";

/** One API request. */
export interface KubeRequest {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** URL path below the server, e.g. `/apis/apps/v1/namespaces/x/deployments/y`. */
  path: string;
  /** Query parameters; undefined values are left out. */
  query?: Record<string, string | undefined>;
  /** Request body, sent verbatim. */
  body?: string;
  /** Body content type. Default `application/json` when a body is given. */
  contentType?: string;
  /** Accept header. Default `application/json`. */
  accept?: string;
  /** Return `{ status: 404, body }` instead of throwing when the object does not exist. Default false. */
  allowNotFound?: boolean;
  signal?: AbortSignal;
}

/** A successful answer (or a 404 with `allowNotFound`). JSON bodies are parsed; others are strings. */
export interface KubeResponse<T> {
  status: number;
  body: T;
}

/** The operations the agent needs from the API server. */
export interface KubeClient {
  /** The server base URL, for messages. */
  readonly server: string;
  /**
   * Sends one request. Throws {@link KubeApiError} (status, reason and message of the server's
   * Status object) on a non-2xx answer, except a 404 when `allowNotFound` is set. Transient
   * failures (connection errors, 429, 5xx) are retried with backoff for every method but POST.
   */
  request<T = unknown>(req: KubeRequest): Promise<KubeResponse<T>>;
  /** Where `apiVersion` + `kind` is served; throws {@link UnknownKindError} when the server does not know it. */
  resource(apiVersion: string, kind: string, signal?: AbortSignal): Promise<ResourceMapping>;
  /** The URL path of a collection (no name) or of one object; the namespace is ignored for cluster-scoped kinds. */
  objectPath(mapping: ResourceMapping, namespace?: string, name?: string): string;
  /**
   * A client that acts as `user` (Impersonate-User), sharing connections and discovery. For a
   * ServiceAccount pass `system:serviceaccount:<namespace>:<name>`.
   */
  impersonate(user: string): KubeClient;
  /** Closes the connections this client shares with its impersonating copies (call once, at shutdown). */
  close(): void;
  /**
   * Requests sent so far by this client and its impersonating copies (every attempt of a retried
   * request counts). Present on clients made by {@link createKubeClient}; wrappers may leave it out.
   */
  readonly counters?: RequestCounters;
  /**
   * Opens a watch (`GET path?watch=true…`) and calls `onEvent` with each event as it arrives.
   * Resolves when the server ends the stream; rejects with {@link KubeApiError} on a non-2xx
   * answer (410 Gone included) or a broken connection, and with {@link WatchIdleError} when no
   * byte arrives for `idleTimeoutMs` (the connection is then destroyed). Not retried: the caller
   * resumes. Present on clients made by {@link createKubeClient}; wrappers may leave it out.
   */
  watch?(req: WatchRequest, onEvent: (event: WatchEvent) => void): Promise<void>;
}

/** One watch stream. */
export interface WatchRequest {
  /** Collection path, e.g. `/api/v1/namespaces/x/configmaps`. */
  path: string;
  labelSelector?: string;
  /** Resume after this resourceVersion. */
  resourceVersion?: string;
  /** Server-side end of the stream, in seconds. Default 300. */
  timeoutSeconds?: number;
  /** A stream silent for this long is treated as hung and ended with an error, in ms. Default 90000 (bookmarks arrive about once a minute). */
  idleTimeoutMs?: number;
  signal?: AbortSignal;
}

/** One watch event as the API server sends it. */
export interface WatchEvent {
  type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";
  /** The object; for ERROR a Status (its `code` is 410 when the resourceVersion is too old). */
  object: { apiVersion?: string; kind?: string; metadata?: { resourceVersion?: string; [field: string]: unknown }; code?: number; [field: string]: unknown };
}

/** Running totals of the requests a client sent, for tests and benchmarks. */
export interface RequestCounters {
  /** Every request attempt. */
  total: number;
  /** Attempts by HTTP method. */
  byMethod: Record<KubeRequest["method"], number>;
  /** PATCHes sent with `dryRun` (server-side dry-runs), also counted under PATCH. */
  dryRun: number;
  /** GETs with `watch=true`, also counted under GET. */
  watches: number;
}

/** A fresh set of zeroed {@link RequestCounters}. */
export function emptyCounters(): RequestCounters {
  return { total: 0, byMethod: { GET: 0, POST: 0, PUT: 0, PATCH: 0, DELETE: 0 }, dryRun: 0, watches: 0 };
}

/** The difference `after - before` of two counter snapshots (take a snapshot with `structuredClone`). */
export function countersSince(before: RequestCounters, after: RequestCounters): RequestCounters {
  const out = emptyCounters();
  out.total = after.total - before.total;
  out.dryRun = after.dryRun - before.dryRun;
  out.watches = after.watches - before.watches;
  for (const m of Object.keys(out.byMethod) as KubeRequest["method"][]) out.byMethod[m] = after.byMethod[m] - before.byMethod[m];
  return out;
}

/** Options for {@link createKubeClient}. */
export interface KubeClientOptions {
  /** Kubeconfig file. Default `$KUBECONFIG`, else `~/.kube/config`, else in-cluster. */
  kubeconfig?: string;
  /** Kubeconfig context. Default: its current-context. */
  context?: string;
  /** Use the pod's service account. Default false (true when no kubeconfig exists in a pod). */
  inCluster?: boolean;
  /** User-Agent header. Default `slipway/<version>`. */
  userAgent?: string;
  /** Requests in flight at once, across the client and its impersonating copies. Default 16. */
  maxConcurrent?: number;
  /** Time limit of one request attempt, in ms. Default 30000. */
  requestTimeoutMs?: number;
  /** Attempts for a transient failure (connection error, 429, 5xx). Default 4. */
  attempts?: number;
}

interface Shared {
  creds: KubeCredentials;
  agent: http.Agent;
  limit: Limiter;
  userAgent: string;
  timeoutMs: number;
  attempts: number;
  discovery: Map<string, Promise<Map<string, ResourceMapping> | undefined>>;
  counters: RequestCounters;
  /** Connections of watches over HTTP/1.1 (a plain `http:` server, or one without HTTP/2), kept apart from the request pool. */
  watchAgent: http.Agent;
  /**
   * How watches reach an `https:` server: every stream on one HTTP/2 connection, unless the
   * server turned HTTP/2 down (`http1`, set once it did: a proxy or gateway that speaks only
   * HTTP/1.1), after which each watch has a connection of its own as before.
   */
  watchTls?: { secureContext: tls.SecureContext; rejectUnauthorized: boolean; servername?: string; http1?: boolean };
  /** The HTTP/2 connection the watches share, while it is open. */
  watchSession?: http2.ClientHttp2Session;
}

/** Loads credentials and returns a client for the API server they name. */
export async function createKubeClient(options: KubeClientOptions = {}): Promise<KubeClient> {
  const creds = await loadKubeCredentials(options);
  const maxConcurrent = options.maxConcurrent ?? 16;
  // One TLS context for every connection: given ca, cert and key, Node would build a context of
  // its own for each socket (its CA store and key parsed again), which with a watch per kind and
  // namespace of every sync was most of the agent's memory.
  const secureContext = creds.server.startsWith("https:") ? tls.createSecureContext({ ca: creds.tls.ca, cert: creds.tls.cert, key: creds.tls.key }) : undefined;
  const agentOptions: https.AgentOptions = {
    keepAlive: true,
    maxSockets: maxConcurrent,
    maxFreeSockets: maxConcurrent,
    ...(secureContext ? { secureContext } : {}),
    rejectUnauthorized: creds.tls.rejectUnauthorized,
    servername: creds.tls.servername,
  };
  const agent = creds.server.startsWith("http:") ? new http.Agent(agentOptions) : new https.Agent(agentOptions);
  const shared: Shared = {
    creds,
    agent,
    limit: createLimiter(maxConcurrent),
    userAgent: options.userAgent ?? `slipway/${VERSION}`,
    timeoutMs: options.requestTimeoutMs ?? 30_000,
    attempts: options.attempts ?? 4,
    discovery: new Map(),
    counters: emptyCounters(),
    watchAgent: creds.server.startsWith("http:") ? new http.Agent({ ...agentOptions, maxSockets: Infinity, maxFreeSockets: 4 }) : new https.Agent({ ...agentOptions, maxSockets: Infinity, maxFreeSockets: 4 }),
    ...(secureContext ? { watchTls: { secureContext, rejectUnauthorized: creds.tls.rejectUnauthorized, ...(creds.tls.servername ? { servername: creds.tls.servername } : {}) } } : {}),
  };
  return makeClient(shared, {});
}

function makeClient(shared: Shared, extraHeaders: Record<string, string>): KubeClient {
  const request = async <T>(req: KubeRequest): Promise<KubeResponse<T>> => {
    const subject = `${req.method} ${req.path}`;
    return retry(
      async () => {
        try {
          return await shared.limit(() => send<T>(shared, req, extraHeaders, subject));
        } catch (err) {
          // 429 Too Many Requests (API priority and fairness) says how long to wait: honour it,
          // up to 10 s, on top of the backoff.
          if (err instanceof KubeApiError && err.status === 429 && err.retryAfterSeconds) await sleep(Math.min(err.retryAfterSeconds, 10) * 1000, req.signal);
          throw err;
        }
      },
      {
        attempts: req.method === "POST" ? 1 : shared.attempts,
        signal: req.signal,
        retryable: (err) => !req.signal?.aborted && isTransient(err),
      },
    );
  };

  const loadGroupVersion = (apiVersion: string, signal?: AbortSignal): Promise<Map<string, ResourceMapping> | undefined> => {
    const p = request<unknown>({ method: "GET", path: discoveryPath(apiVersion), allowNotFound: true, signal }).then((res) =>
      res.status === 404 ? undefined : parseResourceList(apiVersion, res.body),
    );
    shared.discovery.set(apiVersion, p);
    p.catch(() => shared.discovery.delete(apiVersion));
    return p;
  };

  const client: KubeClient = {
    server: shared.creds.server,
    request,
    async resource(apiVersion, kind, signal) {
      const cached = shared.discovery.get(apiVersion);
      let kinds = cached ? await cached : undefined;
      let found = kinds?.get(kind);
      if (found) return found;
      // A miss: the kind may be new (a CRD applied a moment ago). Refresh once; concurrent
      // misses share the refresh that is already under way.
      const current = shared.discovery.get(apiVersion);
      kinds = current && current !== cached ? await current : await loadGroupVersion(apiVersion, signal);
      found = kinds?.get(kind);
      if (!found) throw new UnknownKindError(apiVersion, kind);
      return found;
    },
    objectPath: resourcePath,
    impersonate(user) {
      return makeClient(shared, { ...extraHeaders, "Impersonate-User": user });
    },
    close() {
      shared.agent.destroy();
      shared.watchAgent.destroy();
      shared.watchSession?.destroy();
    },
    counters: shared.counters,
    watch(req, onEvent) {
      return openWatch(shared, req, extraHeaders, onEvent);
    },
  };
  return client;
}

function isTransient(err: unknown): boolean {
  if (err instanceof KubeApiError) return err.status === 0 || err.status === 429 || err.status >= 500;
  return false;
}

/** Counts one request attempt. */
function count(counters: RequestCounters, req: KubeRequest): void {
  counters.total++;
  counters.byMethod[req.method]++;
  if (req.method === "PATCH" && req.query?.dryRun) counters.dryRun++;
  if (req.method === "GET" && req.query?.watch === "true") counters.watches++;
}

async function send<T>(shared: Shared, req: KubeRequest, extraHeaders: Record<string, string>, subject: string): Promise<KubeResponse<T>> {
  throwIfAborted(req.signal);
  count(shared.counters, req);
  const url = new URL(shared.creds.server + req.path);
  for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) url.searchParams.set(k, v);
  const headers: Record<string, string> = {
    ...(await shared.creds.headers(req.signal)),
    ...extraHeaders,
    Accept: req.accept ?? "application/json",
    "User-Agent": shared.userAgent,
  };
  let body: Buffer | undefined;
  if (req.body !== undefined) {
    body = Buffer.from(req.body, "utf8");
    headers["Content-Type"] = req.contentType ?? "application/json";
    headers["Content-Length"] = String(body.length);
  }
  const signal = req.signal ? AbortSignal.any([req.signal, AbortSignal.timeout(shared.timeoutMs)]) : AbortSignal.timeout(shared.timeoutMs);
  const lib = url.protocol === "http:" ? http : https;
  const { status, contentType, text, retryAfter } = await new Promise<{ status: number; contentType: string; text: string; retryAfter: string }>((resolve, reject) => {
    const r = lib.request(url, { method: req.method, headers, agent: shared.agent, signal }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("error", reject);
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          contentType: String(res.headers["content-type"] ?? ""),
          text: Buffer.concat(chunks).toString("utf8"),
          retryAfter: String(res.headers["retry-after"] ?? ""),
        }),
      );
    });
    r.on("error", (cause: Error) => {
      if (req.signal?.aborted) reject(req.signal.reason);
      else reject(new KubeApiError(subject, { status: 0, reason: "", message: `cannot reach ${shared.creds.server}: ${cause.message}` }, { cause }));
    });
    r.end(body);
  });
  if (status === 404 && req.allowNotFound) return { status, body: parseBody(text, contentType, subject) as T };
  if (status < 200 || status > 299) {
    const err = kubeApiErrorFrom(subject, status, text);
    const seconds = Number(retryAfter);
    if (retryAfter !== "" && Number.isFinite(seconds) && seconds > 0) err.retryAfterSeconds = seconds;
    throw err;
  }
  return { status, body: parseBody(text, contentType, subject) as T };
}

function parseBody(text: string, contentType: string, subject: string): unknown {
  if (contentType.includes("json") && text !== "") {
    try {
      return JSON.parse(text);
    } catch (cause) {
      throw new SlipwayError(subject, "the API server answered with invalid JSON", { cause });
    }
  }
  return text;
}

/** The stream of one watch; see {@link KubeClient.watch}. */
async function openWatch(shared: Shared, req: WatchRequest, extraHeaders: Record<string, string>, onEvent: (event: WatchEvent) => void): Promise<void> {
  throwIfAborted(req.signal);
  const query: Record<string, string | undefined> = {
    watch: "true",
    allowWatchBookmarks: "true",
    timeoutSeconds: String(req.timeoutSeconds ?? 300),
    labelSelector: req.labelSelector,
    resourceVersion: req.resourceVersion,
  };
  const counted: KubeRequest = { method: "GET", path: req.path, query };
  count(shared.counters, counted);
  const subject = `WATCH ${req.path}`;
  const url = new URL(shared.creds.server + req.path);
  for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, v);
  const headers: Record<string, string> = { ...(await shared.creds.headers(req.signal)), ...extraHeaders, Accept: "application/json", "User-Agent": shared.userAgent };
  const idleMs = req.idleTimeoutMs ?? 90_000;
  const local = new AbortController();
  const signal = req.signal ? AbortSignal.any([req.signal, local.signal]) : local.signal;
  await new Promise<void>((resolve, reject) => {
    let idle: NodeJS.Timeout | undefined;
    let answered = false;
    let stop: () => void = () => undefined;
    const arm = (): void => {
      clearTimeout(idle);
      idle = setTimeout(() => local.abort(new WatchIdleError(subject, idleMs, answered)), idleMs);
    };
    const fail = (err: unknown): void => {
      clearTimeout(idle);
      reject(err);
    };
    const broken = (cause: Error): void => fail(signal.aborted ? signal.reason : new KubeApiError(subject, { status: 0, reason: "", message: `stream broken: ${cause.message}` }, { cause }));
    const unreachable = (cause: Error): void => {
      if (signal.aborted) fail(signal.reason);
      else fail(new KubeApiError(subject, { status: 0, reason: "", message: `cannot reach ${shared.creds.server}: ${cause.message}` }, { cause }));
    };
    /** Reads the answer: its status, then one JSON event per line until the server ends it. */
    const answer = (status: number, body: NodeJS.ReadableStream): void => {
      answered = true;
      arm();
      if (status < 200 || status > 299) {
        const chunks: Buffer[] = [];
        body.on("data", (c: Buffer) => chunks.push(c));
        body.on("end", () => fail(kubeApiErrorFrom(subject, status, Buffer.concat(chunks).toString("utf8"))));
        body.on("error", fail);
        return;
      }
      let buffer = "";
      body.setEncoding("utf8");
      body.on("data", (chunk: string) => {
        arm();
        buffer += chunk;
        let nl: number;
        while ((nl = buffer.indexOf("\n")) >= 0) {
          const line = buffer.slice(0, nl).trim();
          buffer = buffer.slice(nl + 1);
          if (line === "") continue;
          try {
            onEvent(JSON.parse(line) as WatchEvent);
          } catch (err) {
            stop();
            fail(err instanceof SyntaxError ? new SlipwayError(subject, "the API server sent an event that is not JSON", { cause: err }) : err);
            return;
          }
        }
      });
      body.on("error", broken);
      body.on("end", () => {
        clearTimeout(idle);
        resolve();
      });
    };
    arm();
    if (shared.watchTls && !shared.watchTls.http1) {
      // Every watch of an https server is a stream on one HTTP/2 connection, as client-go's are:
      // a hundred syncs' watches cost one socket and one TLS session, not one each.
      const session = watchSession(shared, shared.watchTls);
      const h2Headers: http2.OutgoingHttpHeaders = { ":method": "GET", ":path": url.pathname + url.search };
      for (const [k, v] of Object.entries(headers)) h2Headers[k.toLowerCase()] = v;
      let stream: http2.ClientHttp2Stream;
      try {
        stream = session.request(h2Headers, { signal });
      } catch (err) {
        unreachable(err instanceof Error ? err : new Error(String(err)));
        return;
      }
      stop = () => stream.close(http2.constants.NGHTTP2_CANCEL);
      stream.on("response", (h) => answer(Number(h[":status"] ?? 0), stream));
      stream.on("error", (cause: Error) => {
        // A silent stream may be a dead connection under every watch: a new one is made for the next.
        if (signal.reason instanceof WatchIdleError && shared.watchSession === session) session.destroy();
        if (answered) broken(cause);
        else unreachable(cause);
      });
      // A stream can also end without an error of its own: its connection was destroyed under it
      // (another watch found it hung) or the server reset it. Whatever has not settled by then fails.
      stream.on("close", () => (answered ? broken(new Error("the connection closed")) : unreachable(new Error("the connection closed"))));
      stream.end();
      return;
    }
    // HTTP/1.1: a connection per watch, outside the request limiter.
    const r = (url.protocol === "http:" ? http : https).request(url, { method: "GET", headers, agent: shared.watchAgent, signal }, (res) => answer(res.statusCode ?? 0, res));
    stop = () => r.destroy();
    r.on("error", (cause: Error) => (answered ? broken(cause) : unreachable(cause)));
    r.end();
  });
}

/** The HTTP/2 connection the watches share: the open one, else a new one. */
function watchSession(shared: Shared, options: NonNullable<Shared["watchTls"]>): http2.ClientHttp2Session {
  const open = shared.watchSession;
  if (open && !open.closed && !open.destroyed) return open;
  const session = http2.connect(shared.creds.server, { secureContext: options.secureContext, rejectUnauthorized: options.rejectUnauthorized, ...(options.servername ? { servername: options.servername } : {}) });
  // Its failures reach every stream on it, which report them; the session only has to be let go.
  // A server that refuses HTTP/2 (no common ALPN protocol) gets HTTP/1.1 watches from then on.
  let connected = false;
  session.on("connect", () => {
    connected = true;
    if (session.alpnProtocol !== "h2") {
      options.http1 = true;
      session.destroy();
    }
  });
  session.on("error", (err: NodeJS.ErrnoException) => {
    if (!connected && err.code === "ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL") options.http1 = true;
  });
  const forget = (): void => {
    if (shared.watchSession === session) shared.watchSession = undefined;
  };
  session.on("close", forget);
  session.on("goaway", forget);
  // Open streams keep their own timers; an idle session does not keep the process alive.
  session.unref();
  shared.watchSession = session;
  return session;
}
