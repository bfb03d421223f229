/**
 * Picks the tag an image policy selects from a repository's tags, as Flux's image-reflector
 * controller does: `filterTags` first (the policy then ranks the extracted keys and the original
 * tag is returned; when several tags extract the same key the later tag keeps it), then
 * - semver: keys that are strict MAJOR.MINOR.PATCH versions (one `v` allowed), inside the range; highest wins;
 * - alphabetical: byte order, `asc` → greatest, `desc` → smallest;
 * - numerical: every key must be a Go float (else the policy fails naming it), `asc` → max, `desc` → min.
 * Ties, as in Flux's loops: of equal versions (`1.0.0`, `v1.0.0`, `1.0.0+build`) the first in the
 * list wins; of equal numbers (`1`, `1.0`) the last wins. No tags, or none left, is an error, never an empty answer.
 */
import { SlipwayError } from "../errors.ts";
import type { ImagePolicy } from "./image-policy.ts";
import { parseGoFloat } from "./go-float.ts";
import { parseSemverRange, rangeMismatch, satisfiesRange } from "./semver-range.ts";
import { compareVersions, parseTagVersion, type SemverVersion } from "./semver-version.ts";
import { compileTagFilter, type TagFilter } from "./tag-filter.ts";

/** Why a tag won or lost. */
export type TagVerdict = "selected" | "filtered-out" | "not-a-version" | "outside-range" | "older" | "not-a-number";

/** The outcome of a policy over a tag list, tag by tag. */
export interface SelectionExplanation {
  /** The selected tag, when the policy selects one. */
  selected?: string;
  /** Why nothing was selected (the message selectTag would throw). */
  error?: string;
  /** One entry per input tag, in input order. */
  verdicts: { tag: string; verdict: TagVerdict; detail?: string }[];
}

type Verdicts = SelectionExplanation["verdicts"];

/** Byte-order comparison of UTF-8 strings (Go's string order), which is code point order. */
function compareBytes(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i) ?? 0;
    const y = b.codePointAt(i) ?? 0;
    if (x !== y) return x < y ? -1 : 1;
    if (x > 0xffff) i++;
  }
  return a.length - b.length;
}

function policyId(policy: ImagePolicy): string {
  return `ImagePolicy/${policy.namespace}/${policy.name}`;
}

/**
 * Runs the policy and returns the index of the selected tag; records verdicts only when
 * `verdicts` is given (selectTag skips that work).
 */
function run(policy: ImagePolicy, tags: readonly string[], verdicts: Verdicts | undefined): number {
  const id = policyId(policy);
  if (tags.length === 0) throw new SlipwayError(id, "no tags to choose from (the tag list is empty)");

  // key → the index of the (last) tag that produced it
  const keys = new Map<string, number>();
  const keyOf: (string | undefined)[] = new Array<string | undefined>(tags.length);
  let filter: TagFilter | undefined;
  try {
    if (policy.filterTags) filter = compileTagFilter(policy.filterTags.pattern ?? "", policy.filterTags.extract ?? "");
  } catch (err) {
    throw new SlipwayError(id, (err as Error).message, { cause: err });
  }
  for (let i = 0; i < tags.length; i++) {
    const tag = tags[i] ?? "";
    const key = filter ? filter.apply(tag) : tag;
    keyOf[i] = key;
    if (key === undefined) continue;
    const previous = keys.get(key);
    if (previous !== undefined) keys.delete(key); // keep map order = order of the last occurrence
    keys.set(key, i);
  }
  if (verdicts) {
    for (let i = 0; i < tags.length; i++) {
      const tag = tags[i] ?? "";
      const key = keyOf[i];
      if (key === undefined) verdicts.push({ tag, verdict: "filtered-out", detail: `does not match /${filter?.pattern ?? ""}/` });
      else if (keys.get(key) !== i) verdicts.push({ tag, verdict: "older", detail: `a later tag has the same key "${key}"` });
      else verdicts.push({ tag, verdict: "older", ...(filter?.extract ? { detail: `key "${key}"` } : {}) });
    }
  }
  if (keys.size === 0) {
    throw new SlipwayError(id, `none of the ${tags.length} tags matches filterTags.pattern "${filter?.pattern ?? ""}"`);
  }

  let best = -1;
  const choice = policy.choice;
  if (choice.kind === "semver") {
    let range;
    try {
      range = parseSemverRange(choice.range);
    } catch (err) {
      throw new SlipwayError(id, `invalid semver range "${choice.range}"`, { cause: err });
    }
    let bestVersion: SemverVersion | undefined;
    for (const [key, i] of keys) {
      const v = parseTagVersion(key);
      if (!v) {
        if (verdicts) {
          const why = key.split(".").length < 3 ? "fewer than three dot-separated parts" : "not MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD]";
          Object.assign(verdicts[i] as Verdicts[number], { verdict: "not-a-version", detail: `${key}: ${why}` });
        }
        continue;
      }
      if (verdicts) {
        const why = rangeMismatch(range, v);
        if (why !== undefined) {
          Object.assign(verdicts[i] as Verdicts[number], { verdict: "outside-range", detail: `${key} ${why}` });
          continue;
        }
      } else if (!satisfiesRange(range, v)) continue;
      if (!bestVersion || compareVersions(v, bestVersion) > 0) {
        bestVersion = v;
        best = i;
      }
    }
    if (best < 0) {
      throw new SlipwayError(id, `no tag satisfies semver range "${choice.range}" (${keys.size} candidate${keys.size === 1 ? "" : "s"})`);
    }
  } else if (choice.kind === "alphabetical") {
    let bestKey = "";
    for (const [key, i] of keys) {
      const d = best < 0 ? 0 : compareBytes(key, bestKey);
      if (best < 0 || (choice.order === "asc" ? d > 0 : d < 0)) {
        bestKey = key;
        best = i;
      }
    }
  } else {
    let bestValue = 0;
    const bad: string[] = [];
    for (const [key, i] of keys) {
      const value = parseGoFloat(key);
      if (value === undefined) {
        const tag = tags[i] ?? "";
        bad.push(key === tag ? `"${tag}"` : `"${tag}" (key "${key}")`);
        if (verdicts) Object.assign(verdicts[i] as Verdicts[number], { verdict: "not-a-number", detail: `failed to parse invalid numeric value '${key}'` });
        continue;
      }
      // Ties go to the later tag; a NaN compares false both ways, so it is taken when met, as in Go.
      if (best < 0 || !(choice.order === "asc" ? value < bestValue : value > bestValue)) {
        bestValue = value;
        best = i;
      }
    }
    if (bad.length > 0) {
      throw new SlipwayError(id, `tag ${bad[0]} is not a number: failed to parse invalid numeric value${bad.length > 1 ? ` (and ${bad.length - 1} more)` : ""}`);
    }
  }
  return best;
}

/**
 * Returns the tag the policy selects from `tags`. Throws a SlipwayError
 * `ImagePolicy/<ns>/<name>: <reason>` when there is none (empty list, all filtered out, none in
 * range, a non-numeric tag under a numerical policy, an invalid range or pattern).
 */
export function selectTag(policy: ImagePolicy, tags: readonly string[]): string {
  return tags[run(policy, tags, undefined)] ?? "";
}

/** Runs the policy like selectTag and says, for every tag, why it won or lost. Never throws. */
export function explainSelection(policy: ImagePolicy, tags: readonly string[]): SelectionExplanation {
  const verdicts: Verdicts = [];
  try {
    const index = run(policy, tags, verdicts);
    const winner = verdicts[index];
    if (winner) winner.verdict = "selected";
    return { selected: tags[index] ?? "", verdicts };
  } catch (err) {
    for (const v of verdicts) {
      if (v.verdict === "older" && v.detail?.startsWith("a later tag") !== true) v.detail = "not ranked: the policy failed";
    }
    return { error: (err as Error).message, verdicts };
  }
}
