/**
 * The git-over-HTTP server of the test environment, run as its own process:
 * `node test/env/git-http-bridge.ts --port P --root DIR [--user U]` with the password in the
 * environment variable TESTENV_GIT_HTTP_PASSWORD (never on the command line).
 *
 * It hands each request to `git http-backend` (CGI) for the bare repositories under DIR:
 * `/git/<repo>.git/…` without authentication, `/auth/<repo>.git/…` behind HTTP basic auth.
 * Pushing is allowed on both. `/healthz` answers 200. Listens on 127.0.0.1 only.
 */
import { spawn } from "node:child_process";
import http from "node:http";
import { timingSafeEqual } from "node:crypto";
import { parseArgs } from "node:util";

/** Options of the bridge. */
export interface GitHttpBridgeOptions {
  /** Directory of the bare repositories. */
  root: string;
  /** Basic-auth user and password for `/auth/`. */
  user: string;
  password: string;
}

/** Whether an `Authorization` header carries exactly `user:password`. Pure. */
export function basicAuthMatches(header: string | undefined, user: string, password: string): boolean {
  const m = /^Basic\s+(.+)$/i.exec(header ?? "");
  if (!m?.[1]) return false;
  const given = Buffer.from(m[1], "base64");
  const wanted = Buffer.from(`${user}:${password}`);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

/** Splits a CGI response head into status code and headers. Pure. */
export function parseCgiHead(head: string): { status: number; headers: [string, string][] } {
  let status = 200;
  const headers: [string, string][] = [];
  for (const line of head.split(/\r?\n/)) {
    const i = line.indexOf(":");
    if (i <= 0) continue;
    const key = line.slice(0, i).trim();
    const value = line.slice(i + 1).trim();
    if (key.toLowerCase() === "status") status = Number.parseInt(value, 10) || 500;
    else headers.push([key, value]);
  }
  return { status, headers };
}

/** Creates the HTTP server (not yet listening). */
export function createGitHttpBridge(options: GitHttpBridgeOptions): http.Server {
  return http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (url.pathname === "/healthz") {
      res.writeHead(200, { "content-type": "text/plain" }).end("ok\n");
      return;
    }
    const m = /^\/(git|auth)(\/.*)$/.exec(url.pathname);
    if (!m?.[2] || m[2].split("/").includes("..")) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
      return;
    }
    let remoteUser = "anonymous";
    if (m[1] === "auth") {
      if (!basicAuthMatches(req.headers.authorization, options.user, options.password)) {
        res.writeHead(401, { "www-authenticate": 'Basic realm="slipway-git"', "content-type": "text/plain" }).end("authentication required\n");
        return;
      }
      remoteUser = options.user;
    }
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      GIT_PROJECT_ROOT: options.root,
      GIT_HTTP_EXPORT_ALL: "1",
      GIT_CONFIG_COUNT: "1",
      GIT_CONFIG_KEY_0: "http.receivepack",
      GIT_CONFIG_VALUE_0: "true",
      GATEWAY_INTERFACE: "CGI/1.1",
      SERVER_PROTOCOL: "HTTP/1.1",
      REQUEST_METHOD: req.method ?? "GET",
      PATH_INFO: decodeURIComponent(m[2]),
      QUERY_STRING: url.search.slice(1),
      CONTENT_TYPE: req.headers["content-type"] ?? "",
      REMOTE_USER: remoteUser,
      REMOTE_ADDR: req.socket.remoteAddress ?? "127.0.0.1",
    };
    if (req.headers["content-length"]) env.CONTENT_LENGTH = req.headers["content-length"];
    if (req.headers["content-encoding"]) env.HTTP_CONTENT_ENCODING = req.headers["content-encoding"];
    if (typeof req.headers["git-protocol"] === "string") env.HTTP_GIT_PROTOCOL = req.headers["git-protocol"];
    const child = spawn("git", ["http-backend"], { env, stdio: ["pipe", "pipe", "pipe"] });
    req.pipe(child.stdin);
    child.stdin.on("error", () => {
      /* the backend may stop reading early */
    });
    const stderr: Buffer[] = [];
    child.stderr.on("data", (c: Buffer) => stderr.push(c));
    let head = Buffer.alloc(0);
    let headDone = false;
    child.stdout.on("data", (chunk: Buffer) => {
      if (headDone) {
        res.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      let end = head.indexOf("\r\n\r\n");
      let sep = 4;
      if (end < 0) {
        end = head.indexOf("\n\n");
        sep = 2;
      }
      if (end < 0) return;
      headDone = true;
      const parsed = parseCgiHead(head.subarray(0, end).toString("latin1"));
      res.writeHead(parsed.status, parsed.headers);
      res.write(head.subarray(end + sep));
    });
    child.on("error", (err) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
      res.end(`git http-backend: ${err.message}\n`);
    });
    child.on("close", (code) => {
      if (!headDone) {
        if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
        res.end(`git http-backend exited with ${code}: ${Buffer.concat(stderr).toString()}\n`);
        return;
      }
      if (code !== 0) console.error(`${req.method} ${url.pathname}: git http-backend exited with ${code}: ${Buffer.concat(stderr).toString().trim()}`);
      res.end();
    });
  });
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { port: { type: "string" }, root: { type: "string" }, user: { type: "string", default: "slipway" } } });
  const password = process.env.TESTENV_GIT_HTTP_PASSWORD;
  if (!values.port || !values.root || !password) {
    console.error("usage: TESTENV_GIT_HTTP_PASSWORD=… node test/env/git-http-bridge.ts --port P --root DIR [--user U]");
    process.exit(2);
  }
  const server = createGitHttpBridge({ root: values.root, user: values.user, password });
  server.listen(Number(values.port), "127.0.0.1", () => console.error(`git http bridge on 127.0.0.1:${values.port} serving ${values.root}`));
  const shutdown = (): void => {
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.on("SIGTERM", shutdown);
  process.on("SIGINT", shutdown);
}
