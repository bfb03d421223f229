/**
 * The receivers against hostile requests, over real HTTP: malformed percent-encoding, bodies over
 * the cap (declared and streamed), a flood of bad signatures logged once per interval with a
 * count, the CI step's call with a revision of the wrong type, and the start-up warning of an open
 * receiver. Nothing refused triggers a fetch.
 */
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { createLogger } from "../../../core/log.ts";
import { startReceiverServer, type ReceiverServerOptions } from "../../../agent/receivers/receiver-server.ts";
import { slipwaySignatureHeaders } from "../../../agent/receivers/verify-call.ts";

const secret = "receiver-secret-1234";

async function serve(t: TestContext, lines: string[], extra: Partial<ReceiverServerOptions> = {}) {
  const triggered: [string, string | undefined][] = [];
  const server = await startReceiverServer({
    listen: "127.0.0.1:0",
    endpoints: [{ name: "ci", type: "slipway", secretRef: { name: "ci" } }],
    secrets: new Map([["ci", secret]]),
    sources: () => [{ name: "manifests", branch: "main" }],
    trigger: (source, revision) => {
      triggered.push([source, revision]);
      return true;
    },
    log: createLogger({ write: (l) => lines.push(l) }),
    ...extra,
  });
  t.after(() => server.close());
  return { port: server.port, base: `http://127.0.0.1:${server.port}`, triggered };
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

const errors = (lines: string[]) => lines.filter((l) => l.includes('"level":"error"'));

test("malformed percent-encoding answers 404, not 500, and logs no error", async (t) => {
  const lines: string[] = [];
  const { base, triggered } = await serve(t, lines);
  const body = "{}";
  const r = await fetch(`${base}/hook/%E0%A4%A`, { method: "POST", body, headers: slipwaySignatureHeaders(secret, body, Math.floor(Date.now() / 1000)) });
  assert.equal(r.status, 404);
  assert.deepEqual(errors(lines), []);
  assert.deepEqual(triggered, []);
});

test("a body over the cap answers 413, declared or streamed, never 500 or a reset", async (t) => {
  const lines: string[] = [];
  const { port, base, triggered } = await serve(t, lines, { maxBodyBytes: 64 * 1024 });
  const big = Buffer.alloc(1024 * 1024, "x");
  assert.equal((await fetch(`${base}/hook/ci`, { method: "POST", body: big })).status, 413);
  const chunked = await rawStatus(
    port,
    "POST /hook/ci HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n",
    Buffer.concat([Buffer.from(`${(256 * 1024).toString(16)}\r\n`), Buffer.alloc(256 * 1024, "y"), Buffer.from("\r\n0\r\n\r\n")]),
  );
  assert.equal(chunked, "HTTP/1.1 413 Payload Too Large");
  assert.deepEqual(errors(lines), []);
  assert.deepEqual(triggered, []);
});

test("bad signatures are logged once per interval, with the count of those not logged", async (t) => {
  const lines: string[] = [];
  let clock = 1_000_000_000_000;
  const { base, triggered } = await serve(t, lines, { now: () => clock, rateLimit: { burst: 1000, perSecond: 1000 } });
  const refuse = () => fetch(`${base}/hook/ci`, { method: "POST", body: "{}", headers: slipwaySignatureHeaders("wrong-secret", "{}", Math.floor(clock / 1000)) }).then((r) => r.status);
  for (let i = 0; i < 20; i++) assert.equal(await refuse(), 401);
  const refusedLines = () => lines.filter((l) => l.includes("webhook refused"));
  assert.equal(refusedLines().length, 1, "twenty refusals in one interval: one line");
  clock += 60_000;
  assert.equal(await refuse(), 401);
  assert.equal(refusedLines().length, 2);
  assert.match(refusedLines()[1] ?? "", /19 more refused since the last report/);
  assert.ok(!lines.some((l) => l.includes(secret)), "the secret is never logged");
  assert.deepEqual(triggered, []);
});

test("the CI step's call: its revision is passed on, a revision that is not a string is 400", async (t) => {
  const { base, triggered } = await serve(t, []);
  const now = Math.floor(Date.now() / 1000);
  const bad = JSON.stringify({ revision: 5 });
  assert.equal((await fetch(`${base}/hook/ci`, { method: "POST", body: bad, headers: slipwaySignatureHeaders(secret, bad, now) })).status, 400);
  const good = JSON.stringify({ revision: "abc" });
  const ok = await fetch(`${base}/hook/ci`, { method: "POST", body: good, headers: slipwaySignatureHeaders(secret, good, now + 1) });
  assert.equal(ok.status, 202);
  assert.deepEqual(await ok.json(), { triggered: ["manifests"] });
  assert.deepEqual(triggered, [["manifests", "abc"]]);
});

test("an open receiver warns at start-up; one with a secret does not", async (t) => {
  const open: string[] = [];
  await serve(t, open, { endpoints: [{ name: "ci", type: "slipway", open: true }], secrets: new Map() });
  assert.equal(open.filter((l) => /"level":"warn".*receiver ci is open/.test(l)).length, 1);
  const signed: string[] = [];
  await serve(t, signed);
  assert.deepEqual(signed.filter((l) => l.includes("is open")), []);
});
