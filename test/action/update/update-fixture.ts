/**
 * Test helper for `slipway update`: a manifest repository whose ImageRepositories live on the
 * three local registries (the plain one, the htpasswd one through a secretRef, moto's ECR through
 * provider aws), ImagePolicies of each kind (one digest-reflecting), and Deployments with markers.
 */
import { CreateRepositoryCommand, ECRClient, PutImageCommand } from "@aws-sdk/client-ecr";
import type { TestEnv } from "../../env/harness.ts";
import { sampleImage } from "../registry/sample-image.ts";
import { pushSampleImage } from "../e2e/shop-fixture.ts";

/** The ECR host moto answers for (account 123456789012, the region of the test environment). */
export const ECR_HOST = "123456789012.dkr.ecr.us-east-1.amazonaws.com";

/** Puts a manifest-only image under `tag` in moto's ECR; returns its digest. */
export async function putEcrImage(env: TestEnv, repository: string, tag: string): Promise<string> {
  const ecr = new ECRClient({ region: "us-east-1", endpoint: env.ecrEndpoint, credentials: { accessKeyId: env.awsAccessKeyId, secretAccessKey: env.awsSecretAccessKey } });
  try {
    await ecr.send(new CreateRepositoryCommand({ repositoryName: repository })).catch((err: unknown) => {
      if (!(err instanceof Error && err.name === "RepositoryAlreadyExistsException")) throw err;
    });
    const img = sampleImage();
    await ecr.send(new PutImageCommand({ repositoryName: repository, imageManifest: img.manifest.body, imageManifestMediaType: img.manifest.mediaType, imageTag: tag }));
    return img.manifest.digest;
  } finally {
    ecr.destroy();
  }
}

/** Image names of one fixture. */
export interface Fleet {
  web: string;
  api: string;
  worker: string;
  /** On the htpasswd registry without a secretRef: its listing answers 401. */
  locked: string;
}

/** The images of a fixture, under a unique prefix. */
export function fleet(env: TestEnv, prefix: string): Fleet {
  return {
    web: `${env.registry}/${prefix}/web`,
    api: `${env.registryAuth}/${prefix}/api`,
    worker: `${ECR_HOST}/${prefix}/worker`,
    locked: `${env.registryAuth}/${prefix}/locked`,
  };
}

/** Pushes the starting tags; returns the digest of each `image:tag`. */
export async function pushFleet(env: TestEnv, f: Fleet): Promise<Map<string, string>> {
  const digests = new Map<string, string>();
  const path = (image: string, host: string): string => image.slice(host.length + 1);
  const auth = { user: env.registryUser, password: env.registryPassword };
  for (const tag of ["1.0.0", "1.2.0", "2.0.0", "1.3.0-rc.1", "sha256-0123.sig"]) digests.set(`${f.web}:${tag}`, await pushSampleImage(env.registry, path(f.web, env.registry), tag));
  for (const tag of ["20240101000000", "20250101000000", "latest"]) digests.set(`${f.api}:${tag}`, await pushSampleImage(env.registryAuth, path(f.api, env.registryAuth), tag, auth));
  for (const tag of ["1", "5", "12"]) digests.set(`${f.worker}:${tag}`, await putEcrImage(env, path(f.worker, ECR_HOST), tag));
  await pushSampleImage(env.registryAuth, path(f.locked, env.registryAuth), "1.0.0", auth);
  return digests;
}

/** The manifest repository's files. */
export function fleetFiles(f: Fleet, extra: { objects?: string; apps?: string } = {}): Record<string, string> {
  const repo = (name: string, image: string, more = ""): string =>
    `---\napiVersion: image.toolkit.fluxcd.io/v1\nkind: ImageRepository\nmetadata:\n  name: ${name}\n  namespace: flux-system\nspec:\n  image: ${image}\n  interval: 5m\n${more}`;
  const policy = (name: string, spec: string): string =>
    `---\napiVersion: image.toolkit.fluxcd.io/v1\nkind: ImagePolicy\nmetadata:\n  name: ${name}\n  namespace: flux-system\nspec:\n  imageRepositoryRef:\n    name: ${name}\n${spec}`;
  return {
    "clusters/prod/flux-system/images.yaml":
      repo("web", f.web) +
      repo("api", f.api, "  secretRef:\n    name: regcred\n  exclusionList:\n    - \"^latest$\"\n") +
      repo("worker", f.worker, "  provider: aws\n") +
      repo("locked", f.locked) +
      policy("web", "  digestReflectionPolicy: IfNotPresent\n  policy:\n    semver:\n      range: \">=1.0.0 <2.0.0\"\n") +
      policy("api", "  policy:\n    alphabetical:\n      order: asc\n") +
      policy("worker", "  policy:\n    numerical:\n      order: asc\n") +
      policy("locked", "  policy:\n    semver:\n      range: \">=1.0.0\"\n") +
      (extra.objects ?? ""),
    "clusters/prod/apps/web.yaml": `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: ${f.web}:1.0.0 # {"$imagepolicy": "flux-system:web"}\n        - name: sidecar\n          image: busybox:1.36\n`,
    "clusters/prod/apps/kustomization.yaml": `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - web.yaml\n  - api.yaml\nimages:\n  - name: web\n    newTag: 1.0.0 # {"$imagepolicy": "flux-system:web:tag"}\n    digest: sha256:0000000000000000000000000000000000000000000000000000000000000000 # {"$imagepolicy": "flux-system:web:digest"}\n`,
    "clusters/prod/apps/api.yaml": `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  template:\n    spec:\n      containers:\n        - name: api\n          image: ${f.api}:20240101000000 # {"$imagepolicy": "flux-system:api"}\n        - name: worker\n          image: ${f.worker}:1 # {"$imagepolicy": "flux-system:worker"}\n        - name: locked\n          image: ${f.locked}:0.9.0 # {"$imagepolicy": "flux-system:locked"}\n${extra.apps ?? ""}`,
  };
}

/** The `registry-secrets` file: the dockerconfigjson Secret `regcred` for the htpasswd registry. */
export function regcredYaml(env: TestEnv): string {
  const cfg = JSON.stringify({ auths: { [env.registryAuth]: { username: env.registryUser, password: env.registryPassword } } });
  return `apiVersion: v1\nkind: Secret\nmetadata:\n  name: regcred\n  namespace: flux-system\ntype: kubernetes.io/dockerconfigjson\ndata:\n  .dockerconfigjson: ${Buffer.from(cfg).toString("base64")}\n`;
}
