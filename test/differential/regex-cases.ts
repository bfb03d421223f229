/**
 * The differential suite for filterTags patterns: generated RE2 patterns, extract templates and
 * tags, each answered by Slipway's compileTagFilter and by Go's regexp (the oracle).
 */
import fc from "fast-check";
import { compileTagFilter } from "../../core/policy/tag-filter.ts";
import type { Oracle } from "../env/oracle.ts";

/** One generated case. */
export interface RegexCase {
  pattern: string;
  extract: string;
  input: string;
}

const atom = fc.constantFrom(
  "a", "b", "1", "2", "-", "_", ".", "v", "x", "é", "Ω", "\\d", "\\D", "\\w", "\\W", "\\s", "\\pL", "\\PL", "\\p{Greek}", "\\pN",
  "[a-c]", "[^a]", "[[:digit:]]", "[[:^digit:]]", "[[:alpha:]_]", "[]a]", "[\\d.]", "\\x41", "\\x{3a9}", "\\Qa.b\\E", "\\.", "\\-",
  "^", "$", "\\A", "\\z", "\\b", "\\B", "(?i)", "(?U)", "(?s)", "(?m)", "(?i:a)", "(?-i)",
  // fragments that are sometimes invalid
  "(", ")", "[", "{", "\\", "*", "\\Z", "\\8", "(?=a)", "(?P<", "x{2,1}", "a{1001}", "(?<n>", "\\C",
);
const quant = fc.constantFrom("", "", "", "*", "+", "?", "*?", "+?", "??", "{2}", "{1,3}", "{0,}", "{,2}", "{2,}?");
const piece = fc.tuple(atom, quant).map(([a, q]) => a + q);

/** Patterns: pieces, groups (named, unnamed, non-capturing) and alternations. */
export const patternArb: fc.Arbitrary<string> = fc.letrec<{ re: string; seq: string }>((tie) => ({
  seq: fc.array(fc.oneof({ weight: 5, arbitrary: piece }, { weight: 1, arbitrary: tie("re") }), { minLength: 1, maxLength: 5 }).map((p) => p.join("")),
  re: fc.oneof(
    { weight: 3, arbitrary: tie("seq") },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom("(", "(?:", "(?P<n>", "(?P<m>", "(?<n>", "(?P<n1>"), tie("seq"), quant).map(([o, s, q]) => `${o}${s})${q}`) },
    { weight: 1, arbitrary: fc.tuple(tie("seq"), tie("seq")).map(([a, b]) => `${a}|${b}`) },
  ),
})).re;

/** Extract templates in Go's Expand syntax, malformed ones included. */
export const extractArb: fc.Arbitrary<string> = fc
  .array(fc.constantFrom("", "$1", "$2", "$0", "$9", "$n", "$m", "${n}", "${1}x", "$1x", "$01", "$$", "$", "${", "${n", "-", "v", "$n1", "$é", "${m}.${n}", "$123456789", "$1234567890"), { maxLength: 4 })
  .map((p) => p.join(""));

/** Tags over the alphabet the patterns use. */
export const inputArb: fc.Arbitrary<string> = fc
  .array(fc.constantFrom("a", "b", "A", "1", "2", "-", "_", ".", "v", "x", " ", "é", "Ω", "ω", "\n", "!"), { maxLength: 12 })
  .map((p) => p.join(""));

/** Generated cases. */
export const regexCaseArb: fc.Arbitrary<RegexCase> = fc.record({ pattern: patternArb, extract: extractArb, input: inputArb });

/** Slipway's answer in the oracle's shape. */
export function slipwayRegex(c: RegexCase): Record<string, unknown> {
  let filter;
  try {
    filter = compileTagFilter(c.pattern, c.extract);
  } catch (err) {
    return { error: (err as Error).message.replace(/^filterTags\.pattern ".*?": invalid regular expression: /s, "error parsing regexp: ") };
  }
  const key = filter.apply(c.input);
  return key === undefined ? { match: false } : { match: true, key };
}

/** Compares one case; returns a description of the disagreement, or undefined. */
export async function compareRegex(oracle: Oracle, c: RegexCase): Promise<string | undefined> {
  const go = await oracle.ask({ op: "regex", ...c });
  const ours = slipwayRegex(c);
  const a = JSON.stringify(go, Object.keys(go).sort());
  const b = JSON.stringify(ours, Object.keys(ours).sort());
  return a === b ? undefined : `Go: ${a}\nSlipway: ${b}`;
}
