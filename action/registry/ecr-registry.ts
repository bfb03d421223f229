/**
 * Amazon ECR through its API: GetAuthorizationToken for `docker login`/`buildah login`,
 * CreateRepository, DescribeImages (paged) for tags, BatchGetImage/PutImage for manifests.
 * Throttled calls are retried by the SDK's own retry strategy (`standard` mode, bounded attempts).
 *
 * The API endpoint can be overridden (tests point it at a local ECR emulator) independently of
 * the registry host the builders push to.
 */
import {
  BatchGetImageCommand,
  CreateRepositoryCommand,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  GetAuthorizationTokenCommand,
  PutImageCommand,
} from "@aws-sdk/client-ecr";
import type { CreateRepositoryCommandInput, ECRClientConfig } from "@aws-sdk/client-ecr";
import { SlipwayError } from "../../core/errors.ts";
import { registerSecret } from "../../core/redact.ts";
import { decodeAuthorizationToken, tokenStillFresh } from "./ecr-auth-token.ts";
import { parseEcrHost } from "./ecr-host.ts";
import { MANIFEST_MEDIA_TYPES, manifestDigest } from "./image-manifest.ts";
import type { ImageManifest } from "./image-manifest.ts";
import { collectPages } from "./paginate.ts";
import { tagImmutability } from "./tag-mutability.ts";
import type { ManifestPutResult, RegistryClient, RegistryCredentials, RepositoryOptions } from "./registry-client.ts";

/** Options for {@link createEcrRegistry}. */
export interface EcrRegistryOptions {
  /** Registry host images are pushed to, e.g. `123456789012.dkr.ecr.eu-west-1.amazonaws.com`. */
  registryHost: string;
  /** AWS region of the ECR API. Default: read from `registryHost`. */
  region?: string;
  /** ECR API endpoint override, e.g. `http://127.0.0.1:5001` for a local emulator. Default: the SDK's endpoint for the region. */
  endpoint?: string;
  /** AWS credentials or a provider. Default: the SDK's default chain (env, IRSA, Pod Identity, profile, IMDS). */
  credentials?: ECRClientConfig["credentials"];
  /** ECR registry id (AWS account). Default: read from `registryHost`; the caller's account when the host is not an ECR host. */
  registryId?: string;
  /** SDK retry mode for throttled or failed calls. Default `standard`. */
  retryMode?: "standard" | "adaptive";
  /** Total attempts per API call, the first included. Default 5. */
  maxAttempts?: number;
  /** Clock, for token caching. Default `() => new Date()`. */
  now?: () => Date;
  /** Connecting to the API gives up after this long, ms. Default 10000. */
  connectionTimeoutMs?: number;
  /** A request whose socket stays silent this long fails (and is retried), ms. Default 30000. */
  requestTimeoutMs?: number;
}

/** CreateRepository's tag mutability fields for the requested settings. */
function mutabilitySettings(repo: RepositoryOptions): Pick<CreateRepositoryCommandInput, "imageTagMutability" | "imageTagMutabilityExclusionFilters"> {
  if (!repo.immutableTags) return { imageTagMutability: "MUTABLE" };
  const patterns = repo.mutableTagPatterns ?? [];
  if (patterns.length === 0) return { imageTagMutability: "IMMUTABLE" };
  return {
    imageTagMutability: "IMMUTABLE_WITH_EXCLUSION",
    imageTagMutabilityExclusionFilters: patterns.map((filter) => ({ filterType: "WILDCARD", filter })),
  };
}

/** Creates a RegistryClient for one ECR registry (one account, one region). */
export function createEcrRegistry(options: EcrRegistryOptions): RegistryClient {
  const parsed = parseEcrHost(options.registryHost);
  const region = options.region ?? parsed?.region;
  if (!region) {
    throw new SlipwayError(`image registry ${options.registryHost}`, "is not an ECR host (<account>.dkr.ecr.<region>.amazonaws.com); give the region explicitly");
  }
  const registryId = options.registryId ?? parsed?.accountId;
  const now = options.now ?? (() => new Date());
  const client = new ECRClient({
    region,
    endpoint: options.endpoint,
    credentials: options.credentials,
    retryMode: options.retryMode ?? "standard",
    maxAttempts: options.maxAttempts ?? 5,
    useFipsEndpoint: options.endpoint ? undefined : parsed?.fips,
    useDualstackEndpoint: options.endpoint ? undefined : parsed?.dualStack,
    requestHandler: { connectionTimeout: options.connectionTimeoutMs ?? 10_000, requestTimeout: options.requestTimeoutMs ?? 30_000, throwOnRequestTimeout: true },
  });
  const host = options.registryHost;
  let cached: { credentials: RegistryCredentials; issuedAt: Date } | undefined;

  const subject = (repository?: string): string => (repository ? `ECR repository ${host}/${repository}` : `ECR registry ${host}`);
  const fail = (what: string, repository: string | undefined, err: unknown): SlipwayError => {
    const name = err instanceof Error ? err.name : "Error";
    const message = err instanceof Error ? err.message : String(err);
    const hint =
      name === "RepositoryNotFoundException"
        ? " (create it, or set create-repository)"
        : name === "AccessDeniedException"
          ? " (the AWS identity lacks an ecr: permission this step needs)"
          : "";
    return new SlipwayError(subject(repository), `${what} failed: ${name}: ${message}${hint}`, { cause: err });
  };
  const errName = (err: unknown): string => (err instanceof Error ? err.name : "");

  const registry: RegistryClient = {
    host,
    kind: "ecr",

    async login(signal) {
      const at = now();
      if (cached && tokenStillFresh(cached.issuedAt, cached.credentials.expiresAt, at)) return cached.credentials;
      let out;
      try {
        out = await client.send(new GetAuthorizationTokenCommand({}), { abortSignal: signal });
      } catch (err) {
        throw fail("GetAuthorizationToken", undefined, err);
      }
      const data = out.authorizationData?.[0];
      if (!data?.authorizationToken) throw new SlipwayError(subject(), "GetAuthorizationToken returned no token");
      registerSecret(data.authorizationToken);
      const { username, password } = decodeAuthorizationToken(data.authorizationToken, subject());
      registerSecret(password);
      const credentials: RegistryCredentials = { username, password };
      if (data.expiresAt) credentials.expiresAt = data.expiresAt;
      cached = { credentials, issuedAt: at };
      return credentials;
    },

    async ensureRepository(repository: string, repo: RepositoryOptions, signal) {
      try {
        await client.send(
          new CreateRepositoryCommand({
            registryId,
            repositoryName: repository,
            imageScanningConfiguration: { scanOnPush: repo.scanOnPush },
            ...mutabilitySettings(repo),
          }),
          { abortSignal: signal },
        );
        return "created";
      } catch (err) {
        if (errName(err) === "RepositoryAlreadyExistsException") return "exists";
        throw fail("CreateRepository", repository, err);
      }
    },

    async listTags(repository, signal) {
      const details = await collectPages(
        async (nextToken) => {
          try {
            const out = await client.send(
              new DescribeImagesCommand({ registryId, repositoryName: repository, maxResults: 1000, nextToken, filter: { tagStatus: "TAGGED" } }),
              { abortSignal: signal },
            );
            return { items: out.imageDetails ?? [], next: out.nextToken };
          } catch (err) {
            throw fail("DescribeImages", repository, err);
          }
        },
        { subject: subject(repository), signal },
      );
      return [...new Set(details.flatMap((d) => d.imageTags ?? []))];
    },

    async headDigest(repository, reference, signal) {
      return (await registry.getManifest(repository, reference, signal))?.digest;
    },

    async getManifest(repository, reference, signal) {
      const imageId = reference.includes(":") ? { imageDigest: reference } : { imageTag: reference };
      let out;
      try {
        out = await client.send(
          new BatchGetImageCommand({ registryId, repositoryName: repository, imageIds: [imageId], acceptedMediaTypes: [...MANIFEST_MEDIA_TYPES] }),
          { abortSignal: signal },
        );
      } catch (err) {
        throw fail("BatchGetImage", repository, err);
      }
      const image = out.images?.[0];
      if (!image?.imageManifest) {
        const failure = out.failures?.[0];
        if (!failure || failure.failureCode === "ImageNotFound" || failure.failureCode === "ImageTagDoesNotMatchDigest") return undefined;
        throw new SlipwayError(subject(repository), `BatchGetImage ${reference} failed: ${failure.failureCode ?? "?"}: ${failure.failureReason ?? ""}`);
      }
      const body = image.imageManifest;
      return {
        body,
        mediaType: image.imageManifestMediaType ?? "application/vnd.docker.distribution.manifest.v2+json",
        digest: image.imageId?.imageDigest ?? manifestDigest(body),
      };
    },

    async putManifest(repository, tag, manifest: ImageManifest, signal): Promise<ManifestPutResult> {
      try {
        await client.send(
          new PutImageCommand({
            registryId,
            repositoryName: repository,
            imageTag: tag,
            imageManifest: manifest.body,
            imageManifestMediaType: manifest.mediaType,
            imageDigest: manifest.digest,
          }),
          { abortSignal: signal },
        );
        return "created";
      } catch (err) {
        const immutable = (): SlipwayError =>
          new SlipwayError(`tag ${tag}`, `already exists in ${host}/${repository}, whose tags are immutable; nothing pushed under it`, { cause: err });
        if (errName(err) === "ImageTagAlreadyExistsException") throw immutable();
        if (errName(err) === "ImageAlreadyExistsException") {
          // "This manifest already has this tag" — unless the tag names another image (some ECR
          // implementations report an immutable-tag conflict this way): look before saying unchanged.
          const current = await registry.getManifest(repository, tag, signal);
          if (current?.digest === manifest.digest) return "unchanged";
          throw immutable();
        }
        throw fail(`PutImage ${tag}`, repository, err);
      }
    },

    async tagImmutability(repository, signal) {
      try {
        const out = await client.send(new DescribeRepositoriesCommand({ registryId, repositoryNames: [repository] }), { abortSignal: signal });
        const repo = out.repositories?.[0];
        return tagImmutability(repo?.imageTagMutability, repo?.imageTagMutabilityExclusionFilters);
      } catch (err) {
        throw fail("DescribeRepositories", repository, err);
      }
    },
  };
  return registry;
}
