/**
 * The buildah builder (daemonless, fits unprivileged CI and CodeBuild without privileged mode
 * when run with `--isolation chroot`): `buildah build`, `buildah push --digestfile`, and
 * `buildah login --password-stdin` into a per-run auth file. Several platforms become a
 * manifest list pushed with `buildah manifest push --all`.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { SlipwayError } from "../../core/errors.ts";
import type { Logger } from "../../core/log.ts";
import { registerSecret } from "../../core/redact.ts";
import { run } from "../../core/exec.ts";
import { isLoopbackHost } from "../registry/oci-registry.ts";
import { registryTimeouts, type BuildOptions, type ImageBuilder, type RegistryTimeouts } from "./image-builder.ts";
import { lineLog } from "./line-log.ts";
import { classifyPushError } from "./push-error.ts";
import { splitImageRef } from "../../core/image-ref.ts";

/** Options for {@link createBuildahBuilder}. */
export interface BuildahBuilderOptions extends RegistryTimeouts {
  /** Where build and push output goes. */
  log: Logger;
  /** Storage driver (`vfs`, `overlay`). Default: buildah's own (`STORAGE_DRIVER`, storage.conf). */
  storageDriver?: string;
  /** Build isolation (`chroot`, `oci`, `rootless`). Default: buildah's own (`BUILDAH_ISOLATION`). */
  isolation?: string;
  /** Storage root directory. Default: buildah's own. */
  root?: string;
  /** Storage run root directory. Default: buildah's own. */
  runroot?: string;
  /** The buildah binary. Default `buildah` from PATH. */
  buildah?: string;
  /** Hosts talked to without TLS. Default: loopback hosts (127.0.0.0/8, localhost), as docker does. */
  insecureHost?: (host: string) => boolean;
}

/** Creates a buildah builder. Its login credentials live in a temporary auth file removed by `close()`. */
export function createBuildahBuilder(options: BuildahBuilderOptions): ImageBuilder {
  const buildah = options.buildah ?? "buildah";
  const log = options.log.with({ builder: "buildah" });
  const { pushTimeoutMs, loginTimeoutMs } = registryTimeouts(options);
  const insecure = options.insecureHost ?? isLoopbackHost;
  const global: string[] = [];
  if (options.storageDriver) global.push("--storage-driver", options.storageDriver);
  if (options.root) global.push("--root", options.root);
  if (options.runroot) global.push("--runroot", options.runroot);
  let tmp: string | undefined;
  /** Local manifest list per reference, for multi-platform builds. */
  const manifestLists = new Map<string, string>();

  async function tmpDir(): Promise<string> {
    if (!tmp) {
      tmp = await mkdtemp(path.join(os.tmpdir(), "slipway-buildah-"));
      // buildah refuses an --authfile that does not exist.
      await writeFile(path.join(tmp, "auth.json"), '{"auths":{}}\n', { mode: 0o600 });
    }
    return tmp;
  }
  async function authArgs(): Promise<string[]> {
    return ["--authfile", path.join(await tmpDir(), "auth.json")];
  }
  const tls = (ref: string): string[] => (insecure(ref.split("/")[0] ?? "") ? ["--tls-verify=false"] : []);
  const env = (): NodeJS.ProcessEnv => (options.isolation ? { ...process.env, BUILDAH_ISOLATION: options.isolation } : process.env);

  return {
    name: "buildah",

    async build(build: BuildOptions, signal) {
      const platforms = build.platforms ?? [];
      const first = build.tags[0];
      if (!first) throw new SlipwayError("image", "nothing to tag the build with");
      const args = [...global, "build", "--file", build.dockerfile];
      if (options.isolation) args.push("--isolation", options.isolation);
      for (const [k, v] of Object.entries(build.buildArgs)) args.push("--build-arg", `${k}=${v}`);
      if (build.target) args.push("--target", build.target);
      if (platforms.length > 0) args.push("--platform", platforms.join(","));
      const list = platforms.length > 1 ? `localhost/slipway-list-${randomBytes(6).toString("hex")}` : undefined;
      if (list) args.push("--manifest", list);
      else for (const t of build.tags) args.push("--tag", t);
      args.push(...(await authArgs()), build.context);
      const out = lineLog(log);
      log.info(`building ${first}`, { dockerfile: build.dockerfile, context: build.context, platforms: platforms.join(",") || undefined });
      try {
        await run(buildah, args, { env: env(), signal, onOutput: out.onOutput });
      } catch (err) {
        throw new SlipwayError(`image ${first}`, `buildah build failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      } finally {
        out.flush();
      }
      if (list) for (const t of build.tags) manifestLists.set(t, list);
    },

    async push(ref, signal) {
      const digestFile = path.join(await tmpDir(), `digest-${Date.now()}-${Math.random().toString(36).slice(2)}`);
      const list = manifestLists.get(ref);
      const args = list
        ? [...global, "manifest", "push", "--all", "--digestfile", digestFile, ...(await authArgs()), ...tls(ref), list, `docker://${ref}`]
        : [...global, "push", "--digestfile", digestFile, ...(await authArgs()), ...tls(ref), ref, `docker://${ref}`];
      const out = lineLog(log, "debug");
      try {
        await run(buildah, args, { env: env(), signal, onOutput: out.onOutput, timeoutMs: pushTimeoutMs });
      } catch (err) {
        throw classifyPushError(ref, splitImageRef(ref).tag, err);
      } finally {
        out.flush();
      }
      const digest = (await readFile(digestFile, "utf8")).trim();
      if (!/^sha256:[0-9a-f]{64}$/.test(digest)) throw new SlipwayError(`image ${ref}`, `pushed, but buildah wrote no digest (got "${digest}")`);
      return { digest };
    },

    async login(host, creds, signal) {
      registerSecret(creds.password);
      const args = [...global, "login", ...(await authArgs()), "--username", creds.username, "--password-stdin", ...tls(host), host];
      try {
        await run(buildah, args, { env: env(), input: creds.password, signal, timeoutMs: loginTimeoutMs });
      } catch (err) {
        throw new SlipwayError(`registry ${host}`, `buildah login as "${creds.username}" failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      }
      log.info(`logged in to ${host}`, { username: creds.username });
    },

    async close() {
      // The local manifest lists are this builder's own scaffolding: remove them and their
      // untagged per-platform images (best effort; a failure only leaves storage behind).
      for (const list of new Set(manifestLists.values())) {
        try {
          const inspected = JSON.parse((await run(buildah, [...global, "manifest", "inspect", list])).stdout) as { manifests?: { digest: string }[] };
          const instances = new Set((inspected.manifests ?? []).map((m) => m.digest));
          await run(buildah, [...global, "manifest", "rm", list]);
          const images = JSON.parse((await run(buildah, [...global, "images", "--json"])).stdout) as { id: string; digest: string; names?: string[] | null }[];
          for (const image of images) {
            if (instances.has(image.digest) && !image.names?.length) await run(buildah, [...global, "rmi", image.id]);
          }
        } catch (err) {
          log.debug(`could not remove the local manifest list ${list}: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
      manifestLists.clear();
      const dir = tmp;
      tmp = undefined;
      if (dir) await rm(dir, { recursive: true, force: true });
    },
  };
}
