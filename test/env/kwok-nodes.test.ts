// The fake Node objects carry kwok's management annotation and no taint, and Ready nodes are
// read from a node list.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fakeNodeNames, fakeNodesManifest, readyNodeNames } from "./kwok-nodes.ts";

test("fake nodes are annotated for kwok and untainted", () => {
  const list = JSON.parse(fakeNodesManifest()) as { items: { metadata: { name: string; annotations: Record<string, string> }; spec?: { taints?: unknown[] } }[] };
  assert.deepEqual(list.items.map((n) => n.metadata.name), [...fakeNodeNames]);
  for (const n of list.items) {
    assert.equal(n.metadata.annotations["kwok.x-k8s.io/node"], "fake");
    assert.equal(n.spec?.taints, undefined);
  }
});

test("readyNodeNames keeps nodes whose Ready condition is True", () => {
  const nodes = {
    items: [
      { metadata: { name: "a" }, status: { conditions: [{ type: "Ready", status: "True" }] } },
      { metadata: { name: "b" }, status: { conditions: [{ type: "Ready", status: "False" }] } },
      { metadata: { name: "c" }, status: {} },
    ],
  };
  assert.deepEqual(readyNodeNames(JSON.stringify(nodes)), ["a"]);
});
