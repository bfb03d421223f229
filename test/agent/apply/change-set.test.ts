import { test } from "node:test";
import assert from "node:assert/strict";
import { countActions, formatEntry, summarize } from "../../../agent/apply/change-set.ts";

test("change sets read like kubectl", () => {
  assert.equal(formatEntry({ id: "Deployment/shop/account", action: "configured" }), "Deployment/shop/account configured");
  const entries = [
    { id: "A", action: "created" as const },
    { id: "B", action: "unchanged" as const },
    { id: "C", action: "unchanged" as const },
    { id: "D", action: "deleted" as const },
  ];
  assert.deepEqual(countActions(entries), { created: 1, unchanged: 2, deleted: 1 });
  assert.equal(summarize(entries), "1 created, 1 deleted, 2 unchanged");
  assert.equal(summarize([]), "no changes");
});
