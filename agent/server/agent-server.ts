/**
 * The agent's HTTP server: `GET /metrics` (Prometheus), `GET /healthz` (the process is alive),
 * `GET /readyz` (configuration loaded, the API server reachable at the last check), and, only
 * when a `hook` handler is given, `POST /hook/<source>` with a shared token in `X-Slipway-Token`.
 * The agent itself no longer mounts the hook here: its webhooks are the signed receivers on a
 * port of their own (agent/receivers/receiver-server.ts).
 *
 * Hostile requests get a 4xx, never a 500 or a reset: a path with malformed percent-encoding
 * 400, a body above {@link AgentServerOptions.maxBodyBytes} 413 (refused from Content-Length
 * before it is read). Refused tokens are logged once per interval with a count, so a flood of
 * bad requests cannot flood the log.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { SlipwayError } from "../../core/errors.ts";
import type { Logger } from "../../core/log.ts";
import { hookTokenHeader } from "../../core/well-known.ts";
import { readBoundedBody } from "./read-bounded-body.ts";
import { safeEqual } from "../receivers/verify-call.ts";

/** What the server needs from the agent. */
export interface ServerHandlers {
  /** The Prometheus exposition and its content type. */
  metrics(): Promise<{ contentType: string; body: string }>;
  /** Undefined when ready, else why not. */
  notReady(): string | undefined;
  /** Asks for an immediate fetch of `source`; returns false when there is no such source. Absent: no `/hook` route. */
  hook?(source: string, revision: string | undefined): boolean;
}

/** Options for {@link startAgentServer}. */
export interface AgentServerOptions {
  /** `[host]:port`; an empty host means every interface. Port 0 picks a free port. */
  listen: string;
  handlers: ServerHandlers;
  /** Shared secret the hook requires in `X-Slipway-Token`. Default: none (open hook). */
  hookToken?: string;
  log: Logger;
  /** Largest hook body accepted, bytes. Default 65536. */
  maxBodyBytes?: number;
  /** At most one "webhook refused" line per this interval, ms. Default 60000. */
  refusedLogIntervalMs?: number;
  /** Clock, for tests. Default Date.now. */
  now?: () => number;
  /** Asked first for every request; resolves true when it answered (the status API, agent/api). */
  handle?: (req: http.IncomingMessage, res: http.ServerResponse) => Promise<boolean>;
}

/** A running server. */
export interface AgentServer {
  /** The bound port. */
  readonly port: number;
  close(): Promise<void>;
}

/** Splits `[host]:port` into host and port. Pure. */
export function parseListen(listen: string): { host: string | undefined; port: number } {
  const m = /^(?:\[([0-9a-f:.]+)\]|([\w.-]*)):(\d{1,5})$/i.exec(listen);
  if (!m) throw new SlipwayError(`listen ${listen}`, "is not an address such as :8080 or 127.0.0.1:8080");
  return { host: m[1] ?? (m[2] || undefined), port: Number(m[3]) };
}

/** A request refused with a 4xx status and a one-line reason. */
class RequestRefused extends Error {
  readonly status: number;

  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/** Logs the first refusal of an interval, and how many were not logged since. */
function refusalLog(log: Logger, intervalMs: number, now: () => number): (source: string) => void {
  let last = -Infinity;
  let suppressed = 0;
  return (source) => {
    const t = now();
    if (t - last < intervalMs) {
      suppressed++;
      return;
    }
    const more = suppressed > 0 ? ` (${suppressed} more refused since the last report)` : "";
    log.warn(`webhook refused: missing or wrong X-Slipway-Token${more}`, { source });
    last = t;
    suppressed = 0;
  };
}

/** Starts listening; resolves once the port is bound. */
export async function startAgentServer(options: AgentServerOptions): Promise<AgentServer> {
  const { handlers, log } = options;
  const maxBody = options.maxBodyBytes ?? 64 * 1024;
  const refused = refusalLog(log, options.refusedLogIntervalMs ?? 60_000, options.now ?? Date.now);
  if (handlers.hook && !options.hookToken) log.warn("webhook receivers have no token: anyone who reaches the agent can trigger fetches (set SLIPWAY_HOOK_TOKEN)");
  const send = (res: http.ServerResponse, status: number, body: string, type = "text/plain; charset=utf-8", close = false): void => {
    res.writeHead(status, { "Content-Type": type, "Content-Length": Buffer.byteLength(body), ...(close ? { Connection: "close" } : {}) });
    res.end(body);
  };
  const server = http.createServer((req, res) => {
    let url: URL;
    try {
      url = new URL(req.url ?? "/", "http://agent");
    } catch {
      return send(res, 400, "malformed request target\n", undefined, true);
    }
    void (async () => {
      try {
        if (options.handle && (await options.handle(req, res))) return;
        if (req.method === "GET" && url.pathname === "/metrics") {
          const m = await handlers.metrics();
          send(res, 200, m.body, m.contentType);
        } else if (req.method === "GET" && url.pathname === "/healthz") {
          send(res, 200, "ok\n");
        } else if (req.method === "GET" && url.pathname === "/readyz") {
          const why = handlers.notReady();
          send(res, why ? 503 : 200, why ? `not ready: ${why}\n` : "ok\n");
        } else if (handlers.hook && url.pathname.startsWith("/hook/")) {
          if (req.method !== "POST") return send(res, 405, "use POST\n");
          let source: string;
          try {
            source = decodeURIComponent(url.pathname.slice("/hook/".length));
          } catch {
            return send(res, 400, "malformed percent-encoding in the path\n");
          }
          if (options.hookToken && !safeEqual((req.headers[hookTokenHeader] as string | undefined) ?? "", options.hookToken)) {
            refused(source);
            return send(res, 401, "unauthorized\n");
          }
          const text = (await readBoundedBody(req, maxBody, () => new RequestRefused(413, `body larger than ${maxBody} bytes`))).toString("utf8");
          let revision: string | undefined;
          if (text.trim()) {
            let parsed: unknown;
            try {
              parsed = JSON.parse(text);
            } catch {
              return send(res, 400, 'body must be JSON: {"revision": "..."}\n');
            }
            const r = (parsed as Record<string, unknown> | null)?.revision;
            if (r !== undefined && typeof r !== "string") return send(res, 400, "revision must be a string\n");
            revision = r;
          }
          if (!handlers.hook(source, revision)) return send(res, 404, `no source named "${source}"\n`);
          log.info("webhook: fetching source now", { source, revision });
          send(res, 202, JSON.stringify({ source, accepted: true, ...(revision ? { revision } : {}) }) + "\n", "application/json");
        } else send(res, 404, "not found\n");
      } catch (err) {
        if (err instanceof RequestRefused) {
          // The client gets the status, then the connection is closed.
          if (!res.headersSent) send(res, err.status, `${err.message}\n`, undefined, true);
          return;
        }
        log.error(`http ${req.method} ${url.pathname}: ${err instanceof Error ? err.message : String(err)}`);
        if (!res.headersSent) send(res, 500, "internal error\n");
      }
    })();
  });
  const { host, port } = parseListen(options.listen);
  await new Promise<void>((resolve, reject) => {
    server.once("error", (err) => reject(new SlipwayError(`listen ${options.listen}`, err.message, { cause: err })));
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
