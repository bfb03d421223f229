import { test } from "node:test";
import assert from "node:assert/strict";
import { nextStatus, parseStatus } from "../../../agent/status/sync-status.ts";
import { viewParent } from "../../../agent/status/status-store.ts";
import { microTime, truncateNote } from "../../../agent/status/event-recorder.ts";

const rev1 = "eks@sha1:" + "1".repeat(40);
const rev2 = "eks@sha1:" + "2".repeat(40);

test("a failure keeps the last applied revision and records the attempted one", () => {
  const ok = nextStatus(undefined, { kind: "succeeded", revision: rev1, source: "m", objects: 16, changeSet: "16 created", durationMs: 812.4 }, "t1");
  assert.deepEqual(ok, {
    ready: "True", reason: "ReconciliationSucceeded", message: `Applied revision: ${rev1}`, lastTransitionTime: "t1",
    lastAppliedRevision: rev1, lastAttemptedRevision: rev1, source: "m", objects: 16, lastChangeSet: "16 created", lastDurationMs: 812, lastReconcileTime: "t1", suspended: false,
  });
  const failed = nextStatus(ok, { kind: "failed", reason: "BuildFailed", message: "apps/x.yaml:3: invalid YAML", revision: rev2, source: "m", durationMs: 5 }, "t2", "req-1");
  assert.equal(failed.ready, "False");
  assert.equal(failed.reason, "BuildFailed");
  assert.equal(failed.lastAppliedRevision, rev1);
  assert.equal(failed.lastAttemptedRevision, rev2);
  assert.equal(failed.objects, 16, "the object count of the set is kept");
  assert.equal(failed.lastTransitionTime, "t2");
  assert.equal(failed.lastHandledReconcileAt, "req-1");
  const again = nextStatus(failed, { kind: "failed", reason: "BuildFailed", message: "same", revision: rev2, source: "m", durationMs: 5 }, "t3");
  assert.equal(again.lastTransitionTime, "t2", "the transition time moves only when Ready changes");
  const sus = nextStatus(again, { kind: "suspended" }, "t4");
  assert.equal(sus.suspended, true);
  assert.equal(sus.ready, "False");
});

test("status text round-trips and junk is ignored", () => {
  const s = nextStatus(undefined, { kind: "progressing", revision: rev1, source: "m" }, "t");
  assert.deepEqual(parseStatus(JSON.stringify(s)), s);
  assert.equal(parseStatus("{"), undefined);
  assert.equal(parseStatus(JSON.stringify({ ready: "Maybe", reason: "X", message: "" })), undefined);
  assert.equal(parseStatus(undefined), undefined);
});

test("parents are recognised by label or tooling annotation; CLI annotations are read", () => {
  const v = viewParent({
    apiVersion: "v1", kind: "ConfigMap",
    metadata: { name: "slipway-shop", namespace: "slipway-system", uid: "u1", labels: { "slipway.dev/sync": "shop" }, annotations: { "slipway.dev/reconcile-requested-at": "2026-01-01T00:00:00.000Z", "slipway.dev/suspend": "true", "slipway.dev/reconcile-with-source": "true" } },
    data: { status: JSON.stringify(nextStatus(undefined, { kind: "suspended" }, "t")) },
  });
  assert.equal(v?.sync, "shop");
  assert.equal(v?.id, "ConfigMap/slipway-system/slipway-shop");
  assert.equal(v?.suspended, true);
  assert.equal(v?.withSource, true);
  assert.equal(v?.requestedAt, "2026-01-01T00:00:00.000Z");
  assert.equal(viewParent({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "slipway-x", annotations: { "applyset.kubernetes.io/tooling": "slipway/0.1.0" } } })?.sync, "x");
  assert.equal(viewParent({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "kube-root-ca.crt" } }), undefined);
  assert.equal(viewParent({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "slipway-y", annotations: { "applyset.kubernetes.io/tooling": "kubectl/v1.33" } } }), undefined);
});

test("event times and notes fit the API", () => {
  assert.equal(microTime(new Date("2026-01-02T03:04:05.678Z")), "2026-01-02T03:04:05.678000Z");
  const long = "Deployment/shop/account configured\n".repeat(100);
  const cut = truncateNote(long);
  assert.ok(Buffer.byteLength(cut) <= 1024);
  assert.ok(cut.endsWith(" …"));
  assert.equal(truncateNote("short"), "short");
});
