/**
 * The image half of the CI step, in one call: log in → create the repository (when asked) →
 * refuse tags an immutable repository already has → build → push every tag → report the digest.
 * Builder `none` skips the build and adds the tags to an image that is already pushed.
 */
import { SlipwayError, throwIfAborted } from "../../core/errors.ts";
import type { Logger } from "../../core/log.ts";
import type { RegistryClient, RepositoryOptions } from "../registry/registry-client.ts";
import { ALL_TAGS_MUTABLE, tagImmutability } from "../registry/tag-mutability.ts";
import { assertValidTag, splitImageRepository } from "../../core/image-ref.ts";
import { checkBuildInputs, resolveDockerfile } from "./build-inputs.ts";
import { createBuildahBuilder } from "./buildah-builder.ts";
import type { BuildahBuilderOptions } from "./buildah-builder.ts";
import { createDockerBuilder } from "./docker-builder.ts";
import type { DockerBuilderOptions } from "./docker-builder.ts";
import type { ImageBuilder } from "./image-builder.ts";
import { retagImage } from "./retag-image.ts";

/** The builders the CI step knows. */
export const BUILDERS = ["docker", "buildah", "none"] as const;

/** A builder name: `docker` (default), `buildah`, or `none` (retag an image already pushed). */
export type BuilderName = (typeof BUILDERS)[number];

/** Options for {@link publishImage}. */
export interface PublishImageOptions {
  /** Repository URI without tag, e.g. `123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/account`. */
  image: string;
  /** Which builder builds and pushes. */
  builder: BuilderName;
  /** Build context directory. Default `.`. */
  context?: string;
  /** Dockerfile path (relative to the working directory). Default `<context>/Dockerfile`. */
  dockerfile?: string;
  /** Build arguments. Default none. */
  buildArgs?: Record<string, string>;
  /** Dockerfile stage to build. Default: the last. */
  target?: string;
  /** Target platforms. Default: the builder's own. Several platforms need buildx with docker. */
  platforms?: string[];
  /** The main tag, usually from formatTag (`20210608052721`). */
  tag: string;
  /** More tags for the same image (`latest`, the short SHA). Default none. */
  extraTags?: string[];
  /** Create the repository when it is missing, with these settings. Default: do not create. */
  createRepository?: RepositoryOptions;
  /** Builder `none`: tag or `sha256:` digest of the image already in `image` to add the tags to. */
  source?: string;
  /** The registry `image` lives in. */
  registry: RegistryClient;
  log: Logger;
  /** Docker builder settings (DOCKER_HOST). Default: the environment's. */
  docker?: Omit<DockerBuilderOptions, "log">;
  /** Buildah builder settings (storage driver, isolation). Default: buildah's own. */
  buildah?: Omit<BuildahBuilderOptions, "log">;
  /** Called with each credential this run obtains (the registry password), e.g. `core.setSecret`. Default: none (the logger redacts them anyway). */
  onSecret?: (secret: string) => void;
  signal?: AbortSignal;
}

/** What was published. */
export interface PublishedImage {
  /** The repository URI, as given. */
  image: string;
  /** The main tag. */
  tag: string;
  /** Every tag pushed, the main tag first. */
  tags: string[];
  /** Manifest digest (`sha256:…`) every tag now names. */
  digest: string;
  /** `image:tag@digest`, ready for a manifest. */
  ref: string;
}

/** Builds (or retags) and pushes an image under every tag; see the file comment for the order of steps. */
export async function publishImage(options: PublishImageOptions): Promise<PublishedImage> {
  const { registry, signal } = options;
  const log = options.log;
  if (!(BUILDERS as readonly string[]).includes(options.builder)) {
    throw new SlipwayError("input builder", `"${String(options.builder)}" is not one of ${BUILDERS.join(", ")}`);
  }
  throwIfAborted(signal);
  assertValidTag(options.tag, "input tag");
  for (const t of options.extraTags ?? []) assertValidTag(t, "input extra-tags");
  const tags = [...new Set([options.tag, ...(options.extraTags ?? [])])];
  const { host, repository } = splitImageRepository(options.image);
  if (host !== registry.host) throw new SlipwayError("input image", `"${options.image}" is on ${host}, but the registry client is for ${registry.host}`);
  const context = options.context ?? ".";
  const dockerfile = resolveDockerfile(context, options.dockerfile);
  if (options.builder === "none") {
    if (!options.source) throw new SlipwayError("input builder", "none retags an image already pushed: give the source tag or digest");
  } else {
    await checkBuildInputs(context, dockerfile);
  }

  const credentials = await registry.login(signal);
  if (credentials?.password) options.onSecret?.(credentials.password);
  if (options.createRepository) {
    const state = await registry.ensureRepository(repository, options.createRepository, signal);
    log.info(`repository ${host}/${repository} ${state === "created" ? "created" : "unchanged"}`, {
      scanOnPush: options.createRepository.scanOnPush,
      immutableTags: options.createRepository.immutableTags,
    });
  }
  // Immutable when the registry says so, or when the caller asked for immutable tags (an OCI
  // registry does not enforce it; Slipway does).
  const registryRule = await registry.tagImmutability(repository, signal).catch((err: unknown) => {
    // Reading the setting needs ecr:DescribeRepositories, which a push-only role may lack; the
    // registry still refuses to move an immutable tag, and that refusal is reported by tag.
    if (!(err instanceof Error && err.cause instanceof Error && err.cause.name === "AccessDeniedException")) throw err;
    log.warn(`cannot read the tag mutability of ${host}/${repository} (access denied); relying on the registry to refuse immutable tags`);
    return ALL_TAGS_MUTABLE;
  });
  const asked = options.createRepository;
  const askedRule = asked?.immutableTags ? tagImmutability("IMMUTABLE_WITH_EXCLUSION", (asked.mutableTagPatterns ?? []).map((filter) => ({ filter }))) : undefined;
  const immutable = (tag: string): boolean => registryRule(tag) || (askedRule?.(tag) ?? false);

  if (options.builder === "none") {
    const source = options.source ?? "";
    const retag = await retagImage({
      registry,
      repository,
      ...(source.startsWith("sha256:") ? { fromDigest: source } : { fromTag: source }),
      toTags: tags,
      immutableTags: immutable,
      log,
      signal,
    });
    return { image: options.image, tag: options.tag, tags, digest: retag.digest, ref: `${options.image}:${options.tag}@${retag.digest}` };
  }

  for (const tag of tags.filter(immutable)) {
    const existing = await registry.getManifest(repository, tag, signal);
    if (existing) {
      throw new SlipwayError(`tag ${tag}`, `already exists in ${host}/${repository} as ${existing.digest}, and its tags are immutable; nothing built or pushed`);
    }
  }

  const builder: ImageBuilder =
    options.builder === "docker" ? createDockerBuilder({ ...options.docker, log }) : createBuildahBuilder({ ...options.buildah, log });
  try {
    if (credentials) await builder.login(registry.host, credentials, signal);
    const refs = tags.map((t) => `${options.image}:${t}`);
    await builder.build(
      { context, dockerfile, buildArgs: options.buildArgs ?? {}, target: options.target, platforms: options.platforms, tags: refs },
      signal,
    );
    let digest: string | undefined;
    for (const ref of refs) {
      throwIfAborted(signal);
      const pushed = await builder.push(ref, signal);
      if (digest && pushed.digest !== digest) {
        throw new SlipwayError(`image ${ref}`, `pushed as ${pushed.digest}, but the earlier tags name ${digest}`);
      }
      digest = pushed.digest;
      log.info(`image ${ref} pushed`, { digest });
    }
    if (!digest) throw new SlipwayError("input tag", "no tag to push");
    return { image: options.image, tag: options.tag, tags, digest, ref: `${options.image}:${options.tag}@${digest}` };
  } finally {
    await builder.close();
  }
}
