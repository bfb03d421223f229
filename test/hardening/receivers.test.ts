// The agent's webhook receiver against hostile requests: malformed percent-encoding, oversized
// bodies (declared and streamed), a flood of bad tokens, and a receiver without a token.
import { test } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { startAgentServer } from "../../agent/server/agent-server.ts";
import { createLogger } from "../../core/log.ts";

function server(options: { hookToken?: string; now?: () => number }, lines: string[]) {
  return startAgentServer({
    listen: "127.0.0.1:0",
    log: createLogger({ write: (l) => lines.push(l) }),
    handlers: { metrics: async () => ({ contentType: "text/plain", body: "" }), notReady: () => undefined, hook: (s) => s === "manifests" },
    ...options,
  });
}

/** Sends raw bytes and returns the status line the server answered with ("" on a reset). */
function rawStatus(port: number, head: string, body: Buffer | undefined): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(port, "127.0.0.1");
    let got = "";
    s.on("data", (d) => (got += d.toString()));
    s.on("error", () => resolve(got.split("\r\n")[0] ?? ""));
    s.on("close", () => resolve(got.split("\r\n")[0] ?? ""));
    s.write(head);
    if (body) s.write(body, () => s.end());
    else s.end();
  });
}

test("malformed percent-encoding answers 400, not 500, and logs no error", async (t) => {
  const lines: string[] = [];
  const srv = await server({ hookToken: "hook-token-1234" }, lines);
  t.after(() => srv.close());
  const r = await fetch(`http://127.0.0.1:${srv.port}/hook/%E0%A4%A`, { method: "POST", headers: { "X-Slipway-Token": "hook-token-1234" } });
  assert.equal(r.status, 400);
  assert.match(await r.text(), /malformed percent-encoding/);
  assert.deepEqual(lines.filter((l) => l.includes('"level":"error"')), []);
});

test("a body over the cap answers 413, declared or streamed, never 500 or a reset", async (t) => {
  const lines: string[] = [];
  const srv = await server({ hookToken: "hook-token-1234" }, lines);
  t.after(() => srv.close());
  const big = Buffer.alloc(1024 * 1024, "x");
  const declared = await fetch(`http://127.0.0.1:${srv.port}/hook/manifests`, { method: "POST", headers: { "X-Slipway-Token": "hook-token-1234" }, body: big });
  assert.equal(declared.status, 413);
  const chunked = await rawStatus(
    srv.port,
    "POST /hook/manifests HTTP/1.1\r\nHost: a\r\nX-Slipway-Token: hook-token-1234\r\nTransfer-Encoding: chunked\r\n\r\n",
    Buffer.concat([Buffer.from(`${(256 * 1024).toString(16)}\r\n`), Buffer.alloc(256 * 1024, "y"), Buffer.from("\r\n0\r\n\r\n")]),
  );
  assert.equal(chunked, "HTTP/1.1 413 Payload Too Large");
  assert.deepEqual(lines.filter((l) => l.includes('"level":"error"')), []);
});

test("bad tokens are logged once per interval, with the count of those not logged", async (t) => {
  const lines: string[] = [];
  let clock = 1_000_000;
  const srv = await server({ hookToken: "hook-token-1234", now: () => clock }, lines);
  t.after(() => srv.close());
  const refuse = () => fetch(`http://127.0.0.1:${srv.port}/hook/manifests`, { method: "POST", headers: { "X-Slipway-Token": "wrong-token!!" } }).then((r) => r.status);
  for (let i = 0; i < 20; i++) assert.equal(await refuse(), 401);
  const refusedLines = () => lines.filter((l) => l.includes("webhook refused"));
  assert.equal(refusedLines().length, 1, "twenty refusals in one interval: one line");
  clock += 60_000;
  assert.equal(await refuse(), 401);
  assert.equal(refusedLines().length, 2);
  assert.match(refusedLines()[1] ?? "", /19 more refused since the last report/);
});

test("a receiver without a token warns at start-up", async (t) => {
  const lines: string[] = [];
  const srv = await server({}, lines);
  t.after(() => srv.close());
  assert.equal(lines.filter((l) => /"level":"warn".*webhook receivers have no token/.test(l)).length, 1);
  const withToken: string[] = [];
  const other = await server({ hookToken: "hook-token-1234" }, withToken);
  t.after(() => other.close());
  assert.deepEqual(withToken.filter((l) => l.includes("no token")), []);
});
