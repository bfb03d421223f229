/**
 * Versions as Flux's semver policy reads tags and ranges.
 *
 * A tag counts as Flux's `version.ParseVersion` reads it: `strings.SplitN(tag, ".", 3)` must give
 * three parts, then Masterminds `NewVersion` parses it loosely — one optional leading `v`, leading
 * zeros in MAJOR.MINOR.PATCH accepted (`v2025.02.03-rc.1`), an optional `-prerelease` and
 * `+build`. So `v1.0`, `v1`, `v1.2-5`, `v1.2.3.4`, `=1.2.3` and ` 1.2.3` are not versions (they are
 * skipped), while `01.02.03` is 1.2.3 and `1.2-rc.1.3` is 1.2.0-rc.1.3. Numbers are unsigned
 * 64-bit. The versions written in ranges are parsed the same loose way, missing parts allowed.
 *
 * Why not npm `semver`: it rejects numbers above 2^53 (Flux takes up to 2^64-1), its loose mode
 * accepts `=1.2.3` and spaces, and its range rules differ (see semver-range.ts).
 */

/** A parsed version. `original` is the tag exactly as given. */
export interface SemverVersion {
  major: bigint;
  minor: bigint;
  patch: bigint;
  /** Dot-separated prerelease identifiers; empty when the version is a release. */
  prerelease: readonly string[];
  /** Build metadata after `+` (ignored when comparing). */
  build: string;
  original: string;
}

const VERSION = /^v?([0-9]+)(?:\.([0-9]+))?(?:\.([0-9]+))?(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$/;
const UINT64_MAX = (1n << 64n) - 1n;
const NUMERIC = /^[0-9]+$/;

/** Small numbers as bigints, made once: most version parts are below 1,000. */
const SMALL: readonly bigint[] = Array.from({ length: 1000 }, (_, i) => BigInt(i));
const NO_PRERELEASE: readonly string[] = Object.freeze([]);

function uint64(text: string | undefined): bigint | undefined {
  if (text === undefined || text === "") return 0n;
  if (text.length <= 3) return SMALL[Number(text)];
  const n = BigInt(text);
  return n > UINT64_MAX ? undefined : n;
}

/**
 * Parses a version the loose way (a `v` prefix, missing minor/patch and leading zeros allowed),
 * as ranges need; returns undefined when `text` is not a version.
 */
export function parseLooseVersion(text: string): SemverVersion | undefined {
  const m = VERSION.exec(text);
  if (!m) return undefined;
  const major = uint64(m[1]);
  const minor = uint64(m[2]);
  const patch = uint64(m[3]);
  if (major === undefined || minor === undefined || patch === undefined) return undefined;
  const prerelease = m[4] === undefined ? NO_PRERELEASE : m[4].split(".");
  for (const id of prerelease) {
    if (NUMERIC.test(id) && id.length > 1 && id.startsWith("0")) return undefined;
  }
  return { major, minor, patch, prerelease, build: m[5] ?? "", original: text };
}

/**
 * Parses a tag as Flux's semver policy does (at least two dots, then the loose parse; see the
 * module comment). Returns undefined for tags that are not versions: they are skipped, never an error.
 */
export function parseTagVersion(tag: string): SemverVersion | undefined {
  const firstDot = tag.indexOf(".");
  if (firstDot < 0 || tag.indexOf(".", firstDot + 1) < 0) return undefined;
  return parseLooseVersion(tag);
}

function compareBig(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function isUint64(id: string): boolean {
  return NUMERIC.test(id) && BigInt(id) <= UINT64_MAX;
}

function compareIdentifier(a: string, b: string): number {
  if (a === b) return 0;
  const an = isUint64(a);
  const bn = isUint64(b);
  if (an && bn) return compareBig(BigInt(a), BigInt(b));
  if (an) return -1;
  if (bn) return 1;
  return a < b ? -1 : 1;
}

/** Compares two prerelease identifier lists by semver 2.0 precedence (both non-empty). */
function comparePrerelease(a: readonly string[], b: readonly string[]): number {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i];
    const y = b[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const d = compareIdentifier(x, y);
    if (d !== 0) return d;
  }
  return 0;
}

/** Orders versions by semver precedence: -1, 0 or 1. Build metadata is ignored. */
export function compareVersions(a: SemverVersion, b: SemverVersion): number {
  const d = compareBig(a.major, b.major) || compareBig(a.minor, b.minor) || compareBig(a.patch, b.patch);
  if (d !== 0) return d;
  if (a.prerelease.length === 0 && b.prerelease.length === 0) return 0;
  if (a.prerelease.length === 0) return 1;
  if (b.prerelease.length === 0) return -1;
  return comparePrerelease(a.prerelease, b.prerelease);
}

/** Formats a version without its `v` prefix or leading zeros, e.g. `1.2.3-rc.1+build`. */
export function formatVersion(v: SemverVersion): string {
  return (
    `${v.major}.${v.minor}.${v.patch}` +
    (v.prerelease.length > 0 ? `-${v.prerelease.join(".")}` : "") +
    (v.build ? `+${v.build}` : "")
  );
}
