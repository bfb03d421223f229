/** An ImageRepository's exclusionList: Flux's default drops cosign signature tags. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { compileExclusionList } from "../../../core/policy/exclusion-list.ts";

test("the default list excludes *.sig tags and nothing else", () => {
  const list = compileExclusionList();
  assert.equal(list.excludedBy("sha256-3b5c0f1e.sig"), "^.*\\.sig$");
  assert.equal(list.excludedBy("20210608052721"), undefined);
  assert.equal(list.excludedBy("v1.0.0-sig"), undefined);
});

test("custom patterns: the first matching one is reported", () => {
  const list = compileExclusionList(["^latest$", "dev"]);
  assert.equal(list.excludedBy("latest"), "^latest$");
  assert.equal(list.excludedBy("feature-dev-1"), "dev");
  assert.equal(list.excludedBy("x.sig"), undefined);
});

test("an invalid pattern names the exclusion list", () => {
  assert.throws(() => compileExclusionList(["(a)\\1"]), /^SlipwayError: exclusionList pattern "\(a\)\\1": invalid regular expression/);
});
