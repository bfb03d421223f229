/** Semver ranges, Flux's version parsing and image policies against Masterminds semver and Flux's policy loops (the oracle). */
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import fc from "fast-check";
import { openOracle } from "../env/oracle.ts";
import { comparePolicy, compareSemver, policyCaseArb, semverCaseArb, type PolicyCase, type SemverCase } from "./semver-cases.ts";

const o = await openOracle();
after(() => o.oracle?.close());

const semverTable: SemverCase[] = [
  { range: ">=1.0.0-0 <2.0.0", version: "1.5.0-rc.1" },
  { range: "~0.0.0", version: "5.0.0" },
  { range: "^0.0", version: "0.0.9" },
  { range: ">1.x", version: "2.0.0" },
  { range: "<=1.2", version: "1.2.9" },
  { range: "1.2 - 1.4", version: "1.4.7" },
  { range: "!=1.2.x", version: "1.2.0-rc.1" },
  { range: ">=1.0.0", version: "01.02.03" },
  { range: ">=1.0.0", version: "v1.0" },
  { range: ">=1.0.0", version: "18446744073709551615.0.0" },
  { range: ">=1.0.0", version: "18446744073709551616.0.0" },
  { range: "=>1.0.0, =<2", version: "2.9.9" },
];
const policyTable: PolicyCase[] = [
  { kind: "numerical", range: "", order: "asc", tags: ["1_000", "2"] },
  { kind: "numerical", range: "", order: "asc", tags: ["0x1p-2", "0.1"] },
  { kind: "numerical", range: "", order: "desc", tags: ["NaN", "1", "-inf"] },
  { kind: "alphabetical", range: "", order: "asc", tags: ["20240101", "latest", "é"] },
  { kind: "semver", range: ">=1.0.0", order: "asc", tags: ["1.0.0", "v1.0.0", "1.0.0+b"] },
  { kind: "semver", range: "^1", order: "asc", filter: { pattern: "^v?(?P<v>.*)$", extract: "$v" }, tags: ["v1.2.3", "1.2.3", "v1.3.0-rc.1"] },
];

describe("semver ranges and tags agree with Masterminds semver and fluxcd/pkg/version", { skip: o.skip }, () => {
  for (const c of semverTable) {
    test(`${JSON.stringify(c.version)} in ${JSON.stringify(c.range)}`, async () => {
      assert.equal(await compareSemver(o.oracle!, c), undefined);
    });
  }
  test("generated ranges and versions", async () => {
    await fc.assert(
      fc.asyncProperty(semverCaseArb, async (c) => {
        const diff = await compareSemver(o.oracle!, c);
        assert.equal(diff, undefined, diff);
      }),
      { numRuns: 10_000 },
    );
  });
});

describe("image policies select the tag Flux's policies select", { skip: o.skip }, () => {
  for (const c of policyTable) {
    test(`${c.kind} ${c.range || c.order} over ${JSON.stringify(c.tags)}${c.filter ? ` filtered by /${c.filter.pattern}/` : ""}`, async () => {
      assert.equal(await comparePolicy(o.oracle!, c), undefined);
    });
  }
  test("generated policies and tag lists", async () => {
    await fc.assert(
      fc.asyncProperty(policyCaseArb, async (c) => {
        const diff = await comparePolicy(o.oracle!, c);
        assert.equal(diff, undefined, diff);
      }),
      { numRuns: 10_000 },
    );
  });
});
