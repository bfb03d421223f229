/**
 * Test fixture for the CI step: a "shop" manifest repository (one Deployment per service with a
 * `$imagepolicy` marker, optionally with the Flux objects of the seed setup) and images pushed
 * straight to the local registry through the distribution API, so tests need no builder.
 */
import { sampleImage, uploadBlobs } from "../registry/sample-image.ts";

/** Options for {@link shopFiles}. */
export interface ShopOptions {
  /** Image repository prefix, e.g. `127.0.0.1:5000/shop-1a2b`. */
  imagePrefix: string;
  /** Service names. */
  services: string[];
  /** Current tag of every marker. Default `20200101000000`. */
  tag?: string;
  /** Add ImageRepository + ImagePolicy (alphabetical asc) per service and the seed's ImageUpdateAutomation. */
  flux?: boolean;
  /** apiVersion of the Flux objects. Default `image.toolkit.fluxcd.io/v1alpha2` (the seed's automation). */
  fluxApiVersion?: string;
  /** Branch the automation names. Default `eks`. */
  automationBranch?: string;
}

/** The files of a shop manifest repository under `clusters/eks`. */
export function shopFiles(o: ShopOptions): Record<string, string> {
  const tag = o.tag ?? "20200101000000";
  const files: Record<string, string> = { "README.md": "# shop manifests\n" };
  for (const s of o.services) {
    files[`clusters/eks/shop/${s}.yaml`] = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${s}
  namespace: shop
spec:
  replicas: 1
  selector:
    matchLabels:
      app: ${s}
  template:
    metadata:
      labels:
        app: ${s}
    spec:
      containers:
      - name: ${s}
        image: ${o.imagePrefix}/${s}:${tag} # {"$imagepolicy": "flux-system:${s}"}
        ports:
        - containerPort: 8080
`;
  }
  if (o.flux) {
    const v = o.fluxApiVersion ?? "image.toolkit.fluxcd.io/v1alpha2";
    for (const s of o.services) {
      files[`clusters/eks/flux-system/images/${s}.yaml`] = `apiVersion: image.toolkit.fluxcd.io/v1alpha1
kind: ImageRepository
metadata:
  name: ${s}
  namespace: flux-system
spec:
  secretRef:
    name: ecr-credentials
  image: ${o.imagePrefix}/${s}
  interval: 1m0s
---
apiVersion: image.toolkit.fluxcd.io/v1alpha1
kind: ImagePolicy
metadata:
  name: ${s}
  namespace: flux-system
spec:
  imageRepositoryRef:
    name: ${s}
  filterTags:
    pattern: '^[0-9]{14}$'
  policy:
    alphabetical:
      order: asc
`;
    }
    files["clusters/eks/flux-system/update-policy.yml"] = `apiVersion: ${v}
kind: ImageUpdateAutomation
metadata:
  name: flux-system
  namespace: flux-system
spec:
  sourceRef:
    kind: GitRepository
    name: flux-system
  interval: 1m
  update:
    strategy: Setters
    path: ./clusters/eks
  git:
    checkout:
      ref:
        branch: ${o.automationBranch ?? "eks"}
    commit:
      author:
        name: fluxbot
        email: fluxbot@example.com
      messageTemplate: |
        An automated update from FluxBot
        [ci skip]
    push:
      branch: ${o.automationBranch ?? "eks"}
`;
  }
  return files;
}

/** Pushes a new random single-layer image to `http://host/v2/repository` under `tag`; returns its digest. */
export async function pushSampleImage(host: string, repository: string, tag: string, auth?: { user: string; password: string }): Promise<string> {
  const image = sampleImage();
  await uploadBlobs(host, repository, image, auth);
  const headers: Record<string, string> = { "content-type": image.manifest.mediaType };
  if (auth) headers.authorization = `Basic ${Buffer.from(`${auth.user}:${auth.password}`).toString("base64")}`;
  const res = await fetch(`http://${host}/v2/${repository}/manifests/${tag}`, { method: "PUT", headers, body: image.manifest.body });
  await res.body?.cancel();
  if (res.status !== 201) throw new Error(`manifest PUT ${repository}:${tag}: HTTP ${res.status}`);
  return image.manifest.digest;
}
