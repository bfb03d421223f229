/**
 * `spec.ref.semver` and `spec.ref.name` of a GitRepository, as Flux resolves them:
 * - semver: every tag of the remote that Flux's `version.ParseVersion` reads as a version and that
 *   satisfies the range (Masterminds rules, core/policy/semver-range.ts) is a candidate; the
 *   highest wins. Versions that differ only by build metadata are equal: among them the one whose
 *   commit is the newest (committer time) wins, as Flux sorts them. No candidate is the error
 *   `no match found for semver: <range>`.
 * - name: a full git reference name (`refs/heads/main`, `refs/pull/420/head`), checked with git's
 *   check-ref-format rules before anything is fetched.
 * Pure.
 */
import { parseSemverRange, satisfiesRange } from "../../core/policy/semver-range.ts";
import { compareVersions, parseTagVersion } from "../../core/policy/semver-version.ts";
import { SlipwayError } from "../../core/errors.ts";

/** One tag of a remote: its short name and the commit it points to (annotated tags peeled). */
export interface RemoteTag {
  tag: string;
  sha: string;
}

/**
 * Reads `git ls-remote --tags` output into tags with the commit each points to: the peeled
 * `refs/tags/x^{}` line of an annotated tag wins over the tag object's own line.
 */
export function parseLsRemoteTags(stdout: string): RemoteTag[] {
  const direct = new Map<string, string>();
  const peeled = new Map<string, string>();
  for (const line of stdout.split("\n")) {
    const m = /^([0-9a-f]{40})\trefs\/tags\/(.+)$/.exec(line.trim());
    if (!m?.[1] || !m[2]) continue;
    if (m[2].endsWith("^{}")) peeled.set(m[2].slice(0, -3), m[1]);
    else direct.set(m[2], m[1]);
  }
  return [...direct].map(([tag, sha]) => ({ tag, sha: peeled.get(tag) ?? sha })).sort((a, b) => (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0));
}

/**
 * The tags that tie for the highest version satisfying `range` (more than one only when they
 * differ by build metadata alone; the caller breaks the tie by commit time). Throws naming the
 * range when the range is invalid or no tag satisfies it.
 */
export function highestSemverTags(range: string, tags: readonly RemoteTag[]): RemoteTag[] {
  const parsed = parseSemverRange(range);
  let best: RemoteTag[] = [];
  let bestVersion: ReturnType<typeof parseTagVersion>;
  for (const t of tags) {
    const v = parseTagVersion(t.tag);
    if (!v || !satisfiesRange(parsed, v)) continue;
    const order = bestVersion ? compareVersions(v, bestVersion) : 1;
    if (order > 0) {
      best = [t];
      bestVersion = v;
    } else if (order === 0) best.push(t);
  }
  if (best.length === 0) throw new SlipwayError(`semver range "${range}"`, `no match found for semver: ${range} (${tags.length} tag${tags.length === 1 ? "" : "s"} in the repository)`);
  return best;
}

/** Whether `range` is a semver range Flux accepts; the reason when it is not. */
export function semverRangeProblem(range: string): string | undefined {
  try {
    parseSemverRange(range);
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/**
 * Why `name` is not a full git reference name that can be fetched (git check-ref-format rules:
 * starts with `refs/`, no component starting with `.` or ending with `.lock`, no `..`, `//`, `@{`,
 * spaces, control characters or any of `~^:?*[\`, not ending with `/` or `.`); undefined when it is.
 */
export function refNameProblem(name: string): string | undefined {
  if (!name.startsWith("refs/")) return `"${name}" is not a full reference name (e.g. refs/heads/main, refs/pull/1/head)`;
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x20\x7f~^:?*[\\]/.test(name)) return `"${name}" has a character git refuses in reference names (space, control, ~^:?*[\\)`;
  if (name.includes("..") || name.includes("//") || name.includes("@{")) return `"${name}" contains "..", "//" or "@{", which git refuses in reference names`;
  if (name.endsWith("/") || name.endsWith(".")) return `"${name}" ends with "/" or ".", which git refuses in reference names`;
  if (name.split("/").some((c) => c === "" || c.startsWith(".") || c.endsWith(".lock"))) return `"${name}" has an empty component, one starting with "." or ending with ".lock"`;
  return undefined;
}
