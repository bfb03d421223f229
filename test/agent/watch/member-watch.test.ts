// Drift in seconds: a sync's members watched on the real control plane; hand edits and a deletion
// are put back, a stream the server closes or expires resumes without losing a change, and the
// agent's own writes never wake it again.
import { test } from "node:test";
import assert from "node:assert/strict";
import { kubectl } from "../../env/harness.ts";
import type { KubeClient, WatchEvent, WatchRequest } from "../../../agent/kube/kube-client.ts";
import type { KubeObject } from "../../../agent/kube/kube-object.ts";
import { pollUntil } from "../../../core/poll.ts";
import { cm, deployment, setup, type Ctx } from "../sync/sync-fixture.ts";
import { watched } from "./watch-fixture.ts";

const replicas = async (c: Ctx): Promise<number | undefined> => ((await c.get(["deployment", "web", "-n", c.ns]))?.spec as { replicas?: number } | undefined)?.replicas;

test("scale, patch and label edits are put back within seconds, a deleted member comes back, own writes wake nothing", async (t) => {
  const c = await setup(t);
  if (!c) return;
  const build = (): KubeObject[] => [deployment(c.ns, "web", { replicas: 2 }), cm(c.ns, "conf", { mode: "git" }, { labels: { tier: "front" } }), cm(c.ns, "gone", { k: "v" })];
  const w = await watched(c, build);
  t.after(() => w.watch.close());

  let started = performance.now();
  await kubectl(c.env, ["scale", "deployment/web", "-n", c.ns, "--replicas=5"]);
  assert.ok(await pollUntil(async () => ((await replicas(c)) === 2 ? true : undefined), { intervalMs: 100, timeoutMs: 5_000 }), "scale not reverted within 5 s");
  t.diagnostic(`scale reverted in ${Math.round(performance.now() - started)} ms`);

  started = performance.now();
  await kubectl(c.env, ["patch", "configmap/conf", "-n", c.ns, "--type=merge", "-p", '{"data":{"mode":"hand"}}']);
  await kubectl(c.env, ["label", "configmap/conf", "-n", c.ns, "--overwrite", "tier=back"]);
  assert.ok(
    await pollUntil(async () => {
      const conf = await c.get(["configmap", "conf", "-n", c.ns]);
      return (conf?.data as { mode?: string } | undefined)?.mode === "git" && conf?.metadata.labels?.tier === "front" ? true : undefined;
    }, { intervalMs: 100, timeoutMs: 5_000 }),
    "patch/label not reverted within 5 s",
  );
  t.diagnostic(`patch + label reverted in ${Math.round(performance.now() - started)} ms`);

  await kubectl(c.env, ["delete", "configmap/gone", "-n", c.ns]);
  assert.ok(await pollUntil(async () => ((await c.get(["configmap", "gone", "-n", c.ns])) ? true : undefined), { intervalMs: 100, timeoutMs: 5_000 }), "deleted member not back within 5 s");
  await w.settled();

  // No storm: one more edit is one more report; the re-applies' own writes (and the
  // controllers' status writes) in between reported nothing.
  const before = w.reports.length;
  await kubectl(c.env, ["scale", "deployment/web", "-n", c.ns, "--replicas=3"]);
  assert.ok(await pollUntil(async () => ((await replicas(c)) === 2 ? true : undefined), { intervalMs: 100, timeoutMs: 5_000 }));
  await w.settled();
  assert.equal(w.reports.length, before + 1, `reports: ${JSON.stringify(w.reports)}`);
  assert.ok(w.reports.every((r) => r.length === 1), `each report names the one member edited: ${JSON.stringify(w.reports)}`);
  assert.ok(w.applies.every((a) => a.length <= 1), `each re-apply wrote only the member edited: ${JSON.stringify(w.applies)}`);
});

test("a stream the server ends resumes, and a 410 Gone re-lists, without missing a change", async (t) => {
  const c = await setup(t);
  if (!c) return;
  // The real client, except that the first stream of each watch is cut with a 410 Gone event
  // after its first event, as the server does when the resourceVersion was compacted away.
  let cut = 0;
  const expiring: KubeClient = {
    ...c.client,
    request: (req) => c.client.request(req),
    resource: (a, k, s) => c.client.resource(a, k, s),
    objectPath: (m, ns, n) => c.client.objectPath(m, ns, n),
    watch: async (req: WatchRequest, onEvent: (e: WatchEvent) => void) => {
      if (cut >= 2) return (c.client.watch as NonNullable<KubeClient["watch"]>)(req, onEvent);
      cut++;
      return (c.client.watch as NonNullable<KubeClient["watch"]>)(req, (e) => {
        onEvent(e);
        if (e.type !== "BOOKMARK") onEvent({ type: "ERROR", object: { kind: "Status", code: 410 } });
      });
    },
  };
  const build = (): KubeObject[] => [deployment(c.ns, "web", { replicas: 1 }), cm(c.ns, "conf", { mode: "git" })];
  // Streams of one second: the server ends each one, the loop resumes from the last resourceVersion.
  const w = await watched(c, build, { client: expiring, timeoutSeconds: 1 });
  t.after(() => w.watch.close());
  for (let i = 0; i < 3; i++) {
    await kubectl(c.env, ["patch", "configmap/conf", "-n", c.ns, "--type=merge", "-p", `{"data":{"mode":"hand-${i}"}}`]);
    assert.ok(
      await pollUntil(async () => (((await c.get(["configmap", "conf", "-n", c.ns]))?.data as { mode?: string } | undefined)?.mode === "git" ? true : undefined), { intervalMs: 100, timeoutMs: 5_000 }),
      `edit ${i} not reverted`,
    );
    await w.settled();
    // Let at least one server-side stream end between edits.
    const streams = w.watch.stats().streams;
    await pollUntil(async () => (w.watch.stats().streams > streams ? true : undefined), { intervalMs: 100, timeoutMs: 10_000 });
  }
  const stats = w.watch.stats();
  assert.ok(stats.gone >= 1, `a 410 was handled: ${JSON.stringify(stats)}`);
  assert.ok(stats.lists >= 3, `re-listed after 410: ${JSON.stringify(stats)}`);
  assert.ok(stats.streams >= 5, `streams resumed: ${JSON.stringify(stats)}`);
  assert.equal(stats.failures, 0);
  // One re-apply per edit: neither the re-lists nor the resumed streams replayed anything.
  assert.equal(w.applies.filter((a) => a.length > 0).length, 3, JSON.stringify(w.applies));
  assert.ok(w.applies.length <= 4, `re-applies: ${JSON.stringify(w.applies)}`);
});
