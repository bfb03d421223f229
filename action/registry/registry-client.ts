/**
 * The registry side of the CI step, behind one interface with two implementations: Amazon ECR
 * (ecr-registry.ts, through the ECR API) and any OCI distribution registry (oci-registry.ts,
 * through `/v2/`). The image builders push layers; this interface logs in, creates repositories,
 * lists tags and moves manifests.
 */
import type { ImageManifest } from "./image-manifest.ts";
import type { TagImmutability } from "./tag-mutability.ts";

/** Credentials a builder uses to log in to a registry. The password is registered as a secret. */
export interface RegistryCredentials {
  username: string;
  password: string;
  /** When the credentials stop working (ECR tokens last 12 hours); absent when they do not expire. */
  expiresAt?: Date;
}

/** How a repository is created when it does not exist yet. */
export interface RepositoryOptions {
  /** Scan each pushed image for vulnerabilities (ECR `imageScanningConfiguration.scanOnPush`). */
  scanOnPush: boolean;
  /** Refuse to move an existing tag to another image (ECR `imageTagMutability: IMMUTABLE`). */
  immutableTags: boolean;
  /**
   * With immutableTags: wildcard patterns (`*` = any characters) of tags that stay mutable, such
   * as `latest` (ECR `IMMUTABLE_WITH_EXCLUSION`). Default none.
   */
  mutableTagPatterns?: string[];
}

/** Whether a manifest was written under a tag, or the tag already named that same manifest. */
export type ManifestPutResult = "created" | "unchanged";

/** One registry: an ECR registry (one AWS account and region) or an OCI registry host. */
export interface RegistryClient {
  /** The registry host images are pushed to, e.g. `123456789012.dkr.ecr.eu-west-1.amazonaws.com` or `127.0.0.1:5000`. */
  readonly host: string;
  /** `ecr` or `oci`, for messages. */
  readonly kind: "ecr" | "oci";
  /**
   * Credentials for `docker login`/`buildah login` to {@link host}; undefined when the registry
   * is used anonymously. The password is registered as a secret before it is returned.
   */
  login(signal?: AbortSignal): Promise<RegistryCredentials | undefined>;
  /** Creates the repository when it is missing. OCI registries create repositories on push: always "exists". */
  ensureRepository(repository: string, options: RepositoryOptions, signal?: AbortSignal): Promise<"created" | "exists">;
  /** Every tag of the repository, in no particular order, across all pages. */
  listTags(repository: string, signal?: AbortSignal): Promise<string[]>;
  /**
   * The digest of the manifest a tag names, as the registry reports it without sending the body
   * (`HEAD` and `Docker-Content-Digest` for OCI registries, asking for indexes and manifest lists
   * first; the image id for ECR), or undefined when the tag does not exist.
   */
  headDigest(repository: string, reference: string, signal?: AbortSignal): Promise<string | undefined>;
  /** The manifest a tag or digest names, or undefined when there is none. */
  getManifest(repository: string, reference: string, signal?: AbortSignal): Promise<ImageManifest | undefined>;
  /**
   * Stores `manifest` under `tag` (its blobs must already be in the repository). Throws a
   * SlipwayError naming the tag when the repository's tags are immutable and it names another image.
   */
  putManifest(repository: string, tag: string, manifest: ImageManifest, signal?: AbortSignal): Promise<ManifestPutResult>;
  /** Which tags the registry refuses to move (ECR IMMUTABLE, with exclusions); none for OCI registries. */
  tagImmutability(repository: string, signal?: AbortSignal): Promise<TagImmutability>;
}
