/**
 * An ECR registry client whose AWS SDK is loaded on its first call: choosing a registry for an
 * image (registry-for.ts) must not make every `slipway ci` start parse the ECR client, only the
 * runs that talk to ECR.
 */
import type { EcrRegistryOptions } from "./ecr-registry.ts";
import type { RegistryClient } from "./registry-client.ts";

/** {@link createEcrRegistry}'s client, loaded (once) when one of its methods is first called. */
export function createLazyEcrRegistry(options: EcrRegistryOptions): RegistryClient {
  let loaded: Promise<RegistryClient> | undefined;
  const client = (): Promise<RegistryClient> => (loaded ??= import("./ecr-registry.ts").then((m) => m.createEcrRegistry(options)));
  return {
    host: options.registryHost,
    kind: "ecr",
    login: async (signal) => (await client()).login(signal),
    ensureRepository: async (repository, o, signal) => (await client()).ensureRepository(repository, o, signal),
    listTags: async (repository, signal) => (await client()).listTags(repository, signal),
    headDigest: async (repository, reference, signal) => (await client()).headDigest(repository, reference, signal),
    getManifest: async (repository, reference, signal) => (await client()).getManifest(repository, reference, signal),
    putManifest: async (repository, tag, manifest, signal) => (await client()).putManifest(repository, tag, manifest, signal),
    tagImmutability: async (repository, signal) => (await client()).tagImmutability(repository, signal),
  };
}
