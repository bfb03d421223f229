// A sync's members watched as the daemon watches them, for the watch tests.
import assert from "node:assert/strict";
import { AppliedState } from "../../../agent/apply/applied-state.ts";
import { parentId, parentRef } from "../../../agent/applyset/applyset-parent.ts";
import type { KubeClient } from "../../../agent/kube/kube-client.ts";
import type { KubeObject } from "../../../agent/kube/kube-object.ts";
import { MemberWatch } from "../../../agent/watch/member-watch.ts";
import { pollUntil } from "../../../core/poll.ts";
import type { Ctx } from "../sync/sync-fixture.ts";

/** Options for {@link watched}. */
export interface WatchedOptions {
  /** The client the watch uses. Default the sync's. */
  client?: KubeClient;
  /** The server-side timeout of each watch request. Default the watch's own. */
  timeoutSeconds?: number;
  /** The idle limit after which a silent stream is resumed, in ms. Default the watch's own. */
  idleTimeoutMs?: number;
  /** The first backoff after a failure, in ms. Default the watch's own. */
  retryMs?: number;
  /** An applied state the caller already settled: no first apply. Default a new state, applied once. */
  state?: AppliedState;
  /** The kinds watched in the sync's namespace. Default Deployments and ConfigMaps. */
  kinds?: readonly (readonly [apiVersion: string, kind: string])[];
}

/**
 * A sync with its members watched, re-applied on each drift report (one apply at a time, again
 * when a report comes during an apply), as the daemon does; returns once every stream has listed.
 */
export async function watched(c: Ctx, build: () => KubeObject[], opts: WatchedOptions = {}) {
  const state = opts.state ?? new AppliedState();
  if (!opts.state) assert.deepEqual((await c.apply(build(), { applied: state })).errors, []);
  const reports: string[][] = [];
  const applies: string[][] = [];
  let running: Promise<void> | undefined;
  let again = false;
  const reapply = (): void => {
    if (running) {
      again = true;
      return;
    }
    running = (async () => {
      do {
        again = false;
        const out = await c.apply(build(), { applied: state });
        assert.deepEqual(out.errors, []);
        applies.push(out.changeSet.filter((e) => e.action !== "unchanged").map((e) => `${e.id} ${e.action}`));
      } while (again);
    })().finally(() => (running = undefined));
  };
  const watch = new MemberWatch({
    client: opts.client ?? c.client,
    id: parentId(parentRef(c.sync, c.ns)),
    state,
    busy: () => running !== undefined,
    onDrift: (keys) => {
      reports.push(keys);
      reapply();
    },
    debounceMs: 200,
    ...(opts.timeoutSeconds ? { timeoutSeconds: opts.timeoutSeconds } : {}),
    ...(opts.idleTimeoutMs ? { idleTimeoutMs: opts.idleTimeoutMs } : {}),
    ...(opts.retryMs ? { retryMs: opts.retryMs } : {}),
  });
  const kinds = opts.kinds ?? [["apps/v1", "Deployment"], ["v1", "ConfigMap"]];
  watch.setTargets(await Promise.all(kinds.map(async ([apiVersion, kind]) => ({ mapping: await c.client.resource(apiVersion, kind), namespace: c.ns }))));
  // Each loop has listed once (nothing drifted yet) before the test edits anything.
  await pollUntil(async () => (watch.stats().streams >= kinds.length ? true : undefined), { intervalMs: 50, timeoutMs: 10_000 });
  return { state, watch, reports, applies, settled: () => running ?? Promise.resolve() };
}
