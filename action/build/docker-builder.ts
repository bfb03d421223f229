/**
 * The docker builder: `docker build` (or `docker buildx build` for several platforms),
 * `docker push`, and `docker login --password-stdin` into a per-run DOCKER_CONFIG directory.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { SlipwayError } from "../../core/errors.ts";
import type { Logger } from "../../core/log.ts";
import { registerSecret } from "../../core/redact.ts";
import { run } from "../../core/exec.ts";
import { createDockerConfigDir } from "./docker-config.ts";
import type { DockerConfigDir } from "./docker-config.ts";
import { registryTimeouts, type BuildOptions, type ImageBuilder, type RegistryTimeouts } from "./image-builder.ts";
import { lineLog } from "./line-log.ts";
import { digestFromPushOutput, digestFromRepoDigests } from "./push-digest.ts";
import { classifyPushError } from "./push-error.ts";
import { splitImageRef } from "../../core/image-ref.ts";

/** Options for {@link createDockerBuilder}. */
export interface DockerBuilderOptions extends RegistryTimeouts {
  /** Docker engine address for DOCKER_HOST, e.g. `unix:///run/docker.sock`. Default: the environment's, else docker's default. */
  dockerHost?: string;
  /** Where build and push output goes. */
  log: Logger;
  /** The docker CLI. Default `docker` from PATH. */
  docker?: string;
  /** Directory whose config.json seeds the per-run config. Default `$DOCKER_CONFIG` or `~/.docker`. */
  configSource?: string;
}

/** Creates a docker builder. Its login credentials live in a temporary DOCKER_CONFIG removed by `close()`. */
export function createDockerBuilder(options: DockerBuilderOptions): ImageBuilder {
  const docker = options.docker ?? "docker";
  const log = options.log.with({ builder: "docker" });
  const { pushTimeoutMs, loginTimeoutMs } = registryTimeouts(options);
  let config: DockerConfigDir | undefined;
  /** Digests of references a multi-platform buildx build already pushed. */
  const pushedByBuild = new Map<string, string>();

  async function env(): Promise<NodeJS.ProcessEnv> {
    config ??= await createDockerConfigDir(options.configSource);
    const e: NodeJS.ProcessEnv = { ...process.env, ...config.env };
    if (options.dockerHost) e.DOCKER_HOST = options.dockerHost;
    return e;
  }

  async function hasBuildx(signal?: AbortSignal): Promise<boolean> {
    try {
      await run(docker, ["buildx", "version"], { env: await env(), signal });
      return true;
    } catch {
      return false;
    }
  }

  return {
    name: "docker",

    async build(build: BuildOptions, signal) {
      const platforms = build.platforms ?? [];
      const multi = platforms.length > 1;
      if (platforms.length > 0 && !(await hasBuildx(signal))) {
        if (multi) {
          throw new SlipwayError(
            "input platforms",
            `${platforms.join(",")} needs docker buildx to build for several platforms, and \`docker buildx version\` failed: install the buildx plugin (or docker/setup-buildx-action), use builder buildah, or give one platform`,
          );
        }
        // The classic builder cannot build for a platform other than the engine's own.
        const own = (await run(docker, ["version", "--format", "{{.Server.Os}}/{{.Server.Arch}}"], { env: await env(), signal })).stdout.trim();
        if (platforms[0] !== own) {
          throw new SlipwayError(
            "input platforms",
            `${platforms[0] ?? ""} differs from the docker engine's ${own}, which needs docker buildx, and \`docker buildx version\` failed: install the buildx plugin (or docker/setup-buildx-action), or use builder buildah`,
          );
        }
      }
      const args = multi ? ["buildx", "build"] : ["build"];
      args.push("--file", build.dockerfile);
      for (const t of build.tags) args.push("--tag", t);
      for (const [k, v] of Object.entries(build.buildArgs)) args.push("--build-arg", `${k}=${v}`);
      if (build.target) args.push("--target", build.target);
      if (platforms.length > 0) args.push("--platform", platforms.join(","));
      let metadataDir: string | undefined;
      if (multi) {
        // A multi-platform image cannot be loaded into the engine's image store: push it while building.
        metadataDir = await mkdtemp(path.join(os.tmpdir(), "slipway-buildx-"));
        args.push("--push", "--metadata-file", path.join(metadataDir, "metadata.json"));
      }
      args.push(build.context);
      const out = lineLog(log);
      log.info(`building ${build.tags[0] ?? "image"}`, { dockerfile: build.dockerfile, context: build.context, platforms: platforms.join(",") || undefined });
      try {
        await run(docker, args, { env: await env(), signal, onOutput: out.onOutput });
        if (metadataDir) {
          const meta = JSON.parse(await readFile(path.join(metadataDir, "metadata.json"), "utf8")) as Record<string, unknown>;
          const digest = meta["containerimage.digest"];
          if (typeof digest !== "string") throw new SlipwayError(`image ${build.tags[0] ?? ""}`, "docker buildx reported no digest for the pushed image");
          for (const t of build.tags) pushedByBuild.set(t, digest);
        }
      } catch (err) {
        if (multi) throw classifyPushError(build.tags[0] ?? "", splitImageRef(build.tags[0] ?? "").tag, err);
        throw new SlipwayError(`image ${build.tags[0] ?? ""}`, `docker build failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      } finally {
        out.flush();
        if (metadataDir) await rm(metadataDir, { recursive: true, force: true });
      }
    },

    async push(ref, signal) {
      const already = pushedByBuild.get(ref);
      if (already) return { digest: already };
      const out = lineLog(log, "debug");
      let stdout: string;
      try {
        stdout = (await run(docker, ["push", ref], { env: await env(), signal, onOutput: out.onOutput, timeoutMs: pushTimeoutMs })).stdout;
      } catch (err) {
        throw classifyPushError(ref, splitImageRef(ref).tag, err);
      } finally {
        out.flush();
      }
      let digest = digestFromPushOutput(stdout);
      if (!digest) {
        const inspect = await run(docker, ["image", "inspect", "--format", "{{json .RepoDigests}}", ref], { env: await env(), signal });
        digest = digestFromRepoDigests(inspect.stdout.trim(), splitImageRef(ref).name);
      }
      if (!digest) throw new SlipwayError(`image ${ref}`, "pushed, but docker reported no digest for it");
      return { digest };
    },

    async login(host, creds, signal) {
      registerSecret(creds.password);
      const e = await env();
      await config?.forgetHelper(host);
      try {
        await run(docker, ["login", "--username", creds.username, "--password-stdin", host], { env: e, input: creds.password, signal, timeoutMs: loginTimeoutMs });
      } catch (err) {
        throw new SlipwayError(`registry ${host}`, `docker login as "${creds.username}" failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      }
      log.info(`logged in to ${host}`, { username: creds.username });
    },

    async close() {
      const c = config;
      config = undefined;
      await c?.remove();
    },
  };
}
