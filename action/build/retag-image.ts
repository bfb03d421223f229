/**
 * Builder `none`: give an image that is already in the registry more tags without pulling or
 * pushing layers — read its manifest (ECR BatchGetImage, OCI GET manifest) and store the same
 * bytes under each new tag (ECR PutImage, OCI PUT manifest).
 */
import { SlipwayError, throwIfAborted } from "../../core/errors.ts";
import type { Logger } from "../../core/log.ts";
import type { ManifestPutResult, RegistryClient } from "../registry/registry-client.ts";
import type { TagImmutability } from "../registry/tag-mutability.ts";

/** Options for {@link retagImage}. Exactly one of `fromTag` and `fromDigest` is given. */
export interface RetagOptions {
  registry: RegistryClient;
  /** Repository path, e.g. `shop/account`. */
  repository: string;
  /** Tag of the image already pushed. */
  fromTag?: string;
  /** Digest (`sha256:…`) of the image already pushed. */
  fromDigest?: string;
  /** Tags to add. */
  toTags: string[];
  /** Which tags are immutable. Default: ask the registry ({@link RegistryClient.tagImmutability}). */
  immutableTags?: TagImmutability;
  log?: Logger;
  signal?: AbortSignal;
}

/** The outcome of a retag: the image's digest and what happened to each tag. */
export interface RetagResult {
  digest: string;
  tags: { tag: string; result: ManifestPutResult }[];
}

/**
 * Points every tag in `toTags` at the image named by `fromTag`/`fromDigest`. A tag that already
 * names the image is "unchanged"; a tag that names another image in an immutable repository is
 * an error naming the tag, and no later tag is written.
 */
export async function retagImage(options: RetagOptions): Promise<RetagResult> {
  const { registry, repository, signal } = options;
  const from = options.fromDigest ?? options.fromTag;
  if (!from || (options.fromDigest && options.fromTag)) {
    throw new SlipwayError("retag", "give exactly one of fromTag and fromDigest");
  }
  const source = await registry.getManifest(repository, from, signal);
  const name = `${registry.host}/${repository}${options.fromDigest ? "@" : ":"}${from}`;
  if (!source) throw new SlipwayError(`image ${name}`, "not found in the registry; builder none retags an image that is already pushed");
  if (options.fromDigest && source.digest !== options.fromDigest) {
    throw new SlipwayError(`image ${name}`, `the registry returned a manifest with digest ${source.digest}`);
  }
  const immutable = options.immutableTags ?? (await registry.tagImmutability(repository, signal));
  const tags: RetagResult["tags"] = [];
  for (const tag of options.toTags) {
    throwIfAborted(signal);
    const current = await registry.getManifest(repository, tag, signal);
    let result: ManifestPutResult;
    if (current?.digest === source.digest) result = "unchanged";
    else if (current && immutable(tag)) {
      throw new SlipwayError(`tag ${tag}`, `already exists in ${registry.host}/${repository} as ${current.digest}, and its tags are immutable; nothing pushed under it`);
    } else result = await registry.putManifest(repository, tag, source, signal);
    options.log?.info(`image ${registry.host}/${repository}:${tag} ${result === "created" ? "tagged" : "unchanged"}`, { digest: source.digest });
    tags.push({ tag, result });
  }
  return { digest: source.digest, tags };
}
