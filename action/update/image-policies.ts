/**
 * Every ImagePolicy of a manifest repository, not only the pushed image's: list each
 * ImageRepository's tags (concurrently, at most `concurrency` registries at once), drop the tags
 * its `exclusionList` matches, let each policy pick, and read the picked tag's digest for policies
 * with `digestReflectionPolicy` Always (every run) or IfNotPresent (only when the manifests do not
 * already pin that tag with a digest). A failure is confined to what it concerns: a registry that
 * cannot be listed fails the policies of its repositories, a policy naming a missing
 * ImageRepository fails that policy, a digest that cannot be read or does not match on the second
 * read fails that policy; each failure names the object and its `file:line`.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { errorMessage, throwIfAborted } from "../../core/errors.ts";
import type { ImageRef } from "../../core/image-ref.ts";
import { parseMarkerComment } from "../../core/markers/marker.ts";
import { compileExclusionList } from "../../core/policy/exclusion-list.ts";
import { selectTag } from "../../core/policy/select-tag.ts";
import type { ImageRepositoryObject } from "../manifests/image-repository.ts";
import type { MarkerUse } from "../manifests/marker-scan.ts";
import type { PolicyObject } from "../manifests/scan-manifest-tree.ts";
import type { RegistryClient } from "../registry/registry-client.ts";
import { tagDigest } from "../registry/tag-digest.ts";
import type { ClientFor } from "./registry-clients.ts";

/** What listing one ImageRepository found. */
export interface RepositoryScan {
  namespace: string;
  name: string;
  image: string;
  /** `file:line` of the object. */
  source: string;
  /** Tags a policy may pick (after the exclusion list), sorted. */
  tags: string[];
  /** Tags the exclusion list dropped. */
  excluded: number;
  /** When the listing finished (ISO 8601). */
  scannedAt: string;
  /** Why the listing failed; absent when it worked. */
  error?: string;
  /** Fields read but not honoured, with why. */
  notes: string[];
  /** The client that listed it, for digests. */
  registry?: RegistryClient;
  repository?: string;
}

/** What one policy decided. */
export interface PolicyOutcome {
  namespace: string;
  name: string;
  /** `file:line`. */
  source: string;
  /** The ImageRepository ranked, `ns/name`. */
  repository: string;
  /** The image picked (with its digest when the policy reflects digests); absent on failure. */
  image?: ImageRef;
  /** Why the policy picked nothing, naming the object at fault. */
  error?: string;
  /** `spec.digestReflectionPolicy`. */
  digestReflection: "Always" | "IfNotPresent" | "Never";
}

/** The key of a repository or policy: `ns/name`. */
export const objectKey = (o: { namespace: string; name: string }): string => `${o.namespace}/${o.name}`;

/** Runs `fn` over `items` with at most `limit` at once; results in input order. */
export async function mapBounded<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>, signal?: AbortSignal): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      throwIfAborted(signal);
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}

/** Options for {@link scanRepositories}. */
export interface ScanOptions {
  clientFor: ClientFor;
  /** Registries listed at once. Default 8. */
  concurrency?: number;
  now?: () => Date;
  signal?: AbortSignal;
}

/** Lists every repository's tags; never throws for one repository (its scan carries the error). */
export async function scanRepositories(repos: readonly ImageRepositoryObject[], options: ScanOptions): Promise<Map<string, RepositoryScan>> {
  const now = options.now ?? (() => new Date());
  const scans = await mapBounded(
    repos,
    options.concurrency ?? 8,
    async (repo): Promise<RepositoryScan> => {
      const scan: RepositoryScan = {
        namespace: repo.namespace,
        name: repo.name,
        image: repo.image,
        source: repo.source,
        tags: [],
        excluded: 0,
        scannedAt: "",
        notes: repo.ignored.map((f) => `spec.${f} is ignored (it governs access inside a cluster; the manifests here are read directly)`),
      };
      try {
        const { registry, repository } = options.clientFor(repo);
        scan.registry = registry;
        scan.repository = repository;
        const exclusions = compileExclusionList(repo.exclusionList);
        const all = await registry.listTags(repository, options.signal);
        scan.tags = all.filter((t) => exclusions.excludedBy(t) === undefined).sort();
        scan.excluded = all.length - scan.tags.length;
      } catch (err) {
        if (options.signal?.aborted) throw err;
        scan.error = `${repo.source}: ImageRepository/${repo.namespace}/${repo.name} (${repo.image}): ${errorMessage(err)}`;
      }
      scan.scannedAt = now().toISOString();
      return scan;
    },
    options.signal,
  );
  return new Map(scans.map((s) => [objectKey(s), s]));
}

/** The digest each full-value marker already pins, by policy `ns:name`: the values `name:tag@digest` as written. */
export async function pinnedValues(root: string, markers: readonly MarkerUse[]): Promise<Map<string, string[]>> {
  const byFile = new Map<string, { policy: string; line: number }[]>();
  for (const m of markers) {
    const colon = m.source.lastIndexOf(":");
    const file = m.source.slice(0, colon);
    byFile.set(file, [...(byFile.get(file) ?? []), { policy: m.policy, line: Number(m.source.slice(colon + 1)) }]);
  }
  const out = new Map<string, string[]>();
  for (const [file, uses] of byFile) {
    const lines = (await readFile(path.join(root, file), "utf8").catch(() => "")).split("\n");
    for (const u of uses) {
      const text = lines[u.line - 1] ?? "";
      const hash = text.indexOf("#");
      const parsed = hash >= 0 ? parseMarkerComment(text.slice(text.indexOf("{", hash))) : undefined;
      if (parsed?.kind !== "marker" || parsed.marker.field !== "image") continue;
      const value = /^\s*(?:-\s+)?(?:[^:#]+:\s+)?["']?([^"'\s#]+)["']?\s*$/.exec(text.slice(0, hash))?.[1];
      if (value?.includes("@")) out.set(u.policy, [...(out.get(u.policy) ?? []), value]);
    }
  }
  return out;
}

/** Options for {@link evaluatePolicies}. */
export interface EvaluateOptions {
  policies: readonly PolicyObject[];
  scans: ReadonlyMap<string, RepositoryScan>;
  /** Values `name:tag@digest` the manifests already hold, by policy `ns:name` (for IfNotPresent). */
  pinned?: ReadonlyMap<string, string[]>;
  /** Digests already read in this run, by `image:tag` (reused across push attempts). */
  digestCache?: Map<string, Promise<string>>;
  /** Digests read at once. Default 8. */
  concurrency?: number;
  signal?: AbortSignal;
}

/** Decides every policy; never throws for one policy (its outcome carries the error). */
export async function evaluatePolicies(options: EvaluateOptions): Promise<PolicyOutcome[]> {
  const cache = options.digestCache ?? new Map<string, Promise<string>>();
  return mapBounded(
    options.policies,
    options.concurrency ?? 8,
    async ({ policy, source }): Promise<PolicyOutcome> => {
      const repoNs = policy.imageRepositoryRef.namespace ?? policy.namespace;
      const repository = `${repoNs}/${policy.imageRepositoryRef.name}`;
      const id = `${source}: ImagePolicy/${policy.namespace}/${policy.name}`;
      const outcome: PolicyOutcome = {
        namespace: policy.namespace,
        name: policy.name,
        source,
        repository,
        digestReflection: policy.digestReflection?.policy ?? "Never",
      };
      const scan = options.scans.get(repository);
      if (!scan) {
        outcome.error = `${id}: imageRepositoryRef names ImageRepository/${repository}, which the manifest repository does not define`;
        return outcome;
      }
      if (scan.error !== undefined) {
        outcome.error = `${id}: ${scan.error}`;
        return outcome;
      }
      let tag: string;
      try {
        tag = selectTag(policy, scan.tags);
      } catch (err) {
        outcome.error = `${id}: ${errorMessage(err)}${scan.tags.length === 0 ? ` (${scan.image} has no tags${scan.excluded ? ` after the exclusion list dropped ${scan.excluded}` : ""})` : ""}`;
        return outcome;
      }
      const image: ImageRef = { name: scan.image, tag };
      if (policy.digestReflection && scan.registry && scan.repository) {
        const prefix = `${scan.image}:${tag}@`;
        const present = options.pinned?.get(`${policy.namespace}:${policy.name}`)?.find((v) => v.startsWith(prefix));
        if (policy.digestReflection.policy === "IfNotPresent" && present) {
          image.digest = present.slice(prefix.length);
        } else {
          const key = `${scan.image}:${tag}`;
          let read = cache.get(key);
          if (!read) {
            read = tagDigest(scan.registry, scan.repository, tag, options.signal);
            cache.set(key, read);
            read.catch(() => cache.delete(key));
          }
          try {
            image.digest = await read;
          } catch (err) {
            outcome.error = `${id}: ${errorMessage(err)}`;
            return outcome;
          }
        }
      }
      outcome.image = image;
      return outcome;
    },
    options.signal,
  );
}
