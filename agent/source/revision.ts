/**
 * Source revisions in the notation Flux uses, so status messages read the same:
 * `main@sha1:<sha>` for a branch, `v1.2.0@sha1:<sha>` for a tag (and for the tag a semver range
 * chose), `refs/pull/1/head@sha1:<sha>` for a ref name (in full, as Flux writes it),
 * `sha1:<sha>` for a pinned commit. Pure.
 */
import type { SourceRef } from "../config/agent-config.ts";

/** Formats the revision of `sha` fetched for `ref`; `chosenTag` is the tag a semver range resolved to. */
export function formatRevision(ref: SourceRef, sha: string, chosenTag?: string): string {
  if ("branch" in ref) return `${ref.branch}@sha1:${sha}`;
  if ("tag" in ref) return `${ref.tag}@sha1:${sha}`;
  if ("semver" in ref) return chosenTag ? `${chosenTag}@sha1:${sha}` : `sha1:${sha}`;
  if ("name" in ref) return `${ref.name}@sha1:${sha}`;
  return `sha1:${sha}`;
}

/** Returns the commit SHA of a revision string (`main@sha1:abc…` → `abc…`), or undefined. */
export function revisionSha(revision: string): string | undefined {
  const m = /(?:^|@)sha1:([0-9a-f]{40})$/.exec(revision);
  return m?.[1];
}
