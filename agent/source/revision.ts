/**
 * Source revisions in the notation Flux uses, so status messages read the same:
 * `main@sha1:<sha>` for a branch, `v1.2.0@sha1:<sha>` for a tag, `sha1:<sha>` for a pinned commit.
 * Pure.
 */
import type { SourceRef } from "../config/agent-config.ts";

/** Formats the revision of `sha` fetched for `ref`. */
export function formatRevision(ref: SourceRef, sha: string): string {
  if ("branch" in ref) return `${ref.branch}@sha1:${sha}`;
  if ("tag" in ref) return `${ref.tag}@sha1:${sha}`;
  return `sha1:${sha}`;
}

/** Returns the commit SHA of a revision string (`main@sha1:abc…` → `abc…`), or undefined. */
export function revisionSha(revision: string): string | undefined {
  const m = /(?:^|@)sha1:([0-9a-f]{40})$/.exec(revision);
  return m?.[1];
}
