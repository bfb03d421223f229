/**
 * Where an image's bytes are: its layers (the engine's history, the instruction that made each),
 * its largest files (the flattened root filesystem, `docker export`), and the compressed size a
 * registry stores and `docker pull` transfers (the image pushed to a registry, its manifest's
 * layer and config sizes summed, which is the figure ECR shows). For bench/agent-image.ts and
 * the image tests; talks to the engine with the docker CLI and to the registry over plain HTTP.
 */
import { spawn } from "node:child_process";
import { SlipwayError } from "../../core/errors.ts";
import { run } from "../../core/exec.ts";

/** One layer of an image, newest first as `docker history` lists them. */
export interface LayerSize {
  /** Bytes the layer adds, uncompressed. */
  bytes: number;
  /** The Dockerfile instruction that made it, shortened. */
  createdBy: string;
}

/** One file of the flattened root filesystem. */
export interface FileSize {
  /** Path inside the image, from `/`. */
  path: string;
  bytes: number;
}

function dockerEnv(dockerHost: string): NodeJS.ProcessEnv {
  return { ...process.env, DOCKER_HOST: dockerHost };
}

/** Shortens a history entry's `CreatedBy` to the instruction a reader recognises. Pure. */
export function describeInstruction(createdBy: string): string {
  const text = createdBy
    .replace(/^\/bin\/sh -c #\(nop\)\s*/, "")
    .replace(/^\/bin\/sh -c /, "RUN ")
    .replace(/^(COPY|ADD) (?:file|dir|multi):[0-9a-f]+ in (\S+)/, "$1 → $2")
    .replace(/\s+/g, " ")
    .trim();
  return text.length > 90 ? `${text.slice(0, 87)}...` : text;
}

/** The layers of `image` that add bytes, newest first. */
export async function imageLayers(dockerHost: string, image: string, signal?: AbortSignal): Promise<LayerSize[]> {
  const out = await run("docker", ["image", "history", "--no-trunc", "--human=false", "--format", "{{.Size}}\t{{.CreatedBy}}", image], { env: dockerEnv(dockerHost), ...(signal ? { signal } : {}) });
  const layers: LayerSize[] = [];
  for (const line of out.stdout.split("\n")) {
    const tab = line.indexOf("\t");
    if (tab < 0) continue;
    const bytes = Number(line.slice(0, tab));
    if (!Number.isFinite(bytes)) throw new SlipwayError(`docker history ${image}`, `unexpected size in line ${JSON.stringify(line)}`);
    if (bytes > 0) layers.push({ bytes, createdBy: describeInstruction(line.slice(tab + 1)) });
  }
  return layers;
}

/**
 * Reads a `tar -tv` listing (GNU tar's `perm owner size date time path` lines) into regular files
 * with their sizes; links and directories are left out. Pure.
 */
export function parseTarListing(listing: string): FileSize[] {
  const files: FileSize[] = [];
  for (const line of listing.split("\n")) {
    const m = /^-\S+\s+\S+\s+(\d+)\s+\S+\s+\S+\s+(.+)$/.exec(line);
    if (m?.[1] && m[2]) files.push({ path: `/${m[2].replace(/^\.?\//, "")}`, bytes: Number(m[1]) });
  }
  return files;
}

/** Every regular file of `image`'s root filesystem with its size, largest first. */
export async function imageFiles(dockerHost: string, image: string, signal?: AbortSignal): Promise<FileSize[]> {
  const env = dockerEnv(dockerHost);
  const id = (await run("docker", ["create", image], { env, ...(signal ? { signal } : {}) })).stdout.trim();
  try {
    const listing = await new Promise<string>((resolve, reject) => {
      const exporter = spawn("docker", ["export", id], { env, stdio: ["ignore", "pipe", "inherit"], ...(signal ? { signal } : {}) });
      const tar = spawn("tar", ["-tvf", "-"], { stdio: ["pipe", "pipe", "inherit"], ...(signal ? { signal } : {}) });
      exporter.stdout.pipe(tar.stdin);
      let text = "";
      tar.stdout.setEncoding("utf8").on("data", (chunk: string) => (text += chunk));
      exporter.on("error", reject);
      tar.on("error", reject);
      tar.on("close", (code) => (code === 0 ? resolve(text) : reject(new SlipwayError(`docker export ${image}`, `tar -tv exited with ${code}`))));
    });
    return parseTarListing(listing).sort((a, b) => b.bytes - a.bytes);
  } finally {
    await run("docker", ["rm", "--force", id], { env, okCodes: [0, 1] });
  }
}

/** What a registry holds for one pushed image. */
export interface PushedSize {
  /** `registry/repository:tag` it was pushed as. */
  reference: string;
  /** Sum of the manifest's layer sizes plus its config blob: what `docker pull` transfers. */
  compressedBytes: number;
  /** Each layer's compressed size, base first (the manifest's order). */
  layers: number[];
}

interface Manifest {
  config?: { size: number };
  layers?: { size: number }[];
}

/**
 * Pushes `image` to `registry` (`host:port`, plain HTTP, no auth) as `repository:tag` and reads
 * its manifest back: the compressed size a registry stores (the figure ECR shows).
 */
export async function pushedSize(dockerHost: string, image: string, registry: string, repository: string, tag: string, signal?: AbortSignal): Promise<PushedSize> {
  const env = dockerEnv(dockerHost);
  const reference = `${registry}/${repository}:${tag}`;
  const opt = signal ? { env, signal } : { env };
  await run("docker", ["tag", image, reference], opt);
  try {
    await run("docker", ["push", "--quiet", reference], opt);
  } finally {
    await run("docker", ["rmi", reference], { ...opt, okCodes: [0, 1] });
  }
  const res = await fetch(`http://${registry}/v2/${repository}/manifests/${tag}`, {
    headers: { accept: "application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json" },
    ...(signal ? { signal } : {}),
  });
  if (!res.ok) throw new SlipwayError(`registry ${registry}`, `manifest ${repository}:${tag}: HTTP ${res.status}`);
  const manifest = (await res.json()) as Manifest;
  if (!Array.isArray(manifest.layers)) throw new SlipwayError(`registry ${registry}`, `manifest ${repository}:${tag} lists no layers (an index?)`);
  const layers = manifest.layers.map((l) => l.size);
  return { reference, compressedBytes: layers.reduce((a, b) => a + b, 0) + (manifest.config?.size ?? 0), layers };
}
