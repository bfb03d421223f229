import { test } from "node:test";
import assert from "node:assert/strict";
import { diffText, maskSecrets, objectDiff } from "../../../agent/apply/plan-diff.ts";
import type { KubeObject } from "../../../agent/kube/kube-object.ts";

const secret = (data: Record<string, string>, extra: Partial<KubeObject["metadata"]> = {}): KubeObject => ({ apiVersion: "v1", kind: "Secret", metadata: { name: "s", namespace: "n", ...extra }, type: "Opaque", data });

test("Secret values are masked: same → ***, changed → *** (before) / *** (after), one side only → ***", () => {
  const [b, a] = maskSecrets(secret({ same: "c2FtZQ==", changed: "b2xk", gone: "eA==" }), secret({ same: "c2FtZQ==", changed: "bmV3", added: "eQ==" }));
  assert.deepEqual(b?.data, { same: "***", changed: "*** (before)", gone: "***" });
  assert.deepEqual(a?.data, { same: "***", changed: "*** (after)", added: "***" });
});

test("the diff of a Secret never holds its values, stringData and kubectl's last-applied annotation included", () => {
  const live = secret({ password: Buffer.from("hunter2").toString("base64") }, { annotations: { "kubectl.kubernetes.io/last-applied-configuration": '{"stringData":{"password":"hunter2"}}' } });
  const next: KubeObject = { ...secret({ password: Buffer.from("correct horse").toString("base64") }), stringData: { token: "battery staple" } };
  const d = objectDiff("Secret/n/s", live, next);
  assert.match(d, /^- {2}password: "\*\*\* \(before\)"$/m);
  assert.match(d, /^\+ {2}password: "\*\*\* \(after\)"$/m);
  assert.match(d, /^\+ {2}token: "\*\*\*"$/m);
  for (const s of ["hunter2", "correct horse", "battery staple", "aHVudGVyMg==", "Y29ycmVjdCBob3JzZQ=="]) assert.ok(!d.includes(s), `${s} in the diff`);
  assert.ok(d.includes("last-applied-configuration"), "the annotation is still shown as present");
});

test("other kinds are shown as they are, without status and server bookkeeping", () => {
  const cm: KubeObject = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namespace: "n", resourceVersion: "5", uid: "u", managedFields: [] }, data: { k: "v" }, status: { x: 1 } };
  assert.equal(diffText(cm), "apiVersion: v1\ndata:\n  k: v\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: n\n");
  assert.equal(objectDiff("ConfigMap/n/c", cm, { ...cm, status: { x: 2 } }), "");
});
