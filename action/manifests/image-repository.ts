/**
 * The ImageRepository object (`image.toolkit.fluxcd.io/v1alpha1` … `v1`): which image repository
 * (`spec.image`) an ImagePolicy ranks the tags of. Pure.
 */
import { SlipwayError } from "../../core/errors.ts";
import { isRecord, stringAt } from "./yaml-fields.ts";
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
  /** Where it was read, `file:line`. */
  source: string;
}

/** Reads an ImageRepository document; throws a SlipwayError naming `source` when spec.image is missing. */
export function parseImageRepository(doc: unknown, source: string, defaultNamespace: string): ImageRepositoryObject {
  if (!isRecord(doc)) throw new SlipwayError(source, "an ImageRepository must be a mapping");
  const name = stringAt(doc, ["metadata", "name"], source);
  if (!name) throw new SlipwayError(source, "ImageRepository: metadata.name is required");
  const namespace = stringAt(doc, ["metadata", "namespace"], source) || defaultNamespace;
  const image = stringAt(doc, ["spec", "image"], source);
  if (!image) throw new SlipwayError(`${source}: ImageRepository/${namespace}/${name}`, "spec.image is required");
  const spec = isRecord(doc.spec) ? doc.spec : {};
  let exclusionList: readonly string[] = DEFAULT_EXCLUSION_LIST;
  if (spec.exclusionList !== undefined) {
    const list = spec.exclusionList;
    if (!Array.isArray(list) || !list.every((p): p is string => typeof p === "string")) {
      throw new SlipwayError(`${source}: ImageRepository/${namespace}/${name}`, "spec.exclusionList must be a list of strings");
    }
    exclusionList = list;
  }
  return { namespace, name, image: image.trim(), exclusionList, source };
}
