// The watch loop against a small local API server (127.0.0.1, started and stopped by each test)
// whose watch streams go silent: a stream that hangs after the server answered is dropped at the
// idle limit and resumed at once from the last resourceVersion, with no backoff; a watch the
// server never answers is a failure that backs off.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import type { KubeClient } from "../../../agent/kube/kube-client.ts";
import { localClient } from "../kube/local-client.ts";
import type { KubeObject } from "../../../agent/kube/kube-object.ts";
import { WatchIdleError } from "../../../agent/kube/watch-idle-error.ts";
import { emptyWatchLoopStats, runWatchLoop } from "../../../agent/watch/watch-loop.ts";
import { pollUntil } from "../../../core/poll.ts";

/** A watch request as the server saw it. */
interface SeenWatch {
  resourceVersion: string | null;
  res: http.ServerResponse;
}

/**
 * Serves `/api/v1/namespaces/w/configmaps`: a LIST at resourceVersion 1, and watches handed to
 * `onWatch` (which answers, writes or stays silent as the test wants).
 */
async function serve(t: TestContext, onWatch: (w: SeenWatch, n: number) => void): Promise<{ client: KubeClient; watches: SeenWatch[]; lists: () => number }> {
  const watches: SeenWatch[] = [];
  let lists = 0;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (url.searchParams.get("watch") === "true") {
      const w = { resourceVersion: url.searchParams.get("resourceVersion"), res };
      watches.push(w);
      onWatch(w, watches.length);
      return;
    }
    lists++;
    res.writeHead(200, { "Content-Type": "application/json" });
    res.end(JSON.stringify({ kind: "ConfigMapList", items: [], metadata: { resourceVersion: "1" } }));
  });
  const client = await localClient(t, server);
  return { client, watches, lists: () => lists };
}

/** One watch event line for a ConfigMap at `rv`. */
const event = (rv: string): string => `${JSON.stringify({ type: "MODIFIED", object: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namespace: "w", resourceVersion: rv } } })}\n`;

test("a stream that goes silent after the answer is resumed at once from the last resourceVersion, without backoff", async (t) => {
  // Each stream answers, sends one event (resourceVersion 10, 11, …) and then hangs: open, silent.
  const { client, watches, lists } = await serve(t, (w, n) => {
    w.res.writeHead(200, { "Content-Type": "application/json" });
    w.res.write(event(String(9 + n)));
  });
  const stop = new AbortController();
  const seen: string[] = [];
  const stats = emptyWatchLoopStats();
  const done = runWatchLoop(
    {
      client,
      path: "/api/v1/namespaces/w/configmaps",
      apiVersion: "v1",
      kind: "ConfigMap",
      onList: () => {},
      onEvent: (_type, obj: KubeObject) => seen.push(obj.metadata.resourceVersion ?? ""),
      idleTimeoutMs: 200,
      // A backoff would show: the first one would be a minute.
      retryMs: 60_000,
      signal: stop.signal,
    },
    stats,
  );
  t.after(() => stop.abort());
  const resumed = await pollUntil(() => (watches.length >= 3 ? true : undefined), { intervalMs: 50, timeoutMs: 20_000 });
  stop.abort();
  await done;
  assert.ok(resumed, `streams: ${watches.length}, ${JSON.stringify(stats)}`);
  // Every stream after the first starts from the event the one before it delivered.
  assert.deepEqual(
    watches.slice(0, 3).map((w) => w.resourceVersion),
    ["1", "10", "11"],
  );
  assert.deepEqual(seen.slice(0, 3), ["10", "11", "12"]);
  assert.equal(lists(), 1, "resumed, not listed again");
  assert.equal(stats.failures, 0, JSON.stringify(stats));
  assert.ok(stats.hung >= 2, JSON.stringify(stats));
});

test("a watch the server never answers ends with WatchIdleError (not answered), and the loop backs off", async (t) => {
  // Requests are read but never answered.
  const { client, watches } = await serve(t, () => {});
  await assert.rejects(
    (client.watch as NonNullable<KubeClient["watch"]>)({ path: "/api/v1/namespaces/w/configmaps", idleTimeoutMs: 200 }, () => {}),
    (err: unknown) => err instanceof WatchIdleError && !err.answered && err.idleMs === 200 && err.message.startsWith("WATCH /api/v1/namespaces/w/configmaps: "),
  );
  const stop = new AbortController();
  const stats = emptyWatchLoopStats();
  const done = runWatchLoop(
    { client, path: "/api/v1/namespaces/w/configmaps", apiVersion: "v1", kind: "ConfigMap", onList: () => {}, onEvent: () => {}, idleTimeoutMs: 200, retryMs: 60_000, signal: stop.signal },
    stats,
  );
  t.after(() => stop.abort());
  const failed = await pollUntil(() => (stats.failures >= 1 ? true : undefined), { intervalMs: 50, timeoutMs: 20_000 });
  stop.abort();
  await done;
  assert.ok(failed, JSON.stringify(stats));
  // The loop is now in its minute of backoff: no second watch was opened.
  assert.equal(watches.length, 2, "the direct watch and the loop's one");
  assert.equal(stats.hung, 0);
});
