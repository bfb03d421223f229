/**
 * Misbehaving HTTP servers on 127.0.0.1 for the hardening tests: each records what it was sent
 * (so a test can prove a credential never reached it) and is stopped by the test through the
 * handle it returns. Kinds: a server that echoes the Authorization header back in a 401/500 body,
 * one that redirects every request to another origin, one that accepts connections and never
 * answers, and one that answers 500 with a body.
 */
import http from "node:http";
import net from "node:net";
import type { AddressInfo } from "node:net";

/** A request as a misbehaving server saw it. */
export interface SeenRequest {
  method: string;
  url: string;
  authorization?: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A running server: its base URL, what it saw, and how to stop it. */
export interface MisbehavingServer {
  url: string;
  port: number;
  seen: SeenRequest[];
  /** Connections accepted (for silent servers, which see no complete request). */
  connections(): number;
  close(): Promise<void>;
}

/** What a server does with one request. */
export type Behaviour = (req: SeenRequest, res: http.ServerResponse) => void;

/** Starts an HTTP server on 127.0.0.1 with a kernel-chosen port. */
export async function startServer(behaviour: Behaviour): Promise<MisbehavingServer> {
  const seen: SeenRequest[] = [];
  let connections = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const r: SeenRequest = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString() };
      if (req.headers.authorization !== undefined) r.authorization = req.headers.authorization;
      seen.push(r);
      behaviour(r, res);
    });
  });
  server.on("connection", () => connections++);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    seen,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Asks for Basic credentials, then answers 500 with a text body that echoes the Authorization header. */
export const echoCredentials: Behaviour = (req, res) => {
  if (!req.authorization) {
    res.writeHead(401, { "WWW-Authenticate": 'Basic realm="echo"', "Content-Type": "text/plain" });
    res.end("who are you?\n");
    return;
  }
  res.writeHead(500, { "Content-Type": "text/plain" });
  res.end(`server error; you sent Authorization: ${req.authorization}\n`);
};

/** Redirects every request to the same path on `target`. */
export function redirectTo(target: string): Behaviour {
  return (req, res) => {
    res.writeHead(302, { Location: `${target}${req.url}` });
    res.end();
  };
}

/** Answers 500 with a body. */
export const fail500: Behaviour = (_req, res) => {
  res.writeHead(500, { "Content-Type": "text/plain" });
  res.end("internal trouble\n");
};

/** A TCP server that accepts connections and never writes a byte (a silent git or HTTP server). */
export async function startSilentServer(): Promise<MisbehavingServer> {
  const sockets = new Set<net.Socket>();
  let connections = 0;
  const server = net.createServer((s) => {
    connections++;
    sockets.add(s);
    s.on("error", () => {});
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    seen: [],
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
