/**
 * Semver ranges and versions: where they agree with npm `semver` (checked against it as an
 * oracle with generated cases) and, one test each, the documented places where Flux's
 * Masterminds rules and npm differ.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import semver from "semver";
import { parseSemverRange, satisfiesRange } from "../../../core/policy/semver-range.ts";
import { compareVersions, formatVersion, parseLooseVersion, parseTagVersion } from "../../../core/policy/semver-version.ts";

function ours(range: string, version: string): boolean {
  const v = parseTagVersion(version);
  assert.ok(v, `${version} parses`);
  return satisfiesRange(parseSemverRange(range), v);
}

function npm(range: string, version: string): boolean | null {
  return semver.validRange(range) === null ? null : semver.satisfies(version, range);
}

describe("where Flux (Masterminds) and npm semver differ", () => {
  const cases: { why: string; range: string; version: string; ours: boolean; npm: boolean | null }[] = [
    { why: "a prerelease comparator admits prereleases of any version in its AND-group", range: ">=1.0.0-0 <2.0.0", version: "1.5.0-rc.1", ours: true, npm: false },
    { why: "npm admits prereleases only of the comparator's own major.minor.patch", range: ">=1.0.0-rc.1", version: "1.1.0-rc.1", ours: true, npm: false },
    { why: "~0.0.0 matches everything in Masterminds, <0.1.0 in npm", range: "~0.0.0", version: "0.5.0", ours: true, npm: false },
    { why: "a comma means AND; npm rejects the range", range: ">=1.0.0, <2.0.0", version: "1.5.0", ours: true, npm: null },
    { why: "!= is an operator; npm has none", range: "!=1.2.3", version: "1.2.4", ours: true, npm: null },
    { why: "=> and =< are operators; npm rejects them", range: "=>1.0.0", version: "1.0.0", ours: true, npm: null },
  ];
  for (const c of cases) {
    test(c.why, () => {
      assert.equal(ours(c.range, c.version), c.ours);
      assert.equal(npm(c.range, c.version), c.npm);
    });
  }

  test("leading zeros: a tag 01.02.03 is version 1.2.3 (npm strict rejects it), and ranges read them loosely too", () => {
    assert.equal(formatVersion(parseTagVersion("01.02.03")!), "1.2.3");
    assert.equal(parseTagVersion("01.02.03")?.original, "01.02.03");
    assert.equal(semver.valid("01.02.03"), null);
    assert.equal(formatVersion(parseLooseVersion("01.02.03")!), "1.2.3");
    assert.equal(ours(">=01.02.0", "1.2.0"), true);
    assert.equal(semver.validRange(">=01.02.0"), null);
  });
  test("tags: what Flux's ParseVersion rejects (fewer than three dot-parts, or no loose version), and accepts", () => {
    for (const bad of ["v1.0", "v1", "v1.2.beta", "v1.2-5", "\nv1.2", "v1.2.3.4", "vv1.2.3", "1.2.3-", "1.2.3+", "1.2.3-rc..1", "1.2.3-01"]) {
      assert.equal(parseTagVersion(bad), undefined, bad);
    }
    for (const good of ["v1.2.3", "v1.2.0-x.Y.0+metadata", "v1.2.0-x.Y.0+metadata-width-hypen", "v1.2.3-rc1-with-hypen", "0.0.0", "v2025.02.03-rc.1", "v1.2-beta.5"]) {
      assert.ok(parseTagVersion(good), good);
    }
  });
  test("loose npm accepts `=1.2.3` and ` 1.2.3`; Flux does not", () => {
    assert.equal(parseTagVersion("=1.2.3"), undefined);
    assert.equal(parseTagVersion(" 1.2.3"), undefined);
    assert.equal(semver.valid("=1.2.3", { loose: true }), "1.2.3");
  });
  test("numbers up to 2^64-1 are versions; npm stops at 2^53-1", () => {
    assert.ok(parseTagVersion("9007199254740993.0.0"));
    assert.equal(semver.valid("9007199254740993.0.0"), null);
  });
  test("the 3-part rule: v1.0 and v1 are not tags, though ranges accept them as 1.0.x and 1.x", () => {
    assert.equal(parseTagVersion("v1.0"), undefined);
    assert.equal(parseTagVersion("v1"), undefined);
    assert.ok(parseLooseVersion("v1.0"));
    assert.equal(ours("v1.0", "1.0.7"), true);
  });
});

describe("parseSemverRange", () => {
  for (const bad of ["", " ", ">=", "foo", "1.2.3.4", ">=1.0.0 <", "1x", ">=1.0.0-01", "1 - ", "~>", "|| 1.0.0"]) {
    test(`rejects ${JSON.stringify(bad)} naming the range`, () => {
      assert.throws(() => parseSemverRange(bad), (err: Error) => err.message.startsWith(`semver range "${bad}"`));
    });
  }
  test("accepts spaces between operator and version and around commas", () => {
    assert.equal(ours(">= 1.0.0 , < 2.0.0", "1.9.0"), true);
    assert.equal(ours(">= 1.0.0 , < 2.0.0", "2.0.0"), false);
  });
  test("a hyphen range inside an OR", () => {
    assert.equal(ours("1.0.0 - 1.2.0 || >=3", "1.2.0"), true);
    assert.equal(ours("1.0.0 - 1.2.0 || >=3", "2.0.0"), false);
    assert.equal(ours("1.0.0 - 1.2.0 || >=3", "3.0.1"), true);
  });
  test("!= with a wildcard excludes the whole minor", () => {
    assert.equal(ours("!=1.2.x", "1.2.9"), false);
    assert.equal(ours("!=1.2.x", "1.3.0"), true);
  });
});

describe("agreement with npm semver on release versions and plain comparators", () => {
  const num = fc.integer({ min: 0, max: 4 });
  const version = fc.tuple(num, num, num).map(([a, b, c]) => `${a}.${b}.${c}`);
  const op = fc.constantFrom(">", ">=", "<", "<=", "=", "", "~", "^");
  const comparator = fc
    .tuple(op, version)
    .filter(([o, v]) => !(o === "~" && v === "0.0.0")) // the one documented Masterminds special case
    .map(([o, v]) => `${o}${v}`);
  const range = fc
    .array(fc.array(comparator, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 2 })
    .map((branches) => branches.map((b) => b.join(" ")).join(" || "));

  test("satisfiesRange equals semver.satisfies", () => {
    fc.assert(
      fc.property(range, version, (r, v) => {
        assert.equal(ours(r, v), semver.satisfies(v, r), `${v} in ${r}`);
      }),
      { numRuns: 3000 },
    );
  });

  test("compareVersions equals semver.compare, prereleases included", () => {
    const ident = fc.oneof(fc.constantFrom("alpha", "beta", "rc", "a-b", "0", "1", "2", "10", "99"));
    const full = fc
      .tuple(version, fc.array(ident, { maxLength: 3 }))
      .map(([v, pre]) => (pre.length > 0 ? `${v}-${pre.join(".")}` : v));
    fc.assert(
      fc.property(full, full, (a, b) => {
        assert.equal(compareVersions(parseTagVersion(a)!, parseTagVersion(b)!), semver.compare(a, b), `${a} vs ${b}`);
      }),
      { numRuns: 3000 },
    );
  });
});
