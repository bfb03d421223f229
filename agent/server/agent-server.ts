/**
 * The agent's probes and metrics server: `GET /metrics` (Prometheus), `GET /healthz` (the process
 * is alive), `GET /readyz` (configuration loaded, the API server reachable at the last check), and
 * whatever {@link AgentServerOptions.handle} answers (the status API). Webhooks are not served
 * here: they are the signed receivers on a port of their own (agent/receivers/receiver-server.ts),
 * so that this port never needs to be exposed. A malformed request target answers 400 and closes
 * the connection; anything else unknown 404.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { SlipwayError } from "../../core/errors.ts";
import type { Logger } from "../../core/log.ts";

/** What the server needs from the agent. */
export interface ServerHandlers {
  /** The Prometheus exposition and its content type. */
  metrics(): Promise<{ contentType: string; body: string }>;
  /** Undefined when ready, else why not. */
  notReady(): string | undefined;
}

/** Options for {@link startAgentServer}. */
export interface AgentServerOptions {
  /** `[host]:port`; an empty host means every interface. Port 0 picks a free port. */
  listen: string;
  handlers: ServerHandlers;
  log: Logger;
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

/** Starts listening; resolves once the port is bound. */
export async function startAgentServer(options: AgentServerOptions): Promise<AgentServer> {
  const { handlers, log } = options;
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
