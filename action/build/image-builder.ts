/**
 * What the CI step needs from an image builder (docker, buildah): log in to a registry, build
 * an image under one or more full references, push each reference and report its digest.
 */
import type { RegistryCredentials } from "../registry/registry-client.ts";

/**
 * How long the builders let a registry take, in ms: a whole push (every layer), and a login.
 * Generous for the largest images, short of forever: a registry that stops answering mid-push
 * (its connection open, nothing sent) ends the step with an error naming the image instead of
 * holding the pipeline until the CI system's own limit.
 */
export interface RegistryTimeouts {
  /** Default 30 minutes. */
  pushTimeoutMs?: number;
  /** Default 2 minutes. */
  loginTimeoutMs?: number;
}

/** {@link RegistryTimeouts} with their defaults filled in. */
export function registryTimeouts(t: RegistryTimeouts): Required<RegistryTimeouts> {
  return { pushTimeoutMs: t.pushTimeoutMs ?? 30 * 60_000, loginTimeoutMs: t.loginTimeoutMs ?? 2 * 60_000 };
}

/** What to build. */
export interface BuildOptions {
  /** Build context directory. */
  context: string;
  /** Path of the Dockerfile (or Containerfile). */
  dockerfile: string;
  /** `--build-arg` values. Not secret: they end up in the image history. */
  buildArgs: Record<string, string>;
  /** Stage of a multi-stage Dockerfile to stop at. Default: the last stage. */
  target?: string;
  /** Target platforms, e.g. `["linux/amd64", "linux/arm64"]`. Default: the builder's own platform. */
  platforms?: string[];
  /** Full references to tag the result with, e.g. `127.0.0.1:5000/shop/account:20210608052721`. */
  tags: string[];
}

/** An image builder. One instance per CI run; {@link ImageBuilder.close} removes its temporary state. */
export interface ImageBuilder {
  /** `docker`, `buildah`, for messages. */
  readonly name: string;
  /** Builds the image described by `options` and tags it with every reference in `options.tags`. */
  build(options: BuildOptions, signal?: AbortSignal): Promise<void>;
  /** Pushes one reference built by {@link build}; resolves with the manifest digest the registry stored. */
  push(ref: string, signal?: AbortSignal): Promise<{ digest: string }>;
  /** Logs in to `host`; the password goes through stdin only and lands in this run's temporary auth file. */
  login(host: string, creds: RegistryCredentials, signal?: AbortSignal): Promise<void>;
  /** Removes the temporary auth/config directory. Safe to call more than once. */
  close(): Promise<void>;
}
