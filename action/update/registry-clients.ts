/**
 * One registry client per ImageRepository, chosen from its fields the way Flux's
 * image-reflector-controller chooses: `provider: aws` (or an ECR host) lists tags through the ECR
 * API with the AWS credential chain; any other host speaks the OCI distribution API, anonymously
 * or with the `secretRef` Secret's dockerconfigjson entry for that host (Bearer tokens from the
 * realm the registry's `WWW-Authenticate` names: Docker Hub, GHCR, distribution), over plain HTTP
 * with `insecure`. Clients are shared between repositories of one host and credentials, so a
 * token is fetched once per scope. Credentials only ever go to the host they are written for.
 */
import { SlipwayError } from "../../core/errors.ts";
import { splitImageRepository } from "../../core/image-ref.ts";
import type { ImageRepositoryObject } from "../manifests/image-repository.ts";
import { credentialsForHost, type DockerAuths, type HostCredentials } from "../registry/docker-config-auth.ts";
import { createLazyEcrRegistry } from "../registry/lazy-ecr-registry.ts";
import { parseEcrHost } from "../registry/ecr-host.ts";
import { createOciRegistry } from "../registry/oci-registry.ts";
import type { RegistryClient } from "../registry/registry-client.ts";

/** Options for {@link createRegistryClients}. */
export interface RegistryClientsOptions {
  /** dockerconfigjson Secrets by `namespace/name` (what `secretRef` names). Default none. */
  secrets?: ReadonlyMap<string, DockerAuths>;
  /** Where the Secrets were read from, for the error when one is missing. */
  secretsSource?: string;
  /** Credentials for one host (the `registry` input with `registry-username`/`registry-password`), used when the ImageRepository has no secretRef. */
  hostCredentials?: { host: string } & HostCredentials;
  /** ECR API endpoint override (a local emulator). */
  ecrEndpoint?: string;
  /** ECR region when the host does not say (provider aws on another host). */
  awsRegion?: string;
  /** Most tag pages followed per repository. Default 10,000. */
  maxTagPages?: number;
  /** Counts every request to an OCI registry. */
  onRequest?: () => void;
}

/** The client and repository path for an ImageRepository; throws a SlipwayError naming it when it cannot be reached as written. */
export type ClientFor = (repo: ImageRepositoryObject) => { registry: RegistryClient; repository: string };

/** Creates the client factory; see the file comment. */
export function createRegistryClients(options: RegistryClientsOptions = {}): ClientFor {
  const clients = new Map<string, RegistryClient>();
  return (repo) => {
    const id = `${repo.source}: ImageRepository/${repo.namespace}/${repo.name}`;
    let host: string;
    let repository: string;
    try {
      ({ host, repository } = splitImageRepository(repo.image, `${id} spec.image`));
    } catch (err) {
      if (err instanceof SlipwayError) throw err;
      throw new SlipwayError(`${id} spec.image`, String(err), { cause: err });
    }
    const ecr = parseEcrHost(host);
    if (repo.provider === "aws" || ecr) {
      const region = ecr?.region ?? options.awsRegion ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
      if (!region) throw new SlipwayError(id, `provider aws: ${host} is not an ECR host and no AWS region is set (aws-region)`);
      const key = `ecr ${host} ${region}`;
      let registry = clients.get(key);
      if (!registry) {
        registry = createLazyEcrRegistry({ registryHost: host, region, endpoint: options.ecrEndpoint, registryId: ecr?.accountId });
        clients.set(key, registry);
      }
      return { registry, repository };
    }
    let creds: HostCredentials | undefined;
    if (repo.secretRef) {
      const secret = options.secrets?.get(`${repo.namespace}/${repo.secretRef}`);
      if (!secret) {
        throw new SlipwayError(id, `secretRef ${repo.secretRef}: no dockerconfigjson for Secret ${repo.namespace}/${repo.secretRef}${options.secretsSource ? ` in ${options.secretsSource}` : " (give registry-secrets)"}`);
      }
      creds = credentialsForHost(secret, host);
      if (!creds) throw new SlipwayError(id, `secretRef ${repo.secretRef}: the Secret has no credentials for ${host}`);
    } else if (options.hostCredentials && options.hostCredentials.host.toLowerCase() === host.toLowerCase()) {
      creds = options.hostCredentials;
    }
    const key = `oci ${host} ${repo.insecure} ${repo.secretRef ? `${repo.namespace}/${repo.secretRef}` : creds ? "input" : "anonymous"}`;
    let registry = clients.get(key);
    if (!registry) {
      registry = createOciRegistry({
        host,
        username: creds?.username,
        password: creds?.password,
        insecure: repo.insecure || undefined,
        maxTagPages: options.maxTagPages,
        onRequest: options.onRequest,
      });
      clients.set(key, registry);
    }
    return { registry, repository };
  };
}
