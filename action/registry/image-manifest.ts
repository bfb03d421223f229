/**
 * Image manifests as registries store them: the exact bytes, their media type and their digest.
 * The bytes are kept verbatim — re-serializing a manifest changes its digest.
 */
import { createHash } from "node:crypto";

/** A manifest (image manifest or index) exactly as the registry returned it. */
export interface ImageManifest {
  /** e.g. `application/vnd.oci.image.manifest.v1+json`. */
  mediaType: string;
  /** The manifest bytes, as UTF-8 text, unchanged. */
  body: string;
  /** `sha256:<hex>` of the bytes. */
  digest: string;
}

/** The manifest media types Slipway asks registries for, most preferred first. */
export const MANIFEST_MEDIA_TYPES: readonly string[] = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.v2+json",
];

/** The content digest (`sha256:<hex>`) of manifest bytes. */
export function manifestDigest(body: string): string {
  return `sha256:${createHash("sha256").update(body, "utf8").digest("hex")}`;
}

/** The media type a manifest declares in its `mediaType` field, if it is JSON and has one. */
export function declaredMediaType(body: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed && typeof parsed === "object" && "mediaType" in parsed && typeof parsed.mediaType === "string") return parsed.mediaType;
  } catch {
    return undefined;
  }
  return undefined;
}
