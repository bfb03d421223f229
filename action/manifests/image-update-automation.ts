/**
 * The ImageUpdateAutomation object in every served version: v1alpha1 (`spec.checkout.branch`,
 * `spec.commit.authorName/authorEmail/messageTemplate`, `spec.push.branch`) and v1alpha2 … v1
 * (`spec.git.checkout.ref.branch`, `spec.git.commit.author.{name,email}`, `messageTemplate`,
 * `messageTemplateValues`, `spec.git.push.branch`), with `spec.update.path`. One zod schema per
 * version shape gives the types, the defaults and the validation together. Pure.
 */
import * as z from "zod";
import { SlipwayError } from "../../core/errors.ts";
import { issueText, parseWithSchema, type SchemaIssue } from "../../core/schema-issues.ts";
import { imageAutomationGroup } from "../../core/well-known.ts";

/** The API versions this reader accepts. */
export const IMAGE_UPDATE_AUTOMATION_API_VERSIONS: readonly string[] = ["v1alpha1", "v1alpha2", "v1beta1", "v1beta2", "v1"].map(
  (v) => `${imageAutomationGroup}/${v}`,
);

/** What an ImageUpdateAutomation tells the CI step. */
export interface ImageUpdateAutomationObject {
  namespace: string;
  name: string;
  /** `spec.update.path`, default `.` (the repository root). */
  updatePath: string;
  /** The branch to check out; undefined = the GitRepository's (the remote default). */
  checkoutBranch?: string;
  /** The branch to push to; undefined = the checkout branch. */
  pushBranch?: string;
  author?: { name: string; email: string };
  messageTemplate?: string;
  messageTemplateValues: Record<string, string>;
  /** `spec.suspend`. */
  suspended: boolean;
  /** Where it was read, `file:line`. */
  source: string;
}

/** An optional string field; empty reads as unset. */
const text = z
  .string()
  .nullish()
  .transform((v) => v || undefined);

/** `kind`-independent header: read first, so that errors about the spec can name the object. */
const headerSchema = z.object(
  {
    apiVersion: z.unknown().refine((v): v is string => typeof v === "string" && IMAGE_UPDATE_AUTOMATION_API_VERSIONS.includes(v), {
      error: (iss) => `${JSON.stringify(iss.input ?? null)} is not one of ${IMAGE_UPDATE_AUTOMATION_API_VERSIONS.join(", ")}`,
    }),
    metadata: z.object({ name: z.string().nullish(), namespace: z.string().nullish() }).nullish(),
  },
  { error: (iss) => (iss.code === "invalid_type" ? "an ImageUpdateAutomation must be a mapping" : undefined) },
);

/** `spec.update` (same in every version): only the Setters strategy; `path` defaults to the repository root. */
const updateSchema = z
  .object({
    strategy: text.refine((v) => v === undefined || v === "Setters", { error: (iss) => `${String(iss.input)} is not supported (only Setters)` }),
    path: text.transform((p) => p ?? "."),
  })
  .nullish()
  .transform((u) => ({ path: u?.path ?? "." }));

type Spec = Omit<ImageUpdateAutomationObject, "namespace" | "name" | "source">;

/** v1alpha1: `spec.checkout.branch`, `spec.commit.{authorName,authorEmail,messageTemplate}`, `spec.push.branch`. */
const v1alpha1Schema = z.object({
  spec: z.preprocess(
    (spec) => spec ?? {},
    z
    .object({
      checkout: z.object({ branch: text }).nullish(),
      commit: z.object({ authorName: text, authorEmail: text, messageTemplate: text }).nullish(),
      push: z.object({ branch: text }).nullish(),
      update: updateSchema,
      suspend: z.unknown().optional(),
    })
    .transform(
      (s): Spec => ({
        updatePath: s.update.path,
        checkoutBranch: s.checkout?.branch,
        pushBranch: s.push?.branch,
        author: s.commit?.authorName || s.commit?.authorEmail ? { name: s.commit.authorName ?? "", email: s.commit.authorEmail ?? "" } : undefined,
        messageTemplate: s.commit?.messageTemplate,
        messageTemplateValues: {},
        suspended: s.suspend === true,
      }),
    ),
  ),
});

/** v1alpha2 … v1: everything git-related under `spec.git`. */
const gitSchema = z.object({
  spec: z.preprocess(
    (spec) => spec ?? {},
    z
    .object({
      git: z
        .object({
          checkout: z.object({ ref: z.object({ branch: text }).nullish() }).nullish(),
          commit: z
            .object({
              author: z.object({ name: text, email: text }).nullish(),
              messageTemplate: text,
              messageTemplateValues: z.record(z.string(), z.unknown(), { error: "must be a mapping" }).nullish(),
            })
            .nullish(),
          push: z
            .object({
              branch: text,
              refspec: text.refine((v) => v === undefined, { error: "is not supported; use spec.git.push.branch" }),
            })
            .nullish(),
        })
        .nullish(),
      update: updateSchema,
      suspend: z.unknown().optional(),
    })
    .transform((s): Spec => {
      const author = s.git?.commit?.author;
      return {
        updatePath: s.update.path,
        checkoutBranch: s.git?.checkout?.ref?.branch,
        pushBranch: s.git?.push?.branch,
        author: author?.name || author?.email ? { name: author.name ?? "", email: author.email ?? "" } : undefined,
        messageTemplate: s.git?.commit?.messageTemplate,
        messageTemplateValues: Object.fromEntries(Object.entries(s.git?.commit?.messageTemplateValues ?? {}).map(([k, v]) => [k, String(v)])),
        suspended: s.suspend === true,
      };
    }),
  ),
});

function fail(subject: string, issue: SchemaIssue | undefined): never {
  throw new SlipwayError(subject, issue ? issueText(issue) : "is invalid");
}

/** Reads an ImageUpdateAutomation document; errors name `source` and the object. */
export function parseImageUpdateAutomation(doc: unknown, source: string, defaultNamespace: string): ImageUpdateAutomationObject {
  const header = parseWithSchema(headerSchema, doc);
  if (!header.ok) {
    const first = header.issues[0];
    throw new SlipwayError(source, first && first.path.length > 0 ? `ImageUpdateAutomation ${issueText(first)}` : first ? issueText(first) : "is invalid");
  }
  const name = header.value.metadata?.name;
  if (!name) fail(source, { path: [], message: "ImageUpdateAutomation: metadata.name is required" });
  const namespace = header.value.metadata?.namespace || defaultNamespace;
  const parsed = parseWithSchema(header.value.apiVersion.endsWith("/v1alpha1") ? v1alpha1Schema : gitSchema, doc);
  if (!parsed.ok) fail(`${source}: ImageUpdateAutomation/${namespace}/${name}`, parsed.issues[0]);
  return { namespace, name, ...parsed.value.spec, source };
}
