import { test } from "node:test";
import assert from "node:assert/strict";
import { countActions, formatEntry, summarize, summaryWrote } from "../../../agent/apply/change-set.ts";

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
  // summaryWrote reads the summary back: any write counts, unchanged and skipped do not.
  assert.equal(summaryWrote(summarize(entries)), true);
  for (const action of ["created", "configured", "deleted"] as const) assert.equal(summaryWrote(summarize([{ id: "A", action }])), true, action);
  assert.equal(summaryWrote(summarize([{ id: "A", action: "unchanged" }, { id: "B", action: "skipped" }])), false);
  assert.equal(summaryWrote(summarize([])), false);
});
