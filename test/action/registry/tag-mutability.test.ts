import { test } from "node:test";
import assert from "node:assert/strict";
import { ALL_TAGS_MUTABLE, tagImmutability } from "../../../action/registry/tag-mutability.ts";

test("MUTABLE and IMMUTABLE apply to every tag", () => {
  assert.equal(ALL_TAGS_MUTABLE("x"), false);
  assert.equal(tagImmutability(undefined)("x"), false);
  assert.equal(tagImmutability("MUTABLE", [{ filter: "x" }])("x"), false);
  assert.equal(tagImmutability("IMMUTABLE")("latest"), true);
});

test("exclusion filters are wildcards matched against the whole tag", () => {
  const rule = tagImmutability("IMMUTABLE_WITH_EXCLUSION", [{ filter: "latest" }, { filter: "dev-*" }, { filter: "a.b" }]);
  assert.equal(rule("latest"), false);
  assert.equal(rule("dev-feature-x"), false);
  assert.equal(rule("a.b"), false);
  assert.equal(rule("axb"), true, "a dot is a dot, not any character");
  assert.equal(rule("latest2"), true, "anchored at the end");
  assert.equal(rule("20210608052721"), true);
  const inverse = tagImmutability("MUTABLE_WITH_EXCLUSION", [{ filter: "v*" }]);
  assert.equal(inverse("v1.0.0"), true);
  assert.equal(inverse("latest"), false);
});

test("an unknown setting is treated as immutable", () => {
  assert.equal(tagImmutability("SOMETHING_NEW")("x"), true);
});
