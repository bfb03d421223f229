// The fault proxy against a local echo server (127.0.0.1, stopped by its handle): bytes pass,
// a frozen connection carries nothing while later ones pass and its close is still seen, a cut
// closes the client's end.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createConnection, createServer, type Socket } from "node:net";
import { pollUntil } from "../../core/poll.ts";
import { startTcpProxy } from "./tcp-proxy.ts";

/** A client connection through the proxy that collects what it receives. */
async function connect(port: number): Promise<{ socket: Socket; received: () => string; closed: () => boolean }> {
  const socket = createConnection({ host: "127.0.0.1", port });
  let received = "";
  let closed = false;
  socket.setEncoding("utf8");
  socket.on("data", (d: string) => (received += d));
  socket.on("close", () => (closed = true));
  socket.on("error", () => {});
  await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
  return { socket, received: () => received, closed: () => closed };
}

test("bytes pass; frozen connections carry nothing, later ones pass, and their close is seen; a cut closes the client", async (t) => {
  // What the server side of each connection received, and whether it closed.
  const upstream: { received: string; closed: boolean }[] = [];
  const echo = createServer((s) => {
    const seen = { received: "", closed: false };
    upstream.push(seen);
    s.on("data", (d: Buffer) => (seen.received += d.toString("utf8")));
    s.on("close", () => (seen.closed = true));
    s.on("error", () => {});
    s.pipe(s);
  });
  await new Promise<void>((resolve) => echo.listen(0, "127.0.0.1", resolve));
  t.after(async () => {
    echo.close();
  });
  const proxy = await startTcpProxy(t, { host: "127.0.0.1", port: (echo.address() as { port: number }).port });
  const a = await connect(proxy.port);
  t.after(() => a.socket.destroy());
  a.socket.write("one");
  assert.ok(await pollUntil(() => (a.received() === "one" ? true : undefined), { intervalMs: 10, timeoutMs: 5_000 }), a.received());

  assert.equal(proxy.freeze(), 1);
  const b = await connect(proxy.port);
  t.after(() => b.socket.destroy());
  a.socket.write("two");
  b.socket.write("three");
  assert.ok(await pollUntil(() => (b.received() === "three" ? true : undefined), { intervalMs: 10, timeoutMs: 5_000 }), b.received());
  assert.equal(proxy.frozenOpen(), 1);
  // The client closes its frozen connection after its write: the proxy sees the close and closes
  // the server's end, which by then had received nothing after the freeze.
  a.socket.end();
  assert.ok(await pollUntil(() => (proxy.frozenOpen() === 0 && upstream[0]?.closed ? true : undefined), { intervalMs: 10, timeoutMs: 5_000 }), "the frozen connection's close was not seen");
  assert.equal(upstream[0]?.received, "one");
  assert.equal(a.received(), "one");

  assert.equal(proxy.cut(), 1);
  assert.ok(await pollUntil(() => (b.closed() ? true : undefined), { intervalMs: 10, timeoutMs: 5_000 }), "the cut connection is still open");
  assert.equal(proxy.accepted(), 2);
});
