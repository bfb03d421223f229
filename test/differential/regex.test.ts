/** filterTags patterns against Go's regexp (the oracle): table cases and generated ones. */
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import fc from "fast-check";
import { openOracle } from "../env/oracle.ts";
import { compareRegex, regexCaseArb, type RegexCase } from "./regex-cases.ts";

const o = await openOracle();
after(() => o.oracle?.close());

const table: RegexCase[] = [
  { pattern: "\\pL+", extract: "", input: "abc" },
  { pattern: "a(?i)b", extract: "", input: "aB" },
  { pattern: "^\\Q1.2\\E$", extract: "", input: "1.2" },
  { pattern: "^[[:^digit:]]+$", extract: "", input: "ab" },
  { pattern: "^\\x{41}$", extract: "", input: "A" },
  { pattern: "(?U)a+", extract: "$0", input: "aaa" },
  { pattern: "a{1001}", extract: "", input: "a" },
  { pattern: "(?P<x>a)|(?P<x>b)", extract: "$x", input: "b" },
  { pattern: "^(\\d+)$", extract: "$123456789", input: "5" },
  { pattern: "^(?P<é>\\d+)$", extract: "$é", input: "5" },
];

describe("filterTags patterns agree with Go's regexp", { skip: o.skip }, () => {
  for (const c of table) {
    test(`/${c.pattern}/ extract ${JSON.stringify(c.extract)} on ${JSON.stringify(c.input)}`, async () => {
      assert.equal(await compareRegex(o.oracle!, c), undefined);
    });
  }

  test("generated patterns, templates and tags", async () => {
    const before = o.oracle!.answered;
    await fc.assert(
      fc.asyncProperty(regexCaseArb, async (c) => {
        const diff = await compareRegex(o.oracle!, c);
        assert.equal(diff, undefined, diff);
      }),
      { numRuns: 5000 },
    );
    assert.ok(o.oracle!.answered - before >= 5000);
  });
});
