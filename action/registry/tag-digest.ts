/**
 * The digest a tag names, read twice and compared: once as the registry reports it without the
 * body (HEAD, `Docker-Content-Digest`; ECR's image id), once as the SHA-256 of the manifest bytes
 * served for the tag (asking for OCI indexes and Docker manifest lists first, so a multi-platform
 * image is pinned by its index). A tag that moves between the two reads, or a registry whose
 * digest does not match its bytes, is an error naming the image: no digest is written from it.
 */
import { SlipwayError } from "../../core/errors.ts";
import { manifestDigest } from "./image-manifest.ts";
import type { RegistryClient } from "./registry-client.ts";

/** Returns the checked digest of `repository:tag`; throws a SlipwayError naming the image otherwise. */
export async function tagDigest(registry: RegistryClient, repository: string, tag: string, signal?: AbortSignal): Promise<string> {
  const subject = `image ${registry.host}/${repository}:${tag}`;
  const head = await registry.headDigest(repository, tag, signal);
  if (!head) throw new SlipwayError(subject, "the tag has no manifest");
  const manifest = await registry.getManifest(repository, tag, signal);
  if (!manifest) throw new SlipwayError(subject, `the tag's manifest disappeared after the registry reported ${head}`);
  const read = manifestDigest(manifest.body);
  if (read !== head) {
    throw new SlipwayError(subject, `the registry reported digest ${head} but the manifest read next hashes to ${read} (the tag moved, or the registry is inconsistent); no digest written`);
  }
  return head;
}
