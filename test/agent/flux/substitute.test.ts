import { test } from "node:test";
import assert from "node:assert/strict";
import { substituteObjects, substituteText } from "../../../agent/flux/substitute.ts";
import type { KubeObject } from "../../../agent/kube/kube-object.ts";

test("${var}, ${var:=default}, $${var} and a variable without value, as Flux reads them", () => {
  const r = substituteText("a: ${cluster}\nb: ${region:=ap-northeast-2}\nc: ${empty:=fallback}\nd: $${cluster}\ne: ${missing}\nf: $cluster\n", { cluster: "eks", empty: "" });
  assert.equal(r.text, "a: eks\nb: ap-northeast-2\nc: fallback\nd: ${cluster}\ne: ${missing}\nf: $cluster\n");
  assert.deepEqual(r.missing, ["missing"]);
});

test("objects marked substitute: disabled are left as written; the others warn once per missing variable", () => {
  const cm = (name: string, extra: Record<string, string> = {}): KubeObject => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "ns", annotations: extra }, data: { v: "${cluster}", w: "${nope}", x: "${nope}" } });
  const out = substituteObjects([cm("a"), cm("b", { "kustomize.toolkit.fluxcd.io/substitute": "disabled" })], { cluster: "eks" });
  assert.deepEqual(out.objects[0]?.data, { v: "eks", w: "${nope}", x: "${nope}" });
  assert.deepEqual(out.objects[1]?.data, { v: "${cluster}", w: "${nope}", x: "${nope}" });
  assert.deepEqual(out.warnings, ["ConfigMap/ns/a: ${nope} has no value and no default; left as written"]);
});
