/**
 * Deciding what each marker gets after an image push, so that a re-run of an old pipeline never
 * rolls a newer image back:
 * - policies whose ImageRepository is the pushed image select from the registry's tags
 *   (selectTag), exactly as Flux's image-reflector would after its next scan;
 * - without such policies, markers whose policy is `<policy-namespace>:<last path segment of the
 *   image>` get the pushed image, except that with timestamp tags the newest timestamp in the
 *   registry wins (an implicit alphabetical policy over `^\d{14}$`).
 * Markers naming a policy the repository does not define are an error when it defines any.
 * A policy with `digestReflectionPolicy` Always or IfNotPresent also gets the digest (the one
 * pushed, or the selected tag's), for `:digest` markers and `name:tag@digest` values.
 * Pure apart from the injected `listTags`.
 */
import { SlipwayError } from "../../core/errors.ts";
import { sameRepository, type ImageRef } from "../../core/image-ref.ts";
import { selectTag } from "../../core/policy/select-tag.ts";
import { compileExclusionList } from "../../core/policy/exclusion-list.ts";
import type { FluxObjects } from "../manifests/scan-manifest-tree.ts";
import type { MarkerUse } from "../manifests/marker-scan.ts";
import { fluxNamespace } from "../../core/well-known.ts";

/** The image that was just pushed. */
export interface PushedImage {
  /** Repository URI without tag, e.g. `123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/shop/account`. */
  image: string;
  tag: string;
  digest?: string;
}

/** How one policy was decided. */
export interface PolicyDecision {
  /** `ns:name`. */
  policy: string;
  tag: string;
  /** `ImagePolicy/ns/name` or `name rule`. */
  by: string;
}

/** What {@link resolveImages} needs. */
export interface ResolveImagesInput {
  pushed: PushedImage;
  objects: FluxObjects;
  /** Markers found under the update path. */
  markers: MarkerUse[];
  /** Every tag of the pushed image's repository (called at most once). */
  listTags: () => Promise<string[]>;
  /** Namespace for the name rule. Default `flux-system`. */
  policyNamespace?: string;
  /** The tags are UTC timestamps (the default tag format): never move a marker to an older one. */
  timestampTags: boolean;
  /**
   * The digest of another tag of the pushed repository, for a digest-reflecting policy that
   * selects a tag other than the one pushed (undefined: write no digest). Default: none.
   */
  digestOf?: (tag: string) => Promise<string | undefined>;
}

/** Images by policy reference `ns:name`, for updateMarkers, and how each was chosen. */
export interface ResolvedImages {
  images: Map<string, ImageRef>;
  decisions: PolicyDecision[];
}

const TIMESTAMP = /^\d{14}$/;

/** Decides the image for every policy the push concerns; see the file comment. */
export async function resolveImages(input: ResolveImagesInput): Promise<ResolvedImages> {
  const { pushed, objects } = input;
  const ns = input.policyNamespace ?? fluxNamespace;
  const defined = new Set(objects.policies.map((p) => `${p.policy.namespace}:${p.policy.name}`));
  if (defined.size > 0) {
    for (const m of input.markers) {
      if (!defined.has(m.policy)) {
        const [mns, mname] = m.policy.split(":");
        throw new SlipwayError(m.source, `marker names ImagePolicy/${mns}/${mname}, which no ImagePolicy in the manifest repository defines`);
      }
    }
  }
  const repositories = new Map(
    objects.repositories.filter((r) => sameRepository(r.image, pushed.image)).map((r) => [`${r.namespace}/${r.name}`, r] as const),
  );
  const repositoryOf = (p: (typeof objects.policies)[number]) =>
    repositories.get(`${p.policy.imageRepositoryRef.namespace ?? p.policy.namespace}/${p.policy.imageRepositoryRef.name}`);
  const matching = objects.policies.filter((p) => repositoryOf(p) !== undefined);
  const images = new Map<string, ImageRef>();
  const decisions: PolicyDecision[] = [];
  let tags: string[] | undefined;
  const allTags = async (): Promise<string[]> => {
    tags ??= [...new Set([...(await input.listTags()), pushed.tag])];
    return tags;
  };
  if (matching.length > 0) {
    for (const entry of matching) {
      const { policy } = entry;
      const repository = repositoryOf(entry);
      // As Flux's scan does: tags matching the ImageRepository's exclusionList never reach a policy.
      const exclusions = compileExclusionList(repository?.exclusionList);
      const candidates = (await allTags()).filter((t) => exclusions.excludedBy(t) === undefined);
      const tag = selectTag(policy, candidates);
      const key = `${policy.namespace}:${policy.name}`;
      const image: ImageRef = { name: pushed.image, tag };
      // digestReflectionPolicy Always / IfNotPresent: the digest just pushed, or the selected tag's.
      if (policy.digestReflection) {
        const digest = tag === pushed.tag && pushed.digest ? pushed.digest : await input.digestOf?.(tag);
        if (digest) image.digest = digest;
      }
      images.set(key, image);
      decisions.push({ policy: key, tag, by: `ImagePolicy/${policy.namespace}/${policy.name}` });
    }
    return { images, decisions };
  }
  const last = pushed.image.split("/").pop() ?? pushed.image;
  const key = `${ns}:${last}`;
  if (defined.has(key)) {
    // A policy of that name exists but ranks another repository: leave its markers alone.
    return { images, decisions };
  }
  let tag = pushed.tag;
  if (input.timestampTags && TIMESTAMP.test(pushed.tag)) {
    for (const t of await allTags()) if (TIMESTAMP.test(t) && t > tag) tag = t;
  }
  images.set(key, { name: pushed.image, tag });
  decisions.push({ policy: key, tag, by: "name rule" });
  return { images, decisions };
}
