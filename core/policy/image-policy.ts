/**
 * The ImagePolicy object (apiVersion `image.toolkit.fluxcd.io/v1alpha1` … `v1`): which repository
 * it ranks, how (`semver.range`, `alphabetical.order`, `numerical.order`) and which tags it
 * considers (`filterTags.pattern`, `filterTags.extract`). Parsing validates the range and pattern
 * up front, so a bad policy fails where it is written, not when tags arrive. One zod schema
 * per part (header, spec) gives the type, the defaults and the validation together.
 * `digestReflectionPolicy` (`Always`, `IfNotPresent`, `Never`) and its `interval` are checked as
 * the CRD checks them: `interval` only with `Always` (where it defaults to 10m).
 */
import * as z from "zod";
import { SlipwayError } from "../errors.ts";
import { issueText, parseWithSchema, type SchemaIssue } from "../schema-issues.ts";
import { parseSemverRange } from "./semver-range.ts";
import { compileTagFilter } from "./tag-filter.ts";
import { imageAutomationGroup } from "../well-known.ts";
import { parseDuration } from "../duration.ts";

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
  /**
   * `spec.digestReflectionPolicy` and `spec.interval`, present only when the policy reflects
   * digests (`Always` or `IfNotPresent`); absent means `Never`, Flux's default.
   */
  digestReflection?: { policy: "Always" | "IfNotPresent"; interval?: string };
  /** `metadata.labels`, present only when the object has some. */
  labels?: Record<string, string>;
}

/** The values of `spec.digestReflectionPolicy`. */
export const DIGEST_REFLECTION_POLICIES: readonly string[] = ["Always", "IfNotPresent", "Never"];

/** The API versions of ImagePolicy this parser accepts. */
export const IMAGE_POLICY_API_VERSIONS: readonly string[] = ["v1alpha1", "v1alpha2", "v1beta1", "v1beta2", "v1"].map(
  (v) => `${imageAutomationGroup}/${v}`,
);

/** `asc` or `desc`, with Flux's wording for anything else. */
const orderValue = z.enum(["asc", "desc"], { error: (iss) => `must be "asc" or "desc", got ${JSON.stringify(iss.input)}` });

/** `{order}` of alphabetical and numerical; a missing or null order is `asc`. */
const orderSchema = z.object({ order: orderValue.nullish() }).nullish();

const rangeSchema = z.string().superRefine((range, ctx) => {
  try {
    parseSemverRange(range);
  } catch (err) {
    ctx.addIssue({ code: "custom", message: `"${range}" is invalid`, params: { cause: err } });
  }
});

const POLICY_KINDS: readonly string[] = ["semver", "alphabetical", "numerical"];

/** `spec.policy`: exactly one of semver, alphabetical, numerical; a key with a null value counts as unset, as in Go. */
const policySchema = z
  .object({ semver: z.object({ range: rangeSchema }).nullish(), alphabetical: orderSchema, numerical: orderSchema })
  .catchall(z.unknown())
  .superRefine((policy, ctx) => {
    const kinds = Object.keys(policy).filter((k) => policy[k] !== undefined && policy[k] !== null);
    if (kinds.length !== 1) {
      ctx.addIssue({ code: "custom", message: `must set exactly one of ${POLICY_KINDS.join(", ")} (got ${kinds.join(", ") || "none"})` });
    } else if (!POLICY_KINDS.includes(kinds[0] ?? "")) {
      ctx.addIssue({ code: "custom", path: [kinds[0] ?? ""], message: "is not a policy (want semver, alphabetical or numerical)" });
    }
  })
  .transform((p): PolicyChoice => {
    if (p.semver) return { kind: "semver", range: p.semver.range };
    if (p.alphabetical !== undefined && p.alphabetical !== null) return { kind: "alphabetical", order: p.alphabetical.order ?? "asc" };
    return { kind: "numerical", order: p.numerical?.order ?? "asc" };
  });

/** `spec.filterTags`: an unanchored RE2 `pattern` and its `extract` expansion, compiled up front. */
const filterTagsSchema = z
  .object({ pattern: z.string().nullish(), extract: z.string().nullish() })
  .superRefine((f, ctx) => {
    try {
      compileTagFilter(f.pattern ?? "", f.extract ?? "");
    } catch (err) {
      // Go's reason, e.g. "invalid repeat count: `{1001}`".
      const reason = (err as Error).message.replace(/^[\s\S]*?invalid regular expression: /, "");
      ctx.addIssue({ code: "custom", path: ["pattern"], message: `"${f.pattern}" is invalid: ${reason}`, params: { cause: err } });
    }
  })
  .transform((f) => ({ ...(f.pattern != null ? { pattern: f.pattern } : {}), ...(f.extract != null ? { extract: f.extract } : {}) }))
  .nullish();

/** `kind`, `apiVersion` and `metadata`: read first, so that errors about the rest can name the object. */
const headerSchema = z.object(
  {
    kind: z.unknown().refine((k) => k === "ImagePolicy", { error: (iss) => `must be ImagePolicy, got ${JSON.stringify(iss.input ?? null)}` }),
    apiVersion: z.unknown().refine((v): v is string => typeof v === "string" && IMAGE_POLICY_API_VERSIONS.includes(v), {
      error: (iss) => `${JSON.stringify(iss.input ?? null)} is not one of ${IMAGE_POLICY_API_VERSIONS.join(", ")}`,
    }),
    metadata: z
      .object({ name: z.string().nullish(), namespace: z.string().nullish(), labels: z.record(z.string(), z.string(), { error: "must be a mapping of strings" }).nullish() })
      .nullish(),
  },
  { error: (iss) => (iss.code === "invalid_type" ? "an ImagePolicy must be a mapping" : undefined) },
);

/** `spec`: the repository ranked, the policy, and the tag filter. */
const specSchema = z.object({
  spec: z.object({
    imageRepositoryRef: z.object({ name: z.string().min(1, { error: "is required" }), namespace: z.string().nullish() }),
    policy: policySchema,
    filterTags: filterTagsSchema,
    digestReflectionPolicy: z
      .enum(["Always", "IfNotPresent", "Never"], { error: (iss) => `must be one of ${DIGEST_REFLECTION_POLICIES.join(", ")}, got ${JSON.stringify(iss.input)}` })
      .nullish(),
    interval: z
      .string({ error: "must be a duration such as 10m" })
      .refine((v) => (parseDuration(v) ?? 0) > 0, { error: (iss) => `${JSON.stringify(iss.input)} is not a positive duration such as 10m` })
      .nullish(),
  })
  .superRefine((spec, ctx) => {
    const always = spec.digestReflectionPolicy === "Always";
    if (spec.interval != null && !always) ctx.addIssue({ code: "custom", path: ["interval"], message: "is only accepted when spec.digestReflectionPolicy is Always" });
  }),
});

function fail(subject: string, issue: SchemaIssue | undefined): never {
  const text = issue ? issueText(issue) : "is invalid";
  throw new SlipwayError(subject, text, issue?.cause === undefined ? undefined : { cause: issue.cause });
}

/**
 * Reads an ImagePolicy document (already decoded from YAML/JSON). `source` names where it came
 * from (`file:line`) and starts every error; the namespace defaults to `defaultNamespace`
 * (default `"default"`, as Kubernetes does). Throws a SlipwayError for anything Flux would
 * reject: wrong kind or apiVersion, no or several policies, a bad range, order or pattern.
 */
export function parseImagePolicy(doc: unknown, source: string, defaultNamespace = "default"): ImagePolicy {
  const header = parseWithSchema(headerSchema, doc);
  if (!header.ok) fail(source, header.issues[0]);
  const name = header.value.metadata?.name;
  if (!name) fail(source, { path: ["metadata", "name"], message: "is required" });
  const namespace = header.value.metadata?.namespace || defaultNamespace;
  const parsed = parseWithSchema(specSchema, doc);
  if (!parsed.ok) fail(`${source}: ImagePolicy/${namespace}/${name}`, parsed.issues[0]);
  const { imageRepositoryRef: ref, policy: choice, filterTags, digestReflectionPolicy, interval } = parsed.value.spec;
  const result: ImagePolicy = { namespace, name, imageRepositoryRef: { name: ref.name }, choice };
  if (ref.namespace) result.imageRepositoryRef.namespace = ref.namespace;
  if (filterTags) result.filterTags = filterTags;
  if (digestReflectionPolicy === "Always" || digestReflectionPolicy === "IfNotPresent") {
    result.digestReflection = { policy: digestReflectionPolicy, ...(digestReflectionPolicy === "Always" ? { interval: interval ?? "10m" } : {}) };
  }
  const labels = header.value.metadata?.labels;
  if (labels && Object.keys(labels).length > 0) result.labels = labels;
  return result;
}
