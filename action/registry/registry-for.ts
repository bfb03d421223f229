/**
 * Choosing the registry client for an image repository URI: Amazon ECR when the host is an ECR
 * host (region and account read from it), any other host through the OCI distribution API.
 */
import { SlipwayError } from "../../core/errors.ts";
import { splitImageRepository } from "../../core/image-ref.ts";
import { createLazyEcrRegistry } from "./lazy-ecr-registry.ts";
import type { EcrRegistryOptions } from "./ecr-registry.ts";
import { parseEcrHost } from "./ecr-host.ts";
import { createOciRegistry } from "./oci-registry.ts";
import type { RegistryClient } from "./registry-client.ts";

/** Options for {@link registryFor}. */
export interface RegistryForOptions {
  /**
   * Which API the registry speaks. Default `auto`: ECR when the host is an ECR host, else OCI.
   * `ecr` with a non-ECR host (a local registry paired with an ECR emulator) needs `ecrRegion`.
   */
  kind?: "auto" | "ecr" | "oci";
  /** For ECR: API endpoint override (a local emulator in tests). Default: the region's endpoint. */
  ecrEndpoint?: string;
  /** For ECR: region. Default: read from the host. */
  ecrRegion?: string;
  /** For ECR: AWS credentials. Default: the SDK's default chain. */
  awsCredentials?: EcrRegistryOptions["credentials"];
  /** For OCI registries: user name. Default anonymous. */
  username?: string;
  /** For OCI registries: password or token. */
  password?: string;
  /** For OCI registries: plain HTTP. Default: true for loopback hosts only. */
  insecure?: boolean;
}

/** The registry client and repository path for an image repository URI such as `123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/account`. */
export function registryFor(imageRepository: string, options: RegistryForOptions = {}): { registry: RegistryClient; repository: string } {
  const { host, repository } = splitImageRepository(imageRepository);
  const kind = options.kind ?? "auto";
  const ecr = parseEcrHost(host);
  if (kind === "ecr" || (kind === "auto" && ecr)) {
    const region = options.ecrRegion ?? ecr?.region;
    if (!region) throw new SlipwayError("input image", `"${imageRepository}": ${host} is not an ECR host; give the ECR region to use it as one`);
    const registry = createLazyEcrRegistry({ registryHost: host, region, endpoint: options.ecrEndpoint, credentials: options.awsCredentials });
    return { registry, repository };
  }
  const registry = createOciRegistry({
    host,
    username: options.username,
    password: options.password,
    insecure: options.insecure,
  });
  return { registry, repository };
}
