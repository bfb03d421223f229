/**
 * Small HTTP(S) GET used by readiness and health checks, with optional client certificate and
 * a short timeout, so that a check never hangs.
 */
import http from "node:http";
import https from "node:https";
import { readFileSync } from "node:fs";

/** Options for {@link httpProbe}. */
export interface ProbeOptions {
  /** CA file that signs the server certificate. Default: the certificate is not verified. */
  caFile?: string;
  /** Client certificate and key files. */
  certFile?: string;
  keyFile?: string;
  /** Request headers. */
  headers?: Record<string, string>;
  /** Default 3000 ms. */
  timeoutMs?: number;
  /** Unix socket to connect to instead of the URL's host (the URL's path is still used). */
  socketPath?: string;
}

/** What a probe saw. */
export interface ProbeResult {
  status: number;
  body: string;
  headers: http.IncomingHttpHeaders;
}

/** GETs `url` and resolves with status, headers and body; rejects on connection errors and timeouts. */
export function httpProbe(url: string, options: ProbeOptions = {}): Promise<ProbeResult> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const common = { method: "GET", headers: options.headers, timeout: options.timeoutMs ?? 3000, socketPath: options.socketPath };
    const onResponse = (res: http.IncomingMessage): void => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8"), headers: res.headers }));
      res.on("error", reject);
    };
    const req =
      u.protocol === "https:"
        ? https.request(
            u,
            {
              ...common,
              ca: options.caFile ? readFileSync(options.caFile) : undefined,
              cert: options.certFile ? readFileSync(options.certFile) : undefined,
              key: options.keyFile ? readFileSync(options.keyFile) : undefined,
              rejectUnauthorized: options.caFile !== undefined,
            },
            onResponse,
          )
        : http.request(u, common, onResponse);
    req.on("timeout", () => req.destroy(new Error(`${url}: no answer within ${options.timeoutMs ?? 3000} ms`)));
    req.on("error", reject);
    req.end();
  });
}
