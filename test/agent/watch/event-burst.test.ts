// A burst of change events on a sync's watched members: 2,000 status writes (SLIPWAY_BURST_WRITES
// sets another count: 10000 take about a minute on 2 loaded cores) that change nothing the
// sync sets wake no re-apply, cost no PATCH and hold nothing pending; the one hand edit after them
// is put back. The heap after a forced GC, before and after the burst, goes to the diagnostics.
import { test } from "node:test";
import assert from "node:assert/strict";
import v8 from "node:v8";
import vm from "node:vm";
import { kubectl } from "../../env/harness.ts";
import { AppliedState } from "../../../agent/apply/applied-state.ts";
import { countersSince, createKubeClient } from "../../../agent/kube/kube-client.ts";
import type { KubeObject } from "../../../agent/kube/kube-object.ts";
import { pollUntil } from "../../../core/poll.ts";
import { deployment, setup } from "../sync/sync-fixture.ts";
import { watched } from "./watch-fixture.ts";

const names = Array.from({ length: 10 }, (_, i) => `web-${i}`);

/** Heap in use after a full GC, in bytes (`--expose-gc` switched on at run time: node --test does not pass it). */
function heapAfterGc(): number {
  v8.setFlagsFromString("--expose-gc");
  const gc = vm.runInNewContext("gc") as () => void;
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

const writes = Math.max(names.length, Math.round(Number(process.env.SLIPWAY_BURST_WRITES || 2_000) / names.length) * names.length);

test(`${writes.toLocaleString("en")} status writes in a burst wake no re-apply, send no PATCH and hold nothing pending; the hand edit after them is reverted`, async (t) => {
  const c = await setup(t);
  if (!c) return;
  const counters = c.client.counters;
  assert.ok(counters, "the client counts its requests");
  const build = (): KubeObject[] => names.map((n) => deployment(c.ns, n, { replicas: 2 }));
  const state = new AppliedState();
  assert.deepEqual((await c.apply(build(), { applied: state })).errors, []);
  // The deployment controller's own first write (the revision annotation) is a change of a
  // member's metadata: let it land, then apply again, so the state is where the burst starts.
  const revised = async (): Promise<true | undefined> => {
    const list = JSON.parse(await kubectl(c.env, ["get", "deployments", "-n", c.ns, "-o", "json"])) as { items: KubeObject[] };
    return list.items.length === names.length && list.items.every((d) => d.metadata.annotations?.["deployment.kubernetes.io/revision"]) ? true : undefined;
  };
  assert.ok(await pollUntil(revised, { intervalMs: 200, timeoutMs: 20_000 }), "the deployment controller set no revision");
  assert.deepEqual((await c.apply(build(), { applied: state })).errors, []);
  // What a no-op apply sends (the ApplySet parent's writes): the baseline of the count below.
  const noopStart = structuredClone(counters);
  assert.deepEqual((await c.apply(build(), { applied: state })).errors, []);
  const noop = countersSince(noopStart, counters);
  t.diagnostic(`no-op apply: ${JSON.stringify(noop)}`);
  assert.equal(noop.dryRun, 0, `a no-op apply dry-runs nothing: ${JSON.stringify(noop)}`);

  // Re-applied on each drift report, one apply at a time, as the daemon does.
  const { watch, reports, applies, settled } = await watched(c, build, { state, kinds: [["apps/v1", "Deployment"]] });
  t.after(() => watch.close());
  const before = structuredClone(counters);

  // The burst comes from another client, so the agent's counters hold only the agent's requests.
  const writer = await createKubeClient({ kubeconfig: c.env.kubeconfig });
  t.after(() => writer.close());
  // One writer per member, in order: collisionCount may only grow, so each write is a new
  // status the server accepts.
  const writeAll = async (name: string): Promise<void> => {
    for (let n = 1; n <= writes / names.length; n++) {
      await writer.request({
        method: "PATCH",
        path: `/apis/apps/v1/namespaces/${c.ns}/deployments/${name}/status`,
        body: JSON.stringify({ status: { collisionCount: n } }),
        contentType: "application/merge-patch+json",
      });
    }
  };
  const eventsBefore = watch.stats().events;
  const heapBefore = heapAfterGc();
  const started = performance.now();
  await Promise.all(names.map(writeAll));
  t.diagnostic(`${writes} status writes in ${Math.round(performance.now() - started)} ms`);

  // Then one hand edit of a field git sets; the watch sees it after every write of the burst
  // (one stream, events in order), so once it is reverted the burst has been handled.
  await kubectl(c.env, ["scale", "deployment/web-3", "-n", c.ns, "--replicas=5"]);
  const replicas = async (): Promise<number | undefined> => ((await c.get(["deployment", "web-3", "-n", c.ns]))?.spec as { replicas?: number } | undefined)?.replicas;
  assert.ok(await pollUntil(async () => ((await replicas()) === 2 ? true : undefined), { intervalMs: 100, timeoutMs: 30_000 }), "scale not reverted within 30 s");
  await settled();
  const heapAfter = heapAfterGc();
  const events = watch.stats().events - eventsBefore;
  const mib = (b: number): string => (b / 1024 / 1024).toFixed(1);
  t.diagnostic(`${events} watch events; heap after GC ${mib(heapBefore)} MiB before the burst, ${mib(heapAfter)} MiB after (${mib(heapAfter - heapBefore)} MiB); peak pending ${watch.peakPending()}; ${JSON.stringify(watch.stats())}`);
  // Every write reached the watch (each is a new resourceVersion), and of all of them only the
  // hand-edited member was ever held: one pending entry, not one per event.
  assert.ok(events >= writes, `events seen: ${events}`);
  assert.equal(watch.peakPending(), 1, "only the edited member was held pending");
  assert.equal(watch.stats().failures, 0);

  const sent = countersSince(before, counters);
  const id = `Deployment/${c.ns}/web-3`;
  t.diagnostic(`reports ${JSON.stringify(reports)}, applies ${JSON.stringify(applies)}, requests ${JSON.stringify(sent)}`);
  assert.ok(reports.length >= 1 && reports.every((r) => r.length === 1), `each report names the one member edited: ${JSON.stringify(reports)}`);
  assert.ok(applies.flat().length >= 1 && applies.flat().every((a) => a.startsWith(`${id} `)), `only the edited member was written: ${JSON.stringify(applies)}`);
  // For the edited member one dry-run and one apply at most, besides what a no-op apply sends;
  // nothing for the nine others.
  const edits = applies.flat().length;
  assert.ok(sent.dryRun <= edits, `dry-runs: ${JSON.stringify(sent)}`);
  assert.ok(sent.byMethod.PATCH - sent.dryRun >= 1 && sent.byMethod.PATCH - sent.dryRun <= edits + applies.length * (noop.byMethod.PATCH - noop.dryRun), `PATCHes: ${JSON.stringify(sent)}`);
});
