/**
 * Test helper: small OCI images made of random bytes, uploaded straight through the distribution
 * API (blob upload + manifest PUT) so registry tests need no builder. Each call gives a new digest.
 */
import { createHash, randomBytes } from "node:crypto";
import type { ImageManifest } from "../../../action/registry/image-manifest.ts";
import { manifestDigest } from "../../../action/registry/image-manifest.ts";

/** A manifest and the blobs it references. */
export interface SampleImage {
  manifest: ImageManifest;
  blobs: { digest: string; data: Buffer }[];
}

const sha = (b: Buffer): string => `sha256:${createHash("sha256").update(b).digest("hex")}`;

/** A new single-layer OCI image with random content. */
export function sampleImage(): SampleImage {
  const layer = randomBytes(64);
  const config = Buffer.from(JSON.stringify({ architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [sha(layer)] } }));
  const body = JSON.stringify({
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: sha(config), size: config.length },
    layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar", digest: sha(layer), size: layer.length }],
  });
  return {
    manifest: { mediaType: "application/vnd.oci.image.manifest.v1+json", body, digest: manifestDigest(body) },
    blobs: [
      { digest: sha(config), data: config },
      { digest: sha(layer), data: layer },
    ],
  };
}

/** Uploads the image's blobs to `http://<host>/v2/<repository>` (monolithic upload), with optional Basic auth. */
export async function uploadBlobs(host: string, repository: string, image: SampleImage, auth?: { user: string; password: string }): Promise<void> {
  const headers: Record<string, string> = auth ? { authorization: `Basic ${Buffer.from(`${auth.user}:${auth.password}`).toString("base64")}` } : {};
  for (const blob of image.blobs) {
    const start = await fetch(`http://${host}/v2/${repository}/blobs/uploads/`, { method: "POST", headers });
    await start.body?.cancel();
    if (start.status !== 202) throw new Error(`blob upload start: HTTP ${start.status}`);
    const location = new URL(start.headers.get("location") ?? "", `http://${host}`);
    location.searchParams.set("digest", blob.digest);
    const put = await fetch(location, { method: "PUT", headers: { ...headers, "content-type": "application/octet-stream" }, body: blob.data });
    await put.body?.cancel();
    if (put.status !== 201) throw new Error(`blob upload: HTTP ${put.status}`);
  }
}
