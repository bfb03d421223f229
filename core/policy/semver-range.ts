/**
 * Semver ranges with the syntax and meaning Flux's semver policy gives them (the Masterminds
 * semver v3 rules), which differ from npm `semver` in several places:
 *
 * - AND is a space OR a comma (`>=1.0.0, <2.0.0`); OR is `||`; `a - b` is inclusive on both ends
 *   and needs spaces around the hyphen.
 * - `x`, `X` and `*` are wildcards; a missing part is a wildcard too (`1.2` = `1.2.x`).
 * - `~1.2.3` = `>=1.2.3 <1.3.0`; `~1` = `>=1.0.0 <2.0.0`; `~0.0.0` matches everything.
 * - `^1.2.3` = `>=1.2.3 <2.0.0`; `^0.2.3` = `>=0.2.3 <0.3.0`; `^0.0.3` = `=0.0.3`; `^0.0` = `<0.1.0`.
 * - `>1.x` means `>=2.0.0`, `>1.2` means `>=1.3.0`, `<=1.2` means `<1.3.0`; `<1.2` means `<1.2.0`.
 * - A prerelease version is considered only when some comparator of the same `||`-branch has a
 *   prerelease (`>=1.0.0-0 <2.0.0` admits `1.5.0-rc.1`); npm instead requires a comparator with
 *   the same major.minor.patch as the version.
 * - Versions inside ranges may carry a `v` and leading zeros.
 */
import { SlipwayError } from "../errors.ts";
import { compareVersions, parseLooseVersion, type SemverVersion } from "./semver-version.ts";

type Operator = "" | "=" | "!=" | ">" | "<" | ">=" | "=>" | "<=" | "=<" | "~" | "~>" | "^";

/** One comparator such as `>=1.2.x`, with the wildcard state of its version. */
interface Comparator {
  op: Operator;
  /** The version as written, for messages. */
  text: string;
  /** The version with wildcards set to 0. */
  version: SemverVersion;
  /** Some part is a wildcard or missing. */
  dirty: boolean;
  /** The minor (and so the patch) is a wildcard. */
  minorDirty: boolean;
  /** Only the patch is a wildcard. */
  patchDirty: boolean;
}

/** A parsed range: `||`-branches, each a list of comparators that must all hold. */
export interface SemverRange {
  /** The range as written. */
  text: string;
  branches: readonly (readonly Comparator[])[];
  /** Per branch: some comparator names a prerelease, so prerelease versions are admitted. */
  branchAllowsPrerelease: readonly boolean[];
}

const OPS = "!=|>=|=>|<=|=<|~>|>|<|=|~|\\^|";
const PART = "[0-9xX*]+";
const IDENTS = "[0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*";
/** A comparator's version, wildcards allowed; captures major, .minor, .patch, -prerelease. */
const CV = `v?(${PART})(\\.${PART})?(\\.${PART})?(-${IDENTS})?(?:\\+${IDENTS})?`;
/** The same grammar without captures, to embed in larger patterns. */
const CV_PLAIN = `v?${PART}(?:\\.${PART})?(?:\\.${PART})?(?:-${IDENTS})?(?:\\+${IDENTS})?`;
const HYPHEN_RANGE = new RegExp(`\\s*(${CV_PLAIN})\\s+-\\s+(${CV_PLAIN})\\s*`, "g");
const VALID_BRANCH = new RegExp(`^\\s*(?:${OPS})\\s*${CV_PLAIN}\\s*(?:(?:\\s+|,\\s*)(?:${OPS})\\s*${CV_PLAIN}\\s*)*$`);
const FIND_COMPARATOR = new RegExp(`(${OPS})\\s*(${CV_PLAIN})`, "g");
const COMPARATOR_VERSION = new RegExp(`^${CV}$`);

function isWildcard(part: string | undefined): boolean {
  return part === "x" || part === "X" || part === "*";
}

function parseComparator(op: Operator, text: string, range: string): Comparator {
  const m = COMPARATOR_VERSION.exec(text);
  const bad = (): SlipwayError => new SlipwayError(`semver range "${range}"`, `improper constraint "${op}${text}"`);
  if (!m) throw bad();
  const [, major = "", minorDot, patchDot, pre = ""] = m;
  const minor = minorDot?.slice(1);
  const patch = patchDot?.slice(1);
  let normal = text;
  let dirty = false;
  let minorDirty = false;
  let patchDirty = false;
  if (isWildcard(major)) {
    dirty = true;
    normal = `0.0.0${pre}`;
  } else if (minor === undefined || isWildcard(minor)) {
    dirty = minorDirty = true;
    normal = `${major}.0.0${pre}`;
  } else if (patch === undefined || isWildcard(patch)) {
    dirty = patchDirty = true;
    normal = `${major}.${minor}.0${pre}`;
  }
  const version = parseLooseVersion(normal);
  if (!version) throw bad();
  return { op, text, version, dirty, minorDirty, patchDirty };
}

/**
 * Parses a range such as `>=1.0.0 <2.0.0 || ^3.1` (see the module comment for the rules).
 * Throws a SlipwayError naming the range when it is not valid.
 */
export function parseSemverRange(text: string): SemverRange {
  const rewritten = text.replace(HYPHEN_RANGE, (_all, low: string, high: string) => `>= ${low}, <= ${high} `);
  const branches: Comparator[][] = [];
  const branchAllowsPrerelease: boolean[] = [];
  for (const branch of rewritten.split("||")) {
    if (!VALID_BRANCH.test(branch)) {
      throw new SlipwayError(`semver range "${text}"`, `improper constraint "${branch.trim()}"`);
    }
    const comparators: Comparator[] = [];
    for (const m of branch.matchAll(FIND_COMPARATOR)) {
      comparators.push(parseComparator((m[1] ?? "") as Operator, m[2] ?? "", text));
    }
    branches.push(comparators);
    branchAllowsPrerelease.push(comparators.some((c) => c.version.prerelease.length > 0));
  }
  return { text, branches, branchAllowsPrerelease };
}

function tilde(v: SemverVersion, c: Comparator): boolean {
  const con = c.version;
  if (compareVersions(v, con) < 0) return false;
  if (con.major === 0n && con.minor === 0n && con.patch === 0n && !c.minorDirty && !c.patchDirty) return true;
  if (v.major !== con.major) return false;
  return c.minorDirty || v.minor === con.minor;
}

function caret(v: SemverVersion, c: Comparator): boolean {
  const con = c.version;
  if (compareVersions(v, con) < 0) return false;
  if (con.major > 0n || c.minorDirty) return v.major === con.major;
  if (v.major > 0n) return false;
  if (con.minor > 0n || c.patchDirty) return v.minor === con.minor;
  if (v.minor > 0n) return false;
  return v.patch === con.patch;
}

function prereleaseDiffers(a: readonly string[], b: readonly string[]): boolean {
  return a.join(".") !== b.join(".");
}

function notEqual(v: SemverVersion, c: Comparator): boolean {
  const con = c.version;
  if (c.dirty) {
    if (con.major !== v.major) return true;
    if (!c.minorDirty && con.minor !== v.minor) return true;
    if (c.minorDirty) return false;
    if (!c.patchDirty && con.patch !== v.patch) return true;
    if (c.patchDirty) return prereleaseDiffers(v.prerelease, con.prerelease);
  }
  return compareVersions(v, con) !== 0;
}

function greaterThan(v: SemverVersion, c: Comparator): boolean {
  const con = c.version;
  if (!c.dirty) return compareVersions(v, con) > 0;
  if (v.major !== con.major) return v.major > con.major;
  if (c.minorDirty) return false;
  if (c.patchDirty) return v.minor > con.minor;
  return compareVersions(v, con) > 0;
}

function lessOrEqual(v: SemverVersion, c: Comparator): boolean {
  const con = c.version;
  if (!c.dirty) return compareVersions(v, con) <= 0;
  if (v.major > con.major) return false;
  return !(v.major === con.major && v.minor > con.minor && !c.minorDirty);
}

/** Whether `v` satisfies the comparator, prerelease admission aside. */
function holds(v: SemverVersion, c: Comparator): boolean {
  switch (c.op) {
    case "":
    case "=":
      return c.dirty ? tilde(v, c) : compareVersions(v, c.version) === 0;
    case "!=":
      return notEqual(v, c);
    case ">":
      return greaterThan(v, c);
    case "<":
      return compareVersions(v, c.version) < 0;
    case ">=":
    case "=>":
      return compareVersions(v, c.version) >= 0;
    case "<=":
    case "=<":
      return lessOrEqual(v, c);
    case "~":
    case "~>":
      return tilde(v, c);
    case "^":
      return caret(v, c);
  }
}

/**
 * Explains why `v` is outside the range, or returns undefined when it satisfies it.
 * The reason names the first failing comparator of each branch.
 */
export function rangeMismatch(range: SemverRange, v: SemverVersion): string | undefined {
  const reasons: string[] = [];
  for (const [i, branch] of range.branches.entries()) {
    if (v.prerelease.length > 0 && !range.branchAllowsPrerelease[i]) {
      reasons.push("is a prerelease and no comparator of the range names one");
      continue;
    }
    const failing = branch.find((c) => !holds(v, c));
    if (!failing) return undefined;
    reasons.push(`does not satisfy ${failing.op}${failing.text}`);
  }
  return [...new Set(reasons)].join("; ");
}

/** Whether `v` satisfies the range (Masterminds semantics, see the module comment). */
export function satisfiesRange(range: SemverRange, v: SemverVersion): boolean {
  const pre = v.prerelease.length > 0;
  for (let i = 0; i < range.branches.length; i++) {
    if (pre && !range.branchAllowsPrerelease[i]) continue;
    if ((range.branches[i] ?? []).every((c) => holds(v, c))) return true;
  }
  return false;
}
