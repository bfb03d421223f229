/**
 * Reading the pushed manifest's digest out of builder output: `docker push` prints
 * `<tag>: digest: sha256:… size: N`; `docker inspect` lists `RepoDigests` as `repo@sha256:…`.
 */

/** The manifest digest `docker push` reports (`<tag>: digest: sha256:… size: N`), or undefined. */
export function digestFromPushOutput(output: string): string | undefined {
  const all = [...output.matchAll(/digest: (sha256:[0-9a-f]{64})/g)];
  return all.length > 0 ? all[all.length - 1]?.[1] : undefined;
}

/** The digest of `repository` (host/path, no tag) among `docker inspect`'s RepoDigests JSON array, or undefined. */
export function digestFromRepoDigests(repoDigestsJson: string, repository: string): string | undefined {
  let list: unknown;
  try {
    list = JSON.parse(repoDigestsJson);
  } catch {
    return undefined;
  }
  if (!Array.isArray(list)) return undefined;
  for (const entry of list) {
    if (typeof entry !== "string") continue;
    const at = entry.lastIndexOf("@");
    if (at > 0 && entry.slice(0, at) === repository) return entry.slice(at + 1);
  }
  return undefined;
}
