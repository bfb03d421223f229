/**
 * An ImageRepository's `spec.exclusionList`: tags matching any of these RE2 patterns never reach
 * a policy. Flux's default drops cosign signature tags (`sha256-….sig`), which would otherwise
 * win an alphabetical policy over timestamp tags ('s' > '2').
 */
import { compileTagFilter } from "./tag-filter.ts";

/** Flux's default exclusion list. */
export const DEFAULT_EXCLUSION_LIST: readonly string[] = ["^.*\\.sig$"];

/** A compiled exclusion list: which pattern, if any, excludes a tag. */
export interface ExclusionList {
  patterns: readonly string[];
  /** The first pattern that matches `tag`, or undefined when the tag is kept. */
  excludedBy: (tag: string) => string | undefined;
}

/**
 * Compiles the patterns (RE2 syntax, unanchored, like filterTags). Throws a SlipwayError
 * naming a pattern RE2 would reject.
 */
export function compileExclusionList(patterns: readonly string[] = DEFAULT_EXCLUSION_LIST): ExclusionList {
  const filters = patterns.map((p) => compileTagFilter(p, "", "exclusionList pattern"));
  return {
    patterns,
    excludedBy: (tag) => filters.find((f) => f.apply(tag) !== undefined)?.pattern,
  };
}
