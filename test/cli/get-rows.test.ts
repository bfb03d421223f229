import { test } from "node:test";
import assert from "node:assert/strict";
import { fluxTable, kustomizationRows, sourceRows } from "../../cli/commands/get.ts";
import type { ParentView } from "../../agent/status/status-store.ts";
import type { SyncStatus } from "../../agent/status/sync-status.ts";

const view = (sync: string, status: Partial<SyncStatus>, suspended = false): ParentView => ({
  sync,
  id: `ConfigMap/slipway-system/slipway-${sync.replace("/", ".")}`,
  withSource: false,
  suspended,
  status: { ready: "True", reason: "ReconciliationSucceeded", message: "", lastTransitionTime: "2026-01-01T00:00:00Z", ...status },
});

test("Flux's columns for Kustomizations and GitRepositories, NAMESPACE first with -A", () => {
  const rev = `eks@sha1:${"a".repeat(40)}`;
  const mon = `main@sha1:${"b".repeat(40)}`;
  const views = [
    view("flux-system", { message: `Applied revision: ${rev}`, lastAppliedRevision: rev, lastAttemptedRevision: rev, source: "flux-system", lastReconcileTime: "2026-01-01T00:01:00Z" }),
    view("flux-system/monitoring-stack", { message: `Applied revision: ${mon}`, lastAppliedRevision: mon, lastAttemptedRevision: mon, source: "flux-system/monitoring", lastReconcileTime: "2026-01-01T00:02:00Z" }),
    view("flux-system/secrets", { ready: "False", reason: "BuildFailed", message: "x.yaml:14: decryption", source: "flux-system", lastReconcileTime: "2026-01-01T00:03:00Z" }, true),
  ];
  const ks = kustomizationRows(views, "slipway-system");
  assert.deepEqual(ks.map((r) => [r.namespace, r.name, r.ready, r.suspended]), [
    ["flux-system", "monitoring-stack", "True", false],
    ["flux-system", "secrets", "False", true],
    ["slipway-system", "flux-system", "True", false],
  ]);
  const out = fluxTable(ks, true).split("\n");
  assert.match(out[0] ?? "", /^NAMESPACE\s+NAME\s+REVISION\s+SUSPENDED\s+READY\s+MESSAGE$/);
  assert.match(out[2] ?? "", /^flux-system\s+secrets\s+True\s+False\s+x\.yaml:14: decryption$/);
  // A source's row is what its syncs last fetched; a sync that never fetched says nothing.
  const src = sourceRows(views, "slipway-system");
  assert.deepEqual(src.map((r) => [r.namespace, r.name, r.revision, r.ready, r.message]), [
    ["flux-system", "monitoring", mon, "True", `Fetched revision: ${mon}`],
    ["slipway-system", "flux-system", rev, "True", `Fetched revision: ${rev}`],
  ]);
  assert.match(fluxTable(src, false, "gitrepository/").split("\n")[1] ?? "", /^gitrepository\/monitoring\s+main@sha1:b{40}\s+False\s+True\s+Fetched revision/);
  // A source's own status wins over its syncs': a failed fetch shows with the last good revision.
  const own = sourceRows(views, "slipway-system", [
    { source: "flux-system/monitoring", status: { ready: "False", reason: "GitOperationFailed", message: "source flux-system/monitoring: cannot fetch\nbranch main", revision: mon, url: "https://x/m.git", ref: "branch main", lastFetchTime: "2026-01-01T00:05:00Z", lastTransitionTime: "2026-01-01T00:05:00Z", lastFetchDurationMs: 3 } },
  ]);
  assert.deepEqual(own.map((r) => [r.name, r.revision, r.ready, r.message, r.reason, r.lastFetchTime]), [
    ["monitoring", mon, "False", "source flux-system/monitoring: cannot fetch branch main", "GitOperationFailed", "2026-01-01T00:05:00Z"],
    ["flux-system", rev, "True", `Fetched revision: ${rev}`, undefined, undefined],
  ]);
});
