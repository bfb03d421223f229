/** filterTags: RE2 → JavaScript translation and Go Regexp.Expand semantics of `extract`. */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { compileTagFilter } from "../../../core/policy/tag-filter.ts";
import { hostilePatterns } from "./hostile-patterns.ts";

describe("compileTagFilter", () => {
  test("the pattern is unanchored and without extract the key is the whole tag", () => {
    const f = compileTagFilter("main-");
    assert.equal(f.apply("feature/main-1"), "feature/main-1");
    assert.equal(f.apply("dev-1"), undefined);
  });

  const expansions: [string, string, string, string][] = [
    // [pattern, extract, tag, key] — Go regexp.Expand rules
    ["^v(\\d+)\\.(\\d+)$", "$2.$1", "v1.2", "2.1"],
    ["^(?P<major>\\d+)-(?P<minor>\\d+)$", "${major}.${minor}", "3-4", "3.4"],
    ["^(?P<major>\\d+)-(?P<minor>\\d+)$", "$major", "3-4", "3"],
    ["^(?<go122>\\d+)$", "$go122", "7", "7"], // Go 1.22+ also accepts (?<name>…)
    ["^(\\d+)$", "$1x", "5", ""], // `$1x` is the group named "1x"
    ["^(\\d+)$", "${1}x", "5", "5x"],
    ["^(\\d+)$", "$01", "5", ""], // a leading zero makes it a name, not a number
    ["^(\\d+)$", "$$1", "5", "$1"],
    ["^(\\d+)$", "${1", "5", "${1"], // malformed: the $ is literal
    ["^(\\d+)$", "$", "5", "$"],
    ["^(\\d+)$", "$9", "5", ""], // a group that does not exist
    ["^(a)|(b)$", "[$1|$2]", "b", "[|b]"], // a group that did not take part
    ["^(\\d+)$", "pre-$1-post", "5", "pre-5-post"],
  ];
  for (const [pattern, extract, tag, key] of expansions) {
    test(`/${pattern}/ extract ${JSON.stringify(extract)} on ${tag} → ${JSON.stringify(key)}`, () => {
      assert.equal(compileTagFilter(pattern, extract).apply(tag), key);
    });
  }

  const translations: [string, string, boolean][] = [
    ["(?i)^abc$", "ABC", true],
    ["(?s)^a.b$", "a\nb", true],
    ["^a(?i:b)c$", "aBc", true],
    ["^\\Aabc\\z$", "abc", true],
    ["^[[:digit:]]+$", "123", true],
    ["^[[:alpha:]_]+$", "ab_c", true],
    ["^[[:alpha:]]+$", "ab1", false],
    ["^[]a]+$", "]a]", true], // "]" first in a class is a literal in RE2
    ["^\\x41$", "A", true],
    ["^a\\.b$", "a.b", true],
    ["^a\\.b$", "axb", false],
  ];
  for (const [pattern, tag, matches] of translations) {
    test(`RE2 /${pattern}/ ${matches ? "matches" : "does not match"} ${JSON.stringify(tag)}`, () => {
      assert.equal(compileTagFilter(pattern).apply(tag) !== undefined, matches);
    });
  }

  // Go's own reasons (checked against Go's regexp by test/differential/regex.test.ts).
  const invalid: [string, RegExp][] = [
    ["(?=a)", /invalid or unsupported Perl syntax: `\(\?=`/], // RE2 has no lookaround
    ["(?!a)", /invalid or unsupported Perl syntax: `\(\?!`/],
    ["(?<=a)b", /invalid named capture/],
    ["(?<!a)b", /invalid named capture/],
    ["(a)\\1", /invalid escape sequence: `\\1`/], // RE2 has no backreferences
    ["(?<n>a)\\k<n>", /invalid escape sequence: `\\k`/],
    ["\\Z", /invalid escape/], // JavaScript would read \Z as "Z"
    ["\\e", /invalid escape/],
    ["[a", /missing closing \]/],
    ["(a", /missing closing \)/],
    ["a**", /invalid nested repetition operator/],
    ["[[:nope:]]", /invalid character class range/],
    ["abc\\", /trailing backslash/],
    ["a{1001}", /invalid repeat count: `\{1001\}`/],
    ["((a{1,100}){1,100}){1,100}", /invalid repeat count/], // nested counts above 1000 in total
  ];
  for (const [pattern, why] of invalid) {
    test(`rejects /${pattern}/ naming the pattern`, () => {
      assert.throws(
        () => compileTagFilter(pattern),
        (err: Error) => err.message.startsWith(`filterTags.pattern "${pattern}": invalid regular expression`) && why.test(err.message),
      );
    });
  }

  test("a capture name used twice is accepted, as Go's regexp accepts it; $name expands the group that took part", () => {
    const f = compileTagFilter("^(?P<x>a)-|^(?P<x>b)-", "$x");
    assert.equal(f.apply("a-1"), "a");
    assert.equal(f.apply("b-1"), "b");
  });

  const accepted: [string, string][] = [
    ["\\pL+", "abc"],
    ["a(?i)b", "aB"],
    ["^\\Q1.2\\E$", "1.2"],
    ["^[[:^digit:]]+$", "ab"],
    ["^\\x{41}$", "A"],
    ["(?U)a+", "a"],
  ];
  for (const [pattern, tag] of accepted) {
    test(`accepts RE2 syntax /${pattern}/ (matches ${JSON.stringify(tag)})`, () => {
      assert.equal(compileTagFilter(pattern).apply(tag), tag);
    });
  }
});

describe("linear-time matching, as RE2 guarantees", () => {
  // A backtracking engine needs exponential time on these; re2js, like RE2, simulates the
  // automaton, so the work grows with the input's length. The test asserts that each one answers
  // (its timeout is the bound), for inputs up to 3,000 characters.
  for (const [pattern, unit] of hostilePatterns) {
    test(`/${pattern}/ on hostile inputs of 30 to 3,000 characters answers`, { timeout: 30_000 }, () => {
      const f = compileTagFilter(pattern);
      for (const n of [30, 300, 3000]) {
        const input = unit.repeat(Math.ceil(n / unit.length)).slice(0, n) + "!";
        assert.equal(f.apply(input), undefined, `${n} characters`);
      }
      assert.equal(f.apply(unit.repeat(30)), unit.repeat(30), "a matching input still matches");
    });
  }

  test("no process-wide V8 flag: the policy code never calls setFlagsFromString", () => {
    const dir = fileURLToPath(new URL("../../../core/policy/", import.meta.url));
    for (const f of readdirSync(dir)) assert.doesNotMatch(readFileSync(path.join(dir, f), "utf8"), /setFlagsFromString|node:v8/, f);
  });
});
