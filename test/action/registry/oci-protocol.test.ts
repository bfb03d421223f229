/**
 * The parts of the distribution protocol the local docker-registry (distribution 2.x, htpasswd)
 * does not serve — Bearer token auth and `Link`-paged tag lists, as ghcr.io, Docker Hub and
 * distribution 3 do — and 429/5xx answers, checked against small loopback HTTP servers that speak them.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createLogger } from "../../../core/log.ts";
import { createOciRegistry } from "../../../action/registry/oci-registry.ts";

interface Seen {
  path: string;
  authorization?: string;
}

/** Starts a paging, Bearer-authenticating registry on 127.0.0.1; stopped by the test. */
async function startRegistry(t: { after: (fn: () => Promise<void>) => void }, tags: string[], user: string, password: string) {
  const seen: Seen[] = [];
  const token = "tok-" + Math.random().toString(36).slice(2);
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://x");
    seen.push({ path: url.pathname + url.search, authorization: req.headers.authorization });
    const port = (server.address() as { port: number }).port;
    if (url.pathname === "/token") {
      const want = `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
      if (req.headers.authorization !== want) {
        res.writeHead(401, { "content-type": "application/json" }).end(JSON.stringify({ errors: [{ code: "UNAUTHORIZED", message: "bad credentials" }] }));
        return;
      }
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ token, expires_in: 300 }));
      return;
    }
    if (req.headers.authorization !== `Bearer ${token}`) {
      const scope = url.pathname.startsWith("/v2/app/") ? ',scope="repository:app:pull"' : "";
      res.writeHead(401, { "www-authenticate": `Bearer realm="http://127.0.0.1:${port}/token",service="test-registry"${scope}` }).end();
      return;
    }
    if (url.pathname === "/v2/app/tags/list") {
      const n = Number(url.searchParams.get("n") ?? "1000");
      const last = url.searchParams.get("last");
      const sorted = [...tags].sort();
      const start = last ? sorted.indexOf(last) + 1 : 0;
      const page = sorted.slice(start, start + n);
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (start + n < sorted.length) headers.link = `</v2/app/tags/list?n=${n}&last=${page[page.length - 1]}>; rel="next"`;
      res.writeHead(200, headers).end(JSON.stringify({ name: "app", tags: page }));
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { host: `127.0.0.1:${(server.address() as { port: number }).port}`, seen, token };
}

test("Bearer token flow with the challenge's scope, and tags across Link pages", async (t) => {
  const tags = Array.from({ length: 7 }, (_, i) => `2021060805272${i}`);
  const srv = await startRegistry(t, tags, "robot", "s3cret-pass");
  const registry = createOciRegistry({ host: srv.host, username: "robot", password: "s3cret-pass", pageSize: 3 });
  assert.deepEqual(await registry.listTags("app"), tags);
  const tokenCalls = srv.seen.filter((s) => s.path.startsWith("/token"));
  assert.equal(tokenCalls.length, 1, "one token, reused for every page");
  assert.equal(tokenCalls[0]?.path, "/token?service=test-registry&scope=repository%3Aapp%3Apull");
  const pages = srv.seen.filter((s) => s.path.startsWith("/v2/app/tags/list") && s.authorization === `Bearer ${srv.token}`);
  assert.deepEqual(
    pages.map((p) => p.path),
    ["/v2/app/tags/list?n=3", "/v2/app/tags/list?n=3&last=20210608052722", "/v2/app/tags/list?n=3&last=20210608052725"],
  );
});

test("a refused token request names the user and token service, never the password", async (t) => {
  const srv = await startRegistry(t, ["a"], "robot", "right-password");
  const lines: string[] = [];
  const log = createLogger({ write: (l) => lines.push(l) });
  const registry = createOciRegistry({ host: srv.host, username: "robot", password: "wrong-password-123" });
  const err = await registry.login().then(
    () => assert.fail("login succeeded"),
    (e: unknown) => e as Error,
  );
  log.error(err.message);
  assert.match(err.message, /^registry 127\.0\.0\.1:\d+: GET \/v2\/: token service http:\/\/127\.0\.0\.1:\d+\/token refused for user "robot": HTTP 401 UNAUTHORIZED: bad credentials$/);
  assert.ok(!lines.join("").includes("wrong-password-123"));
});

test("429 and 5xx answers are retried with backoff; a 4xx is not", async (t) => {
  const answers = [503, 429, 200, 400];
  const seen: number[] = [];
  const server = createServer((_req, res) => {
    const status = answers[seen.length] ?? 500;
    seen.push(status);
    if (status === 200) res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ name: "app", tags: ["v1"] }));
    else res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify({ errors: [{ code: "X", message: `status ${status}` }] }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const registry = createOciRegistry({ host: `127.0.0.1:${(server.address() as { port: number }).port}`, attempts: 3 });
  assert.deepEqual(await registry.listTags("app"), ["v1"]);
  assert.deepEqual(seen, [503, 429, 200]);
  await assert.rejects(registry.listTags("app"), /GET \/v2\/app\/tags\/list\?n=1000: HTTP 400 X: status 400$/);
  assert.equal(seen.length, 4, "the 400 was not retried");
});
