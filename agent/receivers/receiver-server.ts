/**
 * The webhook receivers' HTTP server, on a port of its own so that only it is exposed through an
 * Ingress: `POST /hook/<receiver>` verified as its kind says (verify-call.ts), then the matching
 * sources fetched at once. Each call passes, in order: the method (405), a per-client rate limit
 * (token bucket per remote address and receiver, 429 with Retry-After), the receiver's name (404),
 * the body cap (413, refused from Content-Length before it is read), the signature (401, or 403
 * for a replay or a stale timestamp), the payload (400). Answers carry no detail that helps an
 * attacker; refusals are logged at most once a minute with a count. Nothing is triggered by a call
 * that failed a check.
 *
 * Other routes can be mounted on the same port: {@link ReceiverServerOptions.routes} are tried in
 * order, before the 404, for any request that is not `/hook/...`.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { SlipwayError, errorMessage } from "../../core/errors.ts";
import type { Logger } from "../../core/log.ts";
import { parseListen } from "../server/agent-server.ts";
import type { ReceiverEndpoint } from "./receiver-config.ts";
import { verifyCall } from "./verify-call.ts";
import { readBoundedBody } from "../server/read-bounded-body.ts";

/** An extra route: answers and returns true, or returns false to let the next one try. */
export type ReceiverRoute = (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => boolean | Promise<boolean>;

/** A source a receiver may trigger. */
export interface TriggerTarget {
  name: string;
  /** The branch it follows, if it follows one. */
  branch?: string;
}

/** Options for {@link startReceiverServer}. */
export interface ReceiverServerOptions {
  listen: string;
  endpoints: readonly ReceiverEndpoint[];
  /** Secret of each non-open endpoint, by endpoint name. */
  secrets: ReadonlyMap<string, string>;
  /** The sources known now. */
  sources(): readonly TriggerTarget[];
  /** Fetches `source` now; false when it is unknown. */
  trigger(source: string, revision: string | undefined): boolean | Promise<boolean>;
  /** More routes on this port (e.g. a status API). Default none. */
  routes?: readonly ReceiverRoute[];
  log: Logger;
  /** Largest body accepted, bytes. Default 1 MiB. */
  maxBodyBytes?: number;
  /** Calls a client may burst, and refill per second, per receiver. Default 20 and 2. */
  rateLimit?: { burst: number; perSecond: number };
  /** How long a verified call's identity is remembered against replays, ms. Default 10 min. */
  replayWindowMs?: number;
  /** Clock, ms. Default Date.now. */
  now?: () => number;
}

/** A running receiver server. */
export interface ReceiverServer {
  readonly port: number;
  close(): Promise<void>;
}

/** Token buckets by key, bounded in number (the fullest are dropped first when over the cap). */
function rateLimiter(burst: number, perSecond: number, now: () => number, cap = 10_000) {
  const buckets = new Map<string, { tokens: number; at: number }>();
  return (key: string): number | undefined => {
    const t = now();
    const b = buckets.get(key) ?? { tokens: burst, at: t };
    b.tokens = Math.min(burst, b.tokens + ((t - b.at) / 1000) * perSecond);
    b.at = t;
    buckets.delete(key);
    buckets.set(key, b);
    if (buckets.size > cap) buckets.delete(buckets.keys().next().value ?? "");
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return undefined;
    }
    return Math.ceil((1 - b.tokens) / perSecond);
  };
}

/** Remembers keys for `windowMs` (at most `cap` of them, the oldest dropped first). */
function replayCache(windowMs: number, now: () => number, cap = 50_000) {
  const seen = new Map<string, number>();
  return {
    has(key: string): boolean {
      const at = seen.get(key);
      return at !== undefined && now() - at < windowMs;
    },
    add(key: string): void {
      seen.set(key, now());
      for (const [k, at] of seen) {
        if (seen.size <= cap && now() - at < windowMs) break;
        seen.delete(k);
      }
    },
  };
}

class Refused extends Error {
  readonly status: number;

  constructor(status: number) {
    super(String(status));
    this.status = status;
  }
}

const answers: Record<number, string> = { 400: "bad request\n", 401: "unauthorized\n", 403: "forbidden\n", 404: "not found\n", 405: "method not allowed\n", 413: "payload too large\n", 429: "too many requests\n" };

/** Starts the receivers; resolves once the port is bound. */
export async function startReceiverServer(options: ReceiverServerOptions): Promise<ReceiverServer> {
  const { log } = options;
  const now = options.now ?? Date.now;
  const maxBody = options.maxBodyBytes ?? 1024 * 1024;
  const limit = rateLimiter(options.rateLimit?.burst ?? 20, options.rateLimit?.perSecond ?? 2, now);
  const replays = replayCache(options.replayWindowMs ?? 10 * 60_000, now);
  const byName = new Map(options.endpoints.map((e) => [e.name, e]));
  for (const e of options.endpoints) {
    if (!e.open && !options.secrets.get(e.name)) throw new SlipwayError(`receivers ${e.name}`, "has no secret: refusing to start an unsigned receiver (set open: true to allow one)");
    if (e.open) log.warn(`receiver ${e.name} is open: anyone who reaches it can trigger fetches`, { receiver: e.name });
  }
  let lastRefusalLog = -Infinity;
  let refusedSince = 0;
  const refusedLog = (receiver: string, status: number, reason: string): void => {
    refusedSince++;
    if (now() - lastRefusalLog < 60_000) return;
    log.warn(`webhook refused (${status}): ${reason}${refusedSince > 1 ? ` (${refusedSince - 1} more refused since the last report)` : ""}`, { receiver });
    lastRefusalLog = now();
    refusedSince = 0;
  };
  const send = (res: http.ServerResponse, status: number, body?: string, extra: Record<string, string> = {}): void => {
    const text = body ?? answers[status] ?? "\n";
    res.writeHead(status, { "Content-Type": body?.startsWith("{") ? "application/json" : "text/plain; charset=utf-8", "Content-Length": Buffer.byteLength(text), ...extra });
    res.end(text);
  };

  const hook = async (req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> => {
    if (req.method !== "POST") return send(res, 405);
    let name: string;
    try {
      name = decodeURIComponent(url.pathname.slice("/hook/".length));
    } catch {
      return send(res, 404);
    }
    const wait = limit(`${req.socket.remoteAddress ?? ""}|${name}`);
    if (wait !== undefined) {
      req.resume();
      refusedLog(name, 429, "rate limit");
      return send(res, 429, undefined, { "Retry-After": String(wait), Connection: "close" });
    }
    const endpoint = byName.get(name);
    if (!endpoint) {
      req.resume();
      return send(res, 404);
    }
    const body = await readBoundedBody(req, maxBody, () => new Refused(413));
    const verdict = verifyCall(endpoint.type, endpoint.open ? undefined : options.secrets.get(name), req.headers, body, Math.floor(now() / 1000));
    if (!verdict.ok) {
      refusedLog(name, verdict.status, verdict.reason);
      return send(res, verdict.status);
    }
    if (verdict.replayKey && !endpoint.open) {
      if (replays.has(`${name}|${verdict.replayKey}`)) {
        refusedLog(name, 403, "replayed call");
        return send(res, 403);
      }
      replays.add(`${name}|${verdict.replayKey}`);
    }
    if (verdict.pong) return send(res, 200, JSON.stringify({ pong: true }) + "\n");
    if (verdict.ignore) return send(res, 200, JSON.stringify({ triggered: [], ignored: verdict.ignore }) + "\n");
    const allowed = endpoint.sources;
    let targets = options.sources().filter((s) => !allowed || allowed.includes(s.name));
    if (verdict.source !== undefined) {
      targets = targets.filter((s) => s.name === verdict.source);
      if (targets.length === 0) return send(res, 404);
    }
    if (verdict.branch !== undefined) targets = targets.filter((s) => s.branch === undefined || s.branch === verdict.branch);
    const triggered: string[] = [];
    for (const t of targets) if (await options.trigger(t.name, verdict.revision)) triggered.push(t.name);
    if (triggered.length > 0) log.info("webhook: fetching now", { receiver: name, sources: triggered.join(","), ...(verdict.revision ? { revision: verdict.revision } : {}) });
    send(res, triggered.length > 0 ? 202 : 200, JSON.stringify({ triggered }) + "\n");
  };

  const server = http.createServer((req, res) => {
    let url: URL;
    try {
      url = new URL(req.url ?? "/", "http://receivers");
    } catch {
      return send(res, 400, undefined, { Connection: "close" });
    }
    void (async () => {
      try {
        if (url.pathname.startsWith("/hook/")) return await hook(req, res, url);
        for (const route of options.routes ?? []) if (await route(req, res, url)) return;
        send(res, 404);
      } catch (err) {
        if (err instanceof Refused) {
          if (!res.headersSent) send(res, err.status, undefined, { Connection: "close" });
          return;
        }
        log.error(`receivers ${req.method} ${url.pathname}: ${errorMessage(err)}`);
        if (!res.headersSent) send(res, 500, "internal error\n");
      }
    })();
  });
  const { host, port } = parseListen(options.listen);
  await new Promise<void>((resolve, reject) => {
    server.once("error", (err) => reject(new SlipwayError(`receivers listen ${options.listen}`, err.message, { cause: err })));
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
