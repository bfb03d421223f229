/**
 * Which tags of a repository are immutable. ECR's setting is MUTABLE or IMMUTABLE, optionally
 * with exclusion filters (`IMMUTABLE_WITH_EXCLUSION`: immutable except tags matching a filter,
 * e.g. `latest`; `MUTABLE_WITH_EXCLUSION`: mutable except matching tags). Filters are wildcards
 * where `*` matches any run of characters. Pure logic.
 */

/** Whether a tag is immutable in a repository. */
export type TagImmutability = (tag: string) => boolean;

/** Every tag may move (OCI registries, ECR MUTABLE). */
export const ALL_TAGS_MUTABLE: TagImmutability = () => false;

/** A wildcard filter (`*` = any characters) as an anchored regular expression. */
function wildcard(filter: string): RegExp {
  return new RegExp(`^${filter.split("*").map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`);
}

/**
 * The rule for an ECR repository's `imageTagMutability` and `imageTagMutabilityExclusionFilters`.
 * An unknown setting counts as immutable, the safe side for a push.
 */
export function tagImmutability(mutability: string | undefined, exclusionFilters: readonly { filter?: string }[] = []): TagImmutability {
  const excluded = exclusionFilters.flatMap((f) => (f.filter ? [wildcard(f.filter)] : []));
  const matches = (tag: string): boolean => excluded.some((re) => re.test(tag));
  switch (mutability ?? "MUTABLE") {
    case "MUTABLE":
      return ALL_TAGS_MUTABLE;
    case "IMMUTABLE":
      return () => true;
    case "IMMUTABLE_WITH_EXCLUSION":
      return (tag) => !matches(tag);
    case "MUTABLE_WITH_EXCLUSION":
      return matches;
    default:
      return () => true;
  }
}
