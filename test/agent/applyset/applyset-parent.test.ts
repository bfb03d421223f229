import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { applySetId } from "../../../agent/applyset/applyset-id.ts";
import { parentBody, parentId, parentRef, readParent, unionRecords, withPartOf } from "../../../agent/applyset/applyset-parent.ts";
import { splitGroupKind } from "../../../agent/applyset/group-kind-mapping.ts";
import type { KubeObject } from "../../../agent/kube/kube-object.ts";
import { VERSION } from "../../../core/version.ts";

test("applySetId follows the KEP formula: base64url(sha256(name.namespace.kind.group)), no padding", () => {
  const id = applySetId({ name: "set1", namespace: "ns", kind: "Secret", group: "" });
  const expected = createHash("sha256").update("set1.ns.Secret.").digest("base64").replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  assert.equal(id, `applyset-${expected}-v1`);
  assert.doesNotMatch(id, /[=+/]/);
  assert.equal(parentId(parentRef("shop")), applySetId({ name: "slipway-shop", namespace: "slipway-system", kind: "ConfigMap", group: "" }));
});

test("parentBody records sorted group-kinds and the other namespaces, with our tooling", () => {
  const ref = parentRef("shop", "slipway-system");
  const body = parentBody(ref, { groupKinds: ["Service", "Deployment.apps", "ConfigMap"], namespaces: ["shop", "slipway-system", "monitoring"] });
  assert.deepEqual(body.metadata, {
    name: "slipway-shop",
    namespace: "slipway-system",
    labels: { "applyset.kubernetes.io/id": parentId(ref) },
    annotations: {
      "applyset.kubernetes.io/tooling": `slipway/${VERSION}`,
      "applyset.kubernetes.io/contains-group-kinds": "ConfigMap,Deployment.apps,Service",
      "applyset.kubernetes.io/additional-namespaces": "monitoring,shop",
    },
  });
  assert.equal(body.data, undefined, "the parent's data belongs to the status writer");
});

test("readParent verifies id and tooling and reads the record back", () => {
  const ref = parentRef("shop", "slipway-system");
  const body = parentBody(ref, { groupKinds: ["Deployment.apps"], namespaces: ["shop"] });
  assert.deepEqual(readParent(body, ref), { groupKinds: ["Deployment.apps"], namespaces: ["shop", "slipway-system"] });
  const foreign: KubeObject = { ...body, metadata: { ...body.metadata, annotations: { "applyset.kubernetes.io/tooling": "kubectl/v1.33.0" } } };
  assert.throws(() => readParent(foreign, ref), { message: "ConfigMap/slipway-system/slipway-shop: ApplySet is managed by kubectl/v1.33.0, not slipway; refusing to use it" });
  const wrongId: KubeObject = { ...body, metadata: { ...body.metadata, labels: { "applyset.kubernetes.io/id": parentId(parentRef("other")) } } };
  assert.throws(() => readParent(wrongId, ref), /does not match this parent/);
  assert.deepEqual(readParent({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "slipway-shop" } }, ref), { groupKinds: [], namespaces: [] });
});

test("unionRecords and withPartOf", () => {
  assert.deepEqual(unionRecords({ groupKinds: ["Service"], namespaces: ["a"] }, { groupKinds: ["ConfigMap", "Service"], namespaces: ["b"] }), {
    groupKinds: ["ConfigMap", "Service"],
    namespaces: ["a", "b"],
  });
  const obj: KubeObject = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", labels: { app: "x" } } };
  const member = withPartOf(obj, "applyset-abc-v1");
  assert.deepEqual(member.metadata.labels, { app: "x", "applyset.kubernetes.io/part-of": "applyset-abc-v1" });
  assert.deepEqual(obj.metadata.labels, { app: "x" }, "the input is not changed");
  assert.deepEqual(splitGroupKind("Deployment.apps"), { kind: "Deployment", group: "apps" });
  assert.deepEqual(splitGroupKind("Service"), { kind: "Service", group: "" });
});
