/**
 * The ImageRepository object (`image.toolkit.fluxcd.io/v1alpha1` … `v1`): which image repository
 * (`spec.image`) an ImagePolicy ranks the tags of. One zod schema gives the type, the default
 * exclusion list and the validation together. `spec.secretRef` (dockerconfigjson), `provider: aws`,
 * `insecure` and `exclusionList` are read; `accessFrom` (cross-namespace access in a cluster) is
 * recorded as ignored. Pure.
 */
import * as z from "zod";
import { SlipwayError } from "../../core/errors.ts";
import { issueText, parseWithSchema } from "../../core/schema-issues.ts";
import { DEFAULT_EXCLUSION_LIST } from "../../core/policy/exclusion-list.ts";

/** An ImageRepository as the CI step needs it. */
export interface ImageRepositoryObject {
  namespace: string;
  name: string;
  /** `spec.image`, e.g. `123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/shop/account`. */
  image: string;
  /**
   * `spec.exclusionList`: RE2 patterns of tags no policy may select. Default Flux's
   * `["^.*\\.sig$"]` (cosign signature tags).
   */
  exclusionList: readonly string[];
  /** `spec.secretRef.name`: a `kubernetes.io/dockerconfigjson` Secret in the object's namespace; absent = anonymous. */
  secretRef?: string;
  /** `spec.provider`: `aws` lists tags through ECR with the AWS credential chain; `generic` (default) speaks the registry API. */
  provider: "generic" | "aws";
  /** `spec.insecure`: plain HTTP. Default false (loopback hosts are plain HTTP anyway). */
  insecure: boolean;
  /** Fields Flux honours that mean nothing outside a cluster (`accessFrom`), for a note. */
  ignored: string[];
  /** Where it was read, `file:line`. */
  source: string;
}

/** `metadata`, read first so that errors about the spec can name the object. */
const headerSchema = z.object(
  { metadata: z.object({ name: z.string().nullish(), namespace: z.string().nullish() }).nullish() },
  { error: (iss) => (iss.code === "invalid_type" ? "an ImageRepository must be a mapping" : undefined) },
);

/** `spec`; a missing spec reads as an empty one, so the error names `spec.image`. */
const specSchema = z.object({
  spec: z.preprocess(
    (spec) => spec ?? {},
    z.object({
      image: z.string().trim().min(1, { error: "is required" }),
      exclusionList: z
        .array(z.string(), { error: "must be a list of strings" })
        .optional()
        .transform((list): readonly string[] => list ?? DEFAULT_EXCLUSION_LIST),
      secretRef: z.object({ name: z.string().min(1, { error: "is required" }) }, { error: "must be a mapping with name" }).nullish(),
      provider: z
        .enum(["generic", "aws", "azure", "gcp"], { error: (iss) => `must be generic, aws, azure or gcp, got ${JSON.stringify(iss.input)}` })
        .nullish()
        .refine((p) => p !== "azure" && p !== "gcp", { error: (iss) => `${String(iss.input)} is not supported (generic with secretRef, or aws)` }),
      insecure: z.boolean({ error: "must be true or false" }).nullish(),
      accessFrom: z.unknown().optional(),
    }),
  ),
});

/** Reads an ImageRepository document; throws a SlipwayError naming `source` when spec.image is missing. */
export function parseImageRepository(doc: unknown, source: string, defaultNamespace: string): ImageRepositoryObject {
  const header = parseWithSchema(headerSchema, doc);
  if (!header.ok) throw new SlipwayError(source, header.issues[0] ? issueText(header.issues[0]) : "is invalid");
  const name = header.value.metadata?.name;
  if (!name) throw new SlipwayError(source, "ImageRepository: metadata.name is required");
  const namespace = header.value.metadata?.namespace || defaultNamespace;
  const parsed = parseWithSchema(specSchema, doc);
  if (!parsed.ok) throw new SlipwayError(`${source}: ImageRepository/${namespace}/${name}`, parsed.issues[0] ? issueText(parsed.issues[0]) : "is invalid");
  const { image, exclusionList, secretRef, provider, insecure, accessFrom } = parsed.value.spec;
  const out: ImageRepositoryObject = { namespace, name, image, exclusionList, provider: provider === "aws" ? "aws" : "generic", insecure: insecure === true, ignored: accessFrom == null ? [] : ["accessFrom"], source };
  if (secretRef) out.secretRef = secretRef.name;
  return out;
}
