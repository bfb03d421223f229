/**
 * The agent's HTTP server: `GET /metrics` (Prometheus), `GET /healthz` (the process is alive),
 * `GET /readyz` (configuration loaded, the API server reachable at the last check), and
 * `POST /hook/<source>` — a poke from CI after a push, body `{"revision": "…"}` (optional), that
 * makes the agent fetch that source now. When a token is configured, the hook needs the header
 * `X-Slipway-Token: <token>` (compared in constant time).
 */
import http from "node:http";
import { timingSafeEqual } from "node:crypto";
import type { AddressInfo } from "node:net";
import { SlipwayError } from "../../core/errors.ts";
import type { Logger } from "../../core/log.ts";
import { hookTokenHeader } from "../../core/well-known.ts";

/** What the server needs from the agent. */
export interface ServerHandlers {
  /** The Prometheus exposition and its content type. */
  metrics(): Promise<{ contentType: string; body: string }>;
  /** Undefined when ready, else why not. */
  notReady(): string | undefined;
  /** Asks for an immediate fetch of `source`; returns false when there is no such source. */
  hook(source: string, revision: string | undefined): boolean;
}

/** Options for {@link startAgentServer}. */
export interface AgentServerOptions {
  /** `[host]:port`; an empty host means every interface. Port 0 picks a free port. */
  listen: string;
  handlers: ServerHandlers;
  /** Shared secret the hook requires in `X-Slipway-Token`. Default: none (open hook). */
  hookToken?: string;
  log: Logger;
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

function tokenMatches(given: string | undefined, want: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(want);
  return a.length === b.length && timingSafeEqual(a, b);
}

async function readBody(req: http.IncomingMessage, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > limit) throw new SlipwayError("request body", `larger than ${limit} bytes`);
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** Starts listening; resolves once the port is bound. */
export async function startAgentServer(options: AgentServerOptions): Promise<AgentServer> {
  const { handlers, log } = options;
  const send = (res: http.ServerResponse, status: number, body: string, type = "text/plain; charset=utf-8"): void => {
    res.writeHead(status, { "Content-Type": type, "Content-Length": Buffer.byteLength(body) });
    res.end(body);
  };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://agent");
    void (async () => {
      try {
        if (req.method === "GET" && url.pathname === "/metrics") {
          const m = await handlers.metrics();
          send(res, 200, m.body, m.contentType);
        } else if (req.method === "GET" && url.pathname === "/healthz") {
          send(res, 200, "ok\n");
        } else if (req.method === "GET" && url.pathname === "/readyz") {
          const why = handlers.notReady();
          send(res, why ? 503 : 200, why ? `not ready: ${why}\n` : "ok\n");
        } else if (url.pathname.startsWith("/hook/")) {
          if (req.method !== "POST") return send(res, 405, "use POST\n");
          const source = decodeURIComponent(url.pathname.slice("/hook/".length));
          if (options.hookToken && !tokenMatches(req.headers[hookTokenHeader] as string | undefined, options.hookToken)) {
            log.warn("webhook refused: missing or wrong X-Slipway-Token", { source });
            return send(res, 401, "unauthorized\n");
          }
          const text = await readBody(req, 64 * 1024);
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
