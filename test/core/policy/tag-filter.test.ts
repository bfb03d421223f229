/** filterTags: RE2 → JavaScript translation and Go Regexp.Expand semantics of `extract`. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { compileTagFilter } from "../../../core/policy/tag-filter.ts";

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

  const invalid: [string, RegExp][] = [
    ["(?=a)", /lookaround/],
    ["(?!a)", /lookaround/],
    ["(?<=a)b", /lookaround/],
    ["(?<!a)b", /lookaround/],
    ["(a)\\1", /backreferences/],
    ["(?<n>a)\\k<n>", /backreferences/],
    ["\\Z", /invalid escape/], // JavaScript would read \Z as "Z"
    ["\\e", /invalid escape/],
    ["[a", /missing closing \]/],
    ["(a", /Unterminated group/],
    ["a**", /Nothing to repeat/],
    ["(?P<x>a)(?P<x>b)", /duplicate capture group name/],
    ["[[:nope:]]", /invalid character class/],
    ["abc\\", /trailing backslash/],
  ];
  for (const [pattern, why] of invalid) {
    test(`rejects /${pattern}/ naming the pattern`, () => {
      assert.throws(
        () => compileTagFilter(pattern),
        (err: Error) => err.message.startsWith(`filterTags.pattern "${pattern}": invalid regular expression`) && why.test(err.message),
      );
    });
  }
});

describe("linear-time matching, as RE2 guarantees", () => {
  test("a pattern that backtracks exponentially still answers (^(a+)+$ on 40 a's and a '!')", () => {
    // Run in a child with a deadline: without the linear-time fallback this takes hours.
    const code = `import { compileTagFilter } from ${JSON.stringify(fileURLToPath(new URL("../../../core/policy/tag-filter.ts", import.meta.url)))};
      const f = compileTagFilter("^(a+)+$", "$1");
      process.stdout.write(JSON.stringify([f.apply("a".repeat(40) + "!") ?? null, f.apply("aaa") ?? null]));`;
    const out = spawnSync(process.execPath, ["--input-type=module", "-e", code], { encoding: "utf8", timeout: 20_000 });
    assert.equal(out.signal, null, "the match did not finish within 20 s");
    assert.deepEqual(JSON.parse(out.stdout), [null, "aaa"]);
  });
});
