/**
 * Policy vectors: each row checks one documented behaviour of Flux's image policies (Flux
 * ImagePolicy docs, Masterminds semver v3 README and constraint rules, Go regexp/strconv docs),
 * cited in its `why`.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { ImagePolicy, PolicyChoice } from "../../../core/policy/image-policy.ts";
import { explainSelection, selectTag } from "../../../core/policy/select-tag.ts";

interface Vector {
  why: string;
  choice: PolicyChoice;
  filter?: { pattern?: string; extract?: string };
  tags: string[];
  /** The selected tag, or a RegExp the error message must match. */
  want: string | RegExp;
}

const semver = (range: string): PolicyChoice => ({ kind: "semver", range });
const asc = { kind: "alphabetical", order: "asc" } as const;
const desc = { kind: "alphabetical", order: "desc" } as const;
const numAsc = { kind: "numerical", order: "asc" } as const;
const numDesc = { kind: "numerical", order: "desc" } as const;

const vectors: Vector[] = [
  // ── semver: selection and parsing of tags ──
  { why: "semver: the highest version inside the range wins", choice: semver(">=1.0.0"), tags: ["1.0.0", "1.2.0", "1.1.9"], want: "1.2.0" },
  { why: "semver: a leading v is accepted and the original tag is returned", choice: semver(">=1.0.0"), tags: ["v1.0.1", "1.0.0"], want: "v1.0.1" },
  { why: "semver 3-part rule: `v2.0` and `v3` do not split into three parts and are ignored", choice: semver(">=1.0.0"), tags: ["v2.0", "v3", "1.0.0"], want: "1.0.0" },
  { why: "semver: `1.2.3.4` splits into three parts but is not a version, so it is ignored", choice: semver("*"), tags: ["1.2.3.4", "1.2.3"], want: "1.2.3" },
  { why: "semver 3-part rule: `v1.2-5` has only two dot-parts and is ignored", choice: semver("*"), tags: ["v1.2-5", "0.1.0"], want: "0.1.0" },
  { why: "semver (issue #3; fluxcd/pkg version.ParseVersion = SplitN 3 parts + Masterminds NewVersion): leading zeros are accepted, 01.02.03 is 1.2.3 and the original tag is returned", choice: semver(">=1.0.0"), tags: ["01.02.03", "1.2.2"], want: "01.02.03" },
  { why: "semver: 1.2-rc.1.3 splits into three dot-parts and NewVersion reads it loosely as 1.2.0-rc.1.3", choice: semver(">=1.0.0-0"), tags: ["1.2-rc.1.3", "1.0.0"], want: "1.2-rc.1.3" },
  { why: "semver (Flux's own vector): 1.0.0.1 and 1.0.0p are skipped, 1.0.x picks 1.0.1", choice: semver("1.0.x"), tags: ["1.0.0", "1.0.0.1", "1.0.0p", "1.0.1", "1.2.0", "0.1.0"], want: "1.0.1" },
  { why: "semver (Flux's own vector): a prefix other than v makes no version", choice: semver("1.0.x"), tags: ["b1.2.3", "b1.0.0", "b0.1.0"], want: /no tag satisfies/ },
  { why: "semver: ranges still read leading zeros loosely (>=01.02.0 is >=1.2.0)", choice: semver(">=01.02.0"), tags: ["1.1.9", "1.2.0"], want: "1.2.0" },
  { why: "semver: the comma needs no space (>0,<2.0, from Flux's tests); >0 means >=1.0.0 (wildcard minor)", choice: semver(">0,<2.0"), tags: ["0.5.0", "1.5.0", "2.0.0"], want: "1.5.0" },
  { why: "semver 2.0: a numeric prerelease identifier with a leading zero makes the tag invalid", choice: semver(">=1.0.0-0"), tags: ["1.0.0-alpha", "1.0.0-beta.01"], want: "1.0.0-alpha" },
  { why: "semver: build metadata is ignored when ranking (1.0.0+999 is not above 1.0.1)", choice: semver("*"), tags: ["1.0.1", "1.0.0+999"], want: "1.0.1" },
  { why: "semver: build metadata is ignored when matching (=1.0.0 admits 1.0.0+build.7)", choice: semver("=1.0.0"), tags: ["1.0.0+build.7", "1.0.1"], want: "1.0.0+build.7" },
  { why: "semver: tags that are not versions are skipped, not errors", choice: semver(">=1.0.0"), tags: ["latest", "main-abc123", "1.0.0"], want: "1.0.0" },
  { why: "semver: numbers are unsigned 64-bit; 2^64 overflows and the tag is ignored", choice: semver("*"), tags: ["18446744073709551616.0.0", "1.0.0"], want: "1.0.0" },
  { why: "semver: 2^64-1 is still a valid major version", choice: semver("*"), tags: ["18446744073709551615.0.0", "1.0.0"], want: "18446744073709551615.0.0" },
  { why: "semver: equal versions (v1.0.0, 1.0.0) tie; the first in the list wins (Flux keeps it unless a later one is greater)", choice: semver("*"), tags: ["v1.0.0", "1.0.0"], want: "v1.0.0" },
  { why: "semver: versions differing only in build metadata tie; the first wins", choice: semver("*"), tags: ["1.0.0+b2", "1.0.0+b1"], want: "1.0.0+b2" },
  // ── semver: prerelease rules (Masterminds v3: admitted only if the AND-group names a prerelease) ──
  { why: "prerelease: excluded when the range has no prerelease comparator", choice: semver(">=1.0.0"), tags: ["1.0.0", "1.1.0-rc.1"], want: "1.0.0" },
  { why: "prerelease: `-0` in the range admits prereleases", choice: semver(">=1.0.0-0"), tags: ["1.0.0", "1.1.0-rc.1"], want: "1.1.0-rc.1" },
  { why: "prerelease: one prerelease comparator admits them for the whole AND-group (npm would not)", choice: semver(">=1.0.0-0 <2.0.0"), tags: ["1.4.0", "1.5.0-rc.1"], want: "1.5.0-rc.1" },
  { why: "prerelease: a prerelease comparator in another ||-branch does not admit them", choice: semver(">=2.0.0-0 || <1.5.0"), tags: ["1.4.0", "1.4.5-rc.1"], want: "1.4.0" },
  { why: "prerelease: a release outranks its own prereleases", choice: semver(">=1.0.0-0"), tags: ["1.0.0-rc.2", "1.0.0"], want: "1.0.0" },
  { why: "prerelease order: numeric identifiers compare as numbers (alpha.10 > alpha.9)", choice: semver(">=1.0.0-0"), tags: ["1.0.0-alpha.10", "1.0.0-alpha.9"], want: "1.0.0-alpha.10" },
  { why: "prerelease order: alphanumeric identifiers outrank numeric ones", choice: semver(">=1.0.0-0"), tags: ["1.0.0-alpha.beta", "1.0.0-alpha.99"], want: "1.0.0-alpha.beta" },
  { why: "prerelease order: a longer identifier list outranks its prefix", choice: semver(">=1.0.0-0"), tags: ["1.0.0-alpha", "1.0.0-alpha.1"], want: "1.0.0-alpha.1" },
  { why: "prerelease: a wildcard range `*` excludes prereleases", choice: semver("*"), tags: ["0.0.1", "3.0.0", "3.0.1-rc.1"], want: "3.0.0" },
  // ── semver: range syntax ──
  { why: "tilde: ~1.2.3 is >=1.2.3 <1.3.0", choice: semver("~1.2.3"), tags: ["1.2.9", "1.3.0", "1.2.2"], want: "1.2.9" },
  { why: "tilde: ~1 is >=1.0.0 <2.0.0", choice: semver("~1"), tags: ["1.9.9", "2.0.0"], want: "1.9.9" },
  { why: "tilde: ~>1.2 is the same as ~1.2 (>=1.2.0 <1.3.0)", choice: semver("~>1.2"), tags: ["1.2.9", "1.3.0"], want: "1.2.9" },
  { why: "tilde: ~0.0.0 matches everything (Masterminds special case; npm: <0.1.0)", choice: semver("~0.0.0"), tags: ["0.1.0", "5.0.0"], want: "5.0.0" },
  { why: "caret: ^1.2.3 is >=1.2.3 <2.0.0", choice: semver("^1.2.3"), tags: ["1.9.0", "2.0.0", "1.2.2"], want: "1.9.0" },
  { why: "caret 0.x: ^0.2.3 is >=0.2.3 <0.3.0", choice: semver("^0.2.3"), tags: ["0.2.9", "0.3.0"], want: "0.2.9" },
  { why: "caret 0.0.x: ^0.0.3 is exactly 0.0.3", choice: semver("^0.0.3"), tags: ["0.0.3", "0.0.4"], want: "0.0.3" },
  { why: "caret: ^0.0 is >=0.0.0 <0.1.0", choice: semver("^0.0"), tags: ["0.0.9", "0.1.0"], want: "0.0.9" },
  { why: "caret: ^0 is >=0.0.0 <1.0.0", choice: semver("^0"), tags: ["0.9.9", "1.0.0"], want: "0.9.9" },
  { why: "wildcard: 1.2.x is >=1.2.0 <1.3.0", choice: semver("1.2.x"), tags: ["1.2.7", "1.3.0"], want: "1.2.7" },
  { why: "wildcard: X is a wildcard too (1.X)", choice: semver("1.X"), tags: ["1.9.0", "2.0.0"], want: "1.9.0" },
  { why: "wildcard: * is a wildcard too (1.2.*)", choice: semver("1.2.*"), tags: ["1.2.4", "1.3.0"], want: "1.2.4" },
  { why: "wildcard: a missing part is a wildcard (1.2 = 1.2.x)", choice: semver("1.2"), tags: ["1.2.5", "1.3.0"], want: "1.2.5" },
  { why: "wildcard: >1.x means >=2.0.0, so 1.9.9 is outside", choice: semver(">1.x"), tags: ["1.9.9"], want: /no tag satisfies semver range ">1\.x"/ },
  { why: "wildcard: >1.2 means >=1.3.0", choice: semver(">1.2"), tags: ["1.2.9", "1.3.0"], want: "1.3.0" },
  { why: "wildcard: <=1.2 includes all of 1.2.x", choice: semver("<=1.2"), tags: ["1.2.9", "1.3.0"], want: "1.2.9" },
  { why: "wildcard: <1.2 means <1.2.0", choice: semver("<1.2"), tags: ["1.1.9", "1.2.0"], want: "1.1.9" },
  { why: "hyphen range: 1.2 - 1.4 is inclusive, the upper bound a wildcard (<1.5.0)", choice: semver("1.2 - 1.4"), tags: ["1.4.9", "1.5.0", "1.1.0"], want: "1.4.9" },
  { why: "hyphen range: 1.2.3 - 2.3.4 includes 2.3.4", choice: semver("1.2.3 - 2.3.4"), tags: ["2.3.4", "2.3.5"], want: "2.3.4" },
  { why: "AND: a comma joins comparators", choice: semver(">=1.0.0, <1.5.0"), tags: ["1.4.0", "1.5.0"], want: "1.4.0" },
  { why: "AND: a space joins comparators", choice: semver(">=1.0.0 <1.5.0"), tags: ["1.4.0", "1.5.0"], want: "1.4.0" },
  { why: "OR: || joins branches (lower branch)", choice: semver("<1.0.0 || >=3.0.0"), tags: ["2.0.0", "0.9.0"], want: "0.9.0" },
  { why: "OR: || joins branches (upper branch wins when higher)", choice: semver("<1.0.0 || >=3.0.0"), tags: ["0.9.0", "3.1.0", "2.5.0"], want: "3.1.0" },
  { why: "ranges may write versions with a v", choice: semver(">=v1.2.0"), tags: ["1.1.0", "1.2.0"], want: "1.2.0" },
  { why: "!= excludes one version", choice: semver("!=1.2.3"), tags: ["1.2.3", "1.2.2"], want: "1.2.2" },
  { why: "= and a bare version match exactly", choice: semver("1.2.3"), tags: ["1.2.3", "1.2.4"], want: "1.2.3" },
  { why: "=< is <=", choice: semver("=<1.0.0"), tags: ["1.0.0", "1.0.1"], want: "1.0.0" },
  { why: "=> is >=", choice: semver("=>1.0.1"), tags: ["1.0.0", "1.0.1"], want: "1.0.1" },
  { why: "an invalid range is an error, never a selection", choice: semver(">=1.0.0 <"), tags: ["1.0.0"], want: /invalid semver range ">=1\.0\.0 <"/ },
  { why: "an invalid range is an error (not a comparator at all)", choice: semver("latest"), tags: ["1.0.0"], want: /invalid semver range "latest"/ },
  { why: "no tag in range → error", choice: semver(">=5.0.0"), tags: ["1.0.0", "4.9.9"], want: /no tag satisfies semver range ">=5\.0\.0" \(2 candidates\)/ },
  { why: "no tag is a version → error", choice: semver("*"), tags: ["latest", "main"], want: /no tag satisfies/ },
  // ── alphabetical ──
  { why: "alphabetical asc (default): the greatest timestamp tag wins", choice: asc, tags: ["20210608052721", "20210608071959", "20210608010319"], want: "20210608071959" },
  { why: "alphabetical pitfall: a stray `latest` beats timestamps ('l' > '2')", choice: asc, tags: ["20210608071959", "latest"], want: "latest" },
  { why: "alphabetical pitfall fixed with filterTags", choice: asc, filter: { pattern: "^[0-9]{14}$" }, tags: ["20210608071959", "latest", "20210608052721"], want: "20210608071959" },
  { why: "alphabetical desc: the smallest wins", choice: desc, tags: ["b", "a", "c"], want: "a" },
  { why: "alphabetical is byte order: uppercase sorts before lowercase", choice: asc, tags: ["alpha", "Zeta"], want: "alpha" },
  { why: "alphabetical is not numeric: '9' > '10'", choice: asc, tags: ["9", "10"], want: "9" },
  { why: "alphabetical desc is not numeric: '10' < '9'", choice: desc, tags: ["9", "10"], want: "10" },
  { why: "alphabetical is byte (code point) order, not UTF-16 order", choice: asc, tags: ["\u{1F600}", "\uFFFD"], want: "\u{1F600}" },
  { why: "no tags at all → error", choice: asc, tags: [], want: /ImagePolicy\/flux-system\/app: no tags to choose from/ },
  // ── numerical ──
  { why: "numerical asc (default): the maximum wins", choice: numAsc, tags: ["1", "10", "9"], want: "10" },
  { why: "numerical desc: the minimum wins", choice: numDesc, tags: ["1", "10", "9"], want: "1" },
  { why: "numerical: decimals compare as numbers", choice: numAsc, tags: ["1.5", "1.25"], want: "1.5" },
  { why: "numerical: negative numbers", choice: numAsc, tags: ["-1", "-2"], want: "-1" },
  { why: "numerical: Go ParseFloat accepts exponents (1e3)", choice: numAsc, tags: ["1e3", "999"], want: "1e3" },
  { why: "numerical: Go ParseFloat accepts hex with a p exponent (0x1p4 = 16)", choice: numAsc, tags: ["0x1p4", "15"], want: "0x1p4" },
  { why: "numerical: every tag must be a number; the error names the tag", choice: numAsc, tags: ["1", "latest"], want: /tag "latest" is not a number: failed to parse invalid numeric value/ },
  { why: "numerical: Go ParseFloat rejects hex without a p exponent (0x10)", choice: numAsc, tags: ["0x10", "1"], want: /tag "0x10" is not a number/ },
  { why: "numerical: equal numbers (1, 1.0) tie; the later tag wins", choice: numAsc, tags: ["1", "1.0"], want: "1.0" },
  { why: "numerical: a float64 overflow is a parse error in Go (1e400)", choice: numAsc, tags: ["1e400", "1"], want: /tag "1e400" is not a number/ },
  // ── filterTags ──
  { why: "filterTags: the pattern is unanchored", choice: asc, filter: { pattern: "rc" }, tags: ["1.0.0", "1.0.0-rc.1", "zzz"], want: "1.0.0-rc.1" },
  { why: "filterTags: pattern then semver", choice: semver("*"), filter: { pattern: "^1\\." }, tags: ["1.2.0", "2.0.0"], want: "1.2.0" },
  { why: "filterTags extract $1: the policy ranks keys, the original tag is returned", choice: semver(">=1.0.0"), filter: { pattern: "^v(.*)-alpine$", extract: "$1" }, tags: ["v1.2.0-alpine", "v1.3.0", "v1.1.0-alpine"], want: "v1.2.0-alpine" },
  { why: "filterTags: RE2 named groups (?P<name>…) with ${name}", choice: numAsc, filter: { pattern: "^main-[a-f0-9]+-(?P<ts>[0-9]+)$", extract: "${ts}" }, tags: ["main-abc1-100", "main-def2-99", "feature-x-200"], want: "main-abc1-100" },
  { why: "filterTags: $name expands a named group", choice: numDesc, filter: { pattern: "^build-(?P<n>[0-9]+)$", extract: "$n" }, tags: ["build-7", "build-12"], want: "build-7" },
  { why: "filterTags: an unknown group expands to \"\", so all keys collide and the last tag keeps it", choice: asc, filter: { pattern: "^(.*)$", extract: "$nope" }, tags: ["b", "a"], want: "a" },
  { why: "Go Expand: $1x names the group `1x` (→ \"\"), unlike ${1}x", choice: desc, filter: { pattern: "^([0-9]+)x$", extract: "$1x" }, tags: ["5x", "7x"], want: "7x" },
  { why: "Go Expand: ${1}x is group 1 followed by x", choice: desc, filter: { pattern: "^([0-9]+)x$", extract: "${1}x" }, tags: ["5x", "7x"], want: "5x" },
  { why: "Go Expand: $$ is a literal $", choice: asc, filter: { pattern: "^([a-z])$", extract: "$$$1" }, tags: ["a", "b"], want: "b" },
  { why: "filterTags: two tags with the same key → the later tag keeps it", choice: numAsc, filter: { pattern: "^([0-9]+)-", extract: "$1" }, tags: ["5-a", "5-b", "3-c"], want: "5-b" },
  { why: "filterTags: numerical over extracted keys; a non-number key fails naming tag and key", choice: numAsc, filter: { pattern: "^build-(.*)$", extract: "$1" }, tags: ["build-1", "build-x"], want: /tag "build-x" \(key "x"\) is not a number/ },
  { why: "filterTags: RE2 (?i) flag", choice: asc, filter: { pattern: "(?i)^RC-" }, tags: ["rc-1", "zz"], want: "rc-1" },
  { why: "filterTags: nothing left after filtering → error", choice: asc, filter: { pattern: "^v" }, tags: ["1", "2"], want: /none of the 2 tags matches filterTags\.pattern "\^v"/ },
  { why: "filterTags: an invalid pattern is an error", choice: asc, filter: { pattern: "(unclosed" }, tags: ["a"], want: /filterTags\.pattern "\(unclosed": invalid regular expression/ },
  { why: "filterTags: RE2 has no lookahead → invalid pattern", choice: asc, filter: { pattern: "^(?=1)" }, tags: ["1"], want: /invalid regular expression: invalid or unsupported Perl syntax: `\(\?=`/ },
  { why: "filterTags: RE2 has no backreferences → invalid pattern", choice: asc, filter: { pattern: "(a)\\1" }, tags: ["aa"], want: /invalid regular expression: invalid escape sequence: `\\1`/ },
];

function policyOf(v: Vector): ImagePolicy {
  const p: ImagePolicy = { namespace: "flux-system", name: "app", imageRepositoryRef: { name: "app" }, choice: v.choice };
  if (v.filter) p.filterTags = v.filter;
  return p;
}

describe("selectTag vectors", () => {
  test("there are at least 60 vectors", () => assert.ok(vectors.length >= 60, `${vectors.length}`));
  for (const v of vectors) {
    test(v.why, () => {
      const policy = policyOf(v);
      if (typeof v.want === "string") {
        assert.equal(selectTag(policy, v.tags), v.want);
        assert.equal(explainSelection(policy, v.tags).selected, v.want);
      } else {
        assert.throws(() => selectTag(policy, v.tags), (err: Error) => {
          assert.match(err.message, /^ImagePolicy\/flux-system\/app: /);
          assert.match(err.message, v.want as RegExp);
          return true;
        });
        const explained = explainSelection(policy, v.tags);
        assert.equal(explained.selected, undefined);
        assert.match(explained.error ?? "", v.want);
      }
    });
  }
});

describe("explainSelection", () => {
  test("gives each tag its verdict, in input order", () => {
    const policy = policyOf({ why: "", choice: semver(">=1.0.0 <2.0.0"), filter: { pattern: "^v?[0-9]" }, tags: [], want: "" });
    const result = explainSelection(policy, ["1.5.0", "latest", "1.2", "2.0.0", "1.9.0", "1.9.1-rc.1"]);
    assert.equal(result.selected, "1.9.0");
    assert.deepEqual(
      result.verdicts.map((v) => [v.tag, v.verdict]),
      [
        ["1.5.0", "older"],
        ["latest", "filtered-out"],
        ["1.2", "not-a-version"],
        ["2.0.0", "outside-range"],
        ["1.9.0", "selected"],
        ["1.9.1-rc.1", "outside-range"],
      ],
    );
    assert.match(result.verdicts[3]?.detail ?? "", /does not satisfy <2\.0\.0/);
    assert.match(result.verdicts[5]?.detail ?? "", /prerelease/);
    assert.equal(result.verdicts[2]?.detail, "1.2: fewer than three dot-separated parts");
  });

  test("numerical failure marks the non-number and leaves the rest unranked", () => {
    const policy = policyOf({ why: "", choice: numAsc, tags: [], want: "" });
    const result = explainSelection(policy, ["1", "x", "3"]);
    assert.equal(result.selected, undefined);
    assert.deepEqual(result.verdicts.map((v) => v.verdict), ["older", "not-a-number", "older"]);
    assert.match(result.verdicts[0]?.detail ?? "", /not ranked/);
  });

  test("a duplicated tag is selected once, the earlier copy loses to the later", () => {
    const policy = policyOf({ why: "", choice: asc, tags: [], want: "" });
    const result = explainSelection(policy, ["b", "a", "b"]);
    assert.deepEqual(result.verdicts.map((v) => v.verdict), ["older", "older", "selected"]);
  });
});
