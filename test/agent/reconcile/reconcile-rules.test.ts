import { test } from "node:test";
import assert from "node:assert/strict";
import { describeFailure, unreadyDependencies, dependencyRequeueMs } from "../../../agent/reconcile/reconcile-sync.ts";
import type { SyncConfig } from "../../../agent/config/agent-config.ts";
import type { SyncStatus } from "../../../agent/status/sync-status.ts";
import type { SyncOutcome } from "../../../agent/sync/sync-outcome.ts";

const sync: SyncConfig = {
  name: "apps", sourceRef: "s", path: "apps", intervalMs: 600_000, retryIntervalMs: 120_000, timeoutMs: 570_000,
  prune: true, wait: true, dependsOn: ["infra", "crds"], suspend: false, force: false, allowEmpty: false,
};
const ready = (rev: string, source = "s"): SyncStatus => ({ ready: "True", reason: "ReconciliationSucceeded", message: "", lastTransitionTime: "", lastAppliedRevision: rev, source });

test("a dependency must be Ready at the same revision of the same source", () => {
  const rev = "main@sha1:" + "a".repeat(40);
  const old = "main@sha1:" + "b".repeat(40);
  const statuses = new Map<string, SyncStatus>([["infra", ready(rev)], ["crds", ready(old)]]);
  assert.deepEqual(unreadyDependencies(sync, rev, (n) => statuses.get(n)), ["crds"]);
  statuses.set("crds", ready(old, "other-source"));
  assert.deepEqual(unreadyDependencies(sync, rev, (n) => statuses.get(n)), [], "another source's revision is not compared");
  statuses.set("infra", { ...ready(rev), ready: "False" });
  assert.deepEqual(unreadyDependencies(sync, rev, (n) => statuses.get(n)), ["infra"]);
  statuses.delete("infra");
  assert.deepEqual(unreadyDependencies(sync, rev, (n) => statuses.get(n)), ["infra"], "never reconciled is not ready");
  assert.equal(dependencyRequeueMs(sync), 30_000);
  assert.equal(dependencyRequeueMs({ ...sync, retryIntervalMs: 10_000 }), 10_000);
});

test("failures map to Flux's reasons, naming the objects", () => {
  const outcome = (phases: SyncOutcome["errors"]): SyncOutcome => ({
    ok: false, changeSet: [], pruned: [], errors: phases, durationMs: 1,
    inventory: { id: "x", parent: "p", objects: 0, groupKinds: [], namespaces: [] },
  });
  assert.deepEqual(describeFailure(outcome([{ phase: "health", id: "Deployment/a/b", message: "Deployment/a/b: 0 of 1 updated replicas are available" }])), {
    reason: "HealthCheckFailed", message: "Deployment/a/b: 0 of 1 updated replicas are available",
  });
  assert.equal(describeFailure(outcome([{ phase: "prune", id: "x", message: "x: forbidden" }])).reason, "PruneFailed");
  const many = Array.from({ length: 7 }, (_, i) => ({ phase: "apply" as const, id: `C/${i}`, message: `C/${i}: bad` }));
  const d = describeFailure(outcome(many));
  assert.equal(d.reason, "ReconciliationFailed");
  assert.equal(d.message, "C/0: bad; C/1: bad; C/2: bad; C/3: bad; C/4: bad; and 2 more");
});
