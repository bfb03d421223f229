import { test } from "node:test";
import assert from "node:assert/strict";
import { nextLink } from "../../../action/registry/link-header.ts";

test("the next link is found among several relations", () => {
  assert.equal(nextLink('</v2/a/tags/list?last=x&n=1000>; rel="next"'), "/v2/a/tags/list?last=x&n=1000");
  assert.equal(nextLink('<https://r/v2/a/tags/list?n=2&last=b>; rel="prev", <https://r/v2/a/tags/list?n=2&last=d>; rel=next'), "https://r/v2/a/tags/list?n=2&last=d");
  assert.equal(nextLink('</x>; rel="first next"'), "/x");
});

test("no next link", () => {
  assert.equal(nextLink(null), undefined);
  assert.equal(nextLink('</x>; rel="prev"'), undefined);
  assert.equal(nextLink('</x>; rel="nextish"'), undefined);
});
