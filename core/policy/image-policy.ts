/**
 * The ImagePolicy object (apiVersion `image.toolkit.fluxcd.io/v1alpha1` … `v1`): which repository
 * it ranks, how (`semver.range`, `alphabetical.order`, `numerical.order`) and which tags it
 * considers (`filterTags.pattern`, `filterTags.extract`). Parsing validates the range and pattern
 * up front, so a bad policy fails where it is written, not when tags arrive.
 */
import { SlipwayError } from "../errors.ts";
import { parseSemverRange } from "./semver-range.ts";
import { compileTagFilter } from "./tag-filter.ts";

/** How a policy picks the winning tag. */
export type PolicyChoice =
  | { kind: "semver"; range: string }
  | { kind: "alphabetical"; order: "asc" | "desc" }
  | { kind: "numerical"; order: "asc" | "desc" };

/** An image policy, as the ImagePolicy object's spec describes it. */
export interface ImagePolicy {
  namespace: string;
  name: string;
  /** The ImageRepository whose tags the policy ranks; its namespace defaults to the policy's. */
  imageRepositoryRef: { name: string; namespace?: string };
  choice: PolicyChoice;
  /** Tags to consider (`pattern`, unanchored RE2) and the key to rank them by (`extract`). */
  filterTags?: { pattern?: string; extract?: string };
}

/** The API versions of ImagePolicy this parser accepts. */
export const IMAGE_POLICY_API_VERSIONS: readonly string[] = ["v1alpha1", "v1alpha2", "v1beta1", "v1beta2", "v1"].map(
  (v) => `image.toolkit.fluxcd.io/${v}`,
);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function stringField(obj: Record<string, unknown>, key: string, path: string, source: string): string | undefined {
  const value = obj[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw new SlipwayError(source, `${path}.${key} must be a string, got ${typeof value}`);
  return value;
}

function order(obj: unknown, path: string, source: string): "asc" | "desc" {
  if (obj === null || obj === undefined) return "asc";
  if (!isRecord(obj)) throw new SlipwayError(source, `${path} must be a mapping`);
  const value = stringField(obj, "order", path, source) ?? "asc";
  if (value !== "asc" && value !== "desc") throw new SlipwayError(source, `${path}.order must be "asc" or "desc", got "${value}"`);
  return value;
}

/**
 * Reads an ImagePolicy document (already decoded from YAML/JSON). `source` names where it came
 * from (`file:line`) and starts every error; the namespace defaults to `defaultNamespace`
 * (default `"default"`, as Kubernetes does). Throws a SlipwayError for anything Flux would
 * reject: wrong kind or apiVersion, no or several policies, a bad range, order or pattern.
 */
export function parseImagePolicy(doc: unknown, source: string, defaultNamespace = "default"): ImagePolicy {
  if (!isRecord(doc)) throw new SlipwayError(source, "an ImagePolicy must be a mapping");
  const apiVersion = doc["apiVersion"];
  if (doc["kind"] !== "ImagePolicy") throw new SlipwayError(source, `kind must be ImagePolicy, got ${JSON.stringify(doc["kind"] ?? null)}`);
  if (typeof apiVersion !== "string" || !IMAGE_POLICY_API_VERSIONS.includes(apiVersion)) {
    throw new SlipwayError(source, `apiVersion ${JSON.stringify(apiVersion ?? null)} is not one of ${IMAGE_POLICY_API_VERSIONS.join(", ")}`);
  }
  const metadata = isRecord(doc["metadata"]) ? doc["metadata"] : {};
  const name = stringField(metadata, "name", "metadata", source);
  if (!name) throw new SlipwayError(source, "metadata.name is required");
  const namespace = stringField(metadata, "namespace", "metadata", source) || defaultNamespace;
  const subject = `${source}: ImagePolicy/${namespace}/${name}`;
  const spec = doc["spec"];
  if (!isRecord(spec)) throw new SlipwayError(subject, "spec is required");

  const repoRef = spec["imageRepositoryRef"];
  if (!isRecord(repoRef)) throw new SlipwayError(subject, "spec.imageRepositoryRef is required");
  const repoName = stringField(repoRef, "name", "spec.imageRepositoryRef", subject);
  if (!repoName) throw new SlipwayError(subject, "spec.imageRepositoryRef.name is required");
  const repoNamespace = stringField(repoRef, "namespace", "spec.imageRepositoryRef", subject);

  const policy = spec["policy"];
  if (!isRecord(policy)) throw new SlipwayError(subject, "spec.policy is required");
  const kinds = Object.keys(policy).filter((k) => policy[k] !== undefined && policy[k] !== null);
  if (kinds.length !== 1) {
    throw new SlipwayError(subject, `spec.policy must set exactly one of semver, alphabetical, numerical (got ${kinds.join(", ") || "none"})`);
  }
  let choice: PolicyChoice;
  const kind = kinds[0];
  if (kind === "semver") {
    const semver = policy["semver"];
    const range = isRecord(semver) ? stringField(semver, "range", "spec.policy.semver", subject) : undefined;
    if (!range) throw new SlipwayError(subject, "spec.policy.semver.range is required");
    try {
      parseSemverRange(range);
    } catch (err) {
      throw new SlipwayError(subject, `spec.policy.semver.range "${range}" is invalid`, { cause: err });
    }
    choice = { kind: "semver", range };
  } else if (kind === "alphabetical" || kind === "numerical") {
    choice = { kind, order: order(policy[kind], `spec.policy.${kind}`, subject) };
  } else {
    throw new SlipwayError(subject, `spec.policy.${kind} is not a policy (want semver, alphabetical or numerical)`);
  }

  const result: ImagePolicy = { namespace, name, imageRepositoryRef: { name: repoName }, choice };
  if (repoNamespace) result.imageRepositoryRef.namespace = repoNamespace;
  const filter = spec["filterTags"];
  if (filter !== undefined && filter !== null) {
    if (!isRecord(filter)) throw new SlipwayError(subject, "spec.filterTags must be a mapping");
    const pattern = stringField(filter, "pattern", "spec.filterTags", subject);
    const extract = stringField(filter, "extract", "spec.filterTags", subject);
    try {
      compileTagFilter(pattern ?? "", extract ?? "");
    } catch (err) {
      // Go's reason, e.g. "invalid repeat count: `{1001}`".
      const reason = (err as Error).message.replace(/^[\s\S]*?invalid regular expression: /, "");
      throw new SlipwayError(subject, `spec.filterTags.pattern "${pattern}" is invalid: ${reason}`, { cause: err });
    }
    result.filterTags = {};
    if (pattern !== undefined) result.filterTags.pattern = pattern;
    if (extract !== undefined) result.filterTags.extract = extract;
  }
  return result;
}
